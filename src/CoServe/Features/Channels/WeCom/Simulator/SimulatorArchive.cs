using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CoServe.Features.Channels.WeCom.Archive;

namespace CoServe.Features.Channels.WeCom.Simulator;

/// <summary>One archived record as the simulator keeps it: encrypted as WeCom would hand it out.</summary>
public sealed record SimArchiveRecord(long Seq, string MsgId, int PublicKeyVer, string EncryptRandomKey, string EncryptChatMsg, DateTimeOffset At);

/// <summary>
/// The conversation archive (会话存档) of the simulator. Messages are stored in WeCom's documented plaintext format,
/// with a fresh random key RSA-encrypted (PKCS#1 v1.5) with the enterprise public key of the current version, and
/// the message encrypted with that key by <see cref="SimulatorArchiveCipher"/> (the simulator's convention; the real
/// SDK's DecryptData is opaque). GetChatData honours WeCom's rules: at most 1000 records per call, and records
/// older than 5 days are no longer returned.
/// </summary>
public sealed class SimulatorArchive(SimulatorClock clock)
{
    public const int MaxLimit = 1000;
    public const int RetentionDays = 5;
    /// <summary>SDK error code for bad parameters (the SDK's 10000).</summary>
    public const int ParameterError = 10000;

    private readonly Lock _gate = new();
    private readonly List<SimArchiveRecord> _records = [];
    private readonly Dictionary<int, RSA> _publicKeys = [];
    private int _currentVersion;
    private long _seq;
    private long _nextMsg;

    /// <summary>Adds an enterprise public key (PEM) and makes its version the one new messages are encrypted with (a rotation).</summary>
    public void UsePublicKey(int version, string publicKeyPem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        lock (_gate)
        {
            _publicKeys[version] = rsa;
            _currentVersion = version;
        }
    }

    public int Count { get { lock (_gate) return _records.Count; } }

    /// <summary>A message sent in WeCom (one-to-one when roomId is null); returns its msgid.</summary>
    public string Send(string from, IReadOnlyList<string> toList, string text, string? roomId = null, string msgType = "text") =>
        Append(id => Plaintext(id, "send", from, toList, roomId, msgType, msgType == "text" ? new Dictionary<string, object?> { ["content"] = text } : new Dictionary<string, object?> { ["sdkfileid"] = "simfile" + id, ["md5sum"] = "", ["filesize"] = text.Length }));

    /// <summary>The sender recalled an earlier message (a "revoke" record naming it).</summary>
    public string Recall(string from, IReadOnlyList<string> toList, string recalledMsgId, string? roomId = null) =>
        Append(id => Plaintext(id, "recall", from, toList, roomId, "revoke", new Dictionary<string, object?> { ["pre_msgid"] = recalledMsgId }));

    /// <summary>A member switched devices: a record without msgtype that carries no message.</summary>
    public string Switch(string user) =>
        Append(id => JsonSerializer.Serialize(new Dictionary<string, object?> { ["msgid"] = id, ["action"] = "switch", ["time"] = clock.GetUtcNow().ToUnixTimeMilliseconds(), ["user"] = user }));

    /// <summary>A record whose plaintext is exactly this text (tests: malformed messages).</summary>
    public string AppendPlaintext(string plaintext) => Append(_ => plaintext);

    /// <summary>A record encrypted with a key version the enterprise never configured (tests: unknown publickey_ver).</summary>
    public string AppendWithVersion(int version, string from, IReadOnlyList<string> toList, string text)
    {
        var id = Send(from, toList, text);
        lock (_gate)
        {
            var i = _records.FindIndex(r => r.MsgId == id);
            _records[i] = _records[i] with { PublicKeyVer = version };
        }
        return id;
    }

    /// <summary>
    /// Numbers <paramref name="count"/> records that GetChatData will never return (tests: records lost to CoServe,
    /// as when WeCom dropped them after the retention before they were pulled); the next message gets the seq after them.
    /// </summary>
    public void SkipSeqs(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_gate) _seq += count;
    }

    /// <summary>Flips bytes of a record's encrypted message (tests: corrupt ciphertext).</summary>
    public void Corrupt(string msgId)
    {
        lock (_gate)
        {
            var i = _records.FindIndex(r => r.MsgId == msgId);
            var bytes = Convert.FromBase64String(_records[i].EncryptChatMsg);
            bytes[^1] ^= 0x5a;
            bytes[20] ^= 0x33;
            _records[i] = _records[i] with { EncryptChatMsg = Convert.ToBase64String(bytes) };
        }
    }

    /// <summary>GetChatData: records after seq still within retention, oldest first, at most limit (1..1000).</summary>
    public (int ErrCode, IReadOnlyList<SimArchiveRecord> Records) GetChatData(long seq, int limit)
    {
        if (limit is < 1 or > MaxLimit || seq < 0) return (ParameterError, []);
        var oldest = clock.GetUtcNow().AddDays(-RetentionDays);
        lock (_gate)
        {
            return (0, _records.Where(r => r.Seq > seq && r.At >= oldest).Take(limit).ToList());
        }
    }

    private string Plaintext(string id, string action, string from, IReadOnlyList<string> toList, string? roomId, string msgType, Dictionary<string, object?> part) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["msgid"] = id,
            ["action"] = action,
            ["from"] = from,
            ["tolist"] = toList,
            ["roomid"] = roomId ?? "",
            ["msgtime"] = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ["msgtype"] = msgType,
            [msgType] = part,
        });

    private string Append(Func<string, string> plaintext)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"simarc{clock.GetUtcNow().ToUnixTimeMilliseconds():x}{Interlocked.Increment(ref _nextMsg):x6}");
        var text = plaintext(id);
        var randomKey = SimulatorArchiveCipher.NewRandomKey();
        lock (_gate)
        {
            if (!_publicKeys.TryGetValue(_currentVersion, out var rsa)) throw new InvalidOperationException("the simulator archive has no enterprise public key; call UsePublicKey first");
            var encryptedKey = Convert.ToBase64String(rsa.Encrypt(Encoding.UTF8.GetBytes(randomKey), RSAEncryptionPadding.Pkcs1));
            _records.Add(new SimArchiveRecord(++_seq, id, _currentVersion, encryptedKey, SimulatorArchiveCipher.Encrypt(randomKey, text), clock.GetUtcNow()));
        }
        return id;
    }
}

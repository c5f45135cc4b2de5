using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>One encrypted record of GetChatData, in the SDK's JSON shape.</summary>
public sealed class ChatDataRecord
{
    [JsonPropertyName("seq")] public long Seq { get; set; }
    [JsonPropertyName("msgid")] public string? MsgId { get; set; }
    [JsonPropertyName("publickey_ver")] public int PublicKeyVer { get; set; }
    [JsonPropertyName("encrypt_random_key")] public string? EncryptRandomKey { get; set; }
    [JsonPropertyName("encrypt_chat_msg")] public string? EncryptChatMsg { get; set; }
}

/// <summary>GetChatData's answer: {errcode, errmsg, chatdata:[...]}.</summary>
public sealed class ChatDataReply
{
    [JsonPropertyName("errcode")] public int ErrCode { get; set; }
    [JsonPropertyName("errmsg")] public string? ErrMsg { get; set; }
    [JsonPropertyName("chatdata")] public List<ChatDataRecord> ChatData { get; set; } = [];

    public static ChatDataReply Parse(string json) =>
        JsonSerializer.Deserialize<ChatDataReply>(json) ?? throw new ArchiveSourceException("GetChatData answered an empty document");
}

/// <summary>The archive could not be read now (SDK or transport error); the cursor stays where it is.</summary>
public sealed class ArchiveSourceException : Exception
{
    public ArchiveSourceException() { }
    public ArchiveSourceException(string message) : base(message) { }
    public ArchiveSourceException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Where archived records come from: WeCom's native Finance SDK in production, the simulator over HTTP in tests
/// and the demo. Both give records in the SDK's JSON shape; CoServe decrypts each record's random key itself and
/// asks the source to decrypt the message with it (the SDK's DecryptData).
/// </summary>
public interface IArchiveSource : IDisposable
{
    /// <summary>Records with seq greater than <paramref name="seq"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<ChatDataReply> GetChatDataAsync(long seq, int limit, CancellationToken ct);

    /// <summary>The plaintext message JSON, or null when it does not decrypt with this random key.</summary>
    string? DecryptData(string randomKey, string encryptChatMsg);
}

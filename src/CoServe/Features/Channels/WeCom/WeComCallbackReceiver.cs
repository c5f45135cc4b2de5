using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

public enum CallbackVerdict
{
    Accepted = 1,
    Duplicate = 2,
    UnknownApp = 3,
    BadRequest = 4,
    Unauthorized = 5,
    Busy = 6,
}

/// <summary>Why a callback was refused; for logs and metrics only, never sent back.</summary>
internal enum CallbackRejection
{
    MissingParameters,
    MalformedEnvelope,
    BadSignature,
    StaleTimestamp,
    DecryptFailed,
    MalformedMessage,
    QueueFull,
}

/// <summary>
/// The callback endpoint's work, kept small because WeCom waits at most 5 s (1 s for URL verification):
/// verify the signature and timestamp, decrypt, enqueue (the queue de-duplicates). Everything else is the worker's.
/// </summary>
public sealed partial class WeComCallbackReceiver
{
    private readonly FrozenDictionary<string, WeComCrypto> _apps;
    private readonly WeComOptions _options;
    private readonly IWeComCallbackQueue _queue;
    private readonly TimeProvider _clock;
    private readonly WeComMetrics _metrics;
    private readonly ILogger<WeComCallbackReceiver> _logger;

    public WeComCallbackReceiver(IOptions<WeComOptions> options, IWeComCallbackQueue queue,
        TimeProvider clock, WeComMetrics metrics, ILogger<WeComCallbackReceiver> logger)
    {
        _options = options.Value;
        _apps = _options.Apps.ToFrozenDictionary(a => a.Key, a => new WeComCrypto(a.Value.Token, a.Value.EncodingAesKey, a.Value.CorpId), StringComparer.Ordinal);
        _queue = queue;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

    public int MaxBodyBytes => _options.MaxCallbackBodyBytes;

    /// <summary>GET URL verification: the decrypted echostr, to be answered exactly as it is.</summary>
    public (CallbackVerdict Verdict, string? Plaintext) VerifyUrl(string app, string? signature, string? timestamp, string? nonce, string? echostr)
    {
        if (!_apps.TryGetValue(app, out var crypto)) return (CallbackVerdict.UnknownApp, null);
        if (signature is null || timestamp is null || nonce is null || string.IsNullOrEmpty(echostr)) return (Reject(app, CallbackRejection.MissingParameters), null);
        // A '+' that reached us unescaped was decoded as a space by the query parser; base64 has no spaces.
        echostr = echostr.Replace(' ', '+');
        if (!crypto.VerifySignature(signature, timestamp, nonce, echostr)) return (Reject(app, CallbackRejection.BadSignature), null);
        if (!Fresh(timestamp)) return (Reject(app, CallbackRejection.StaleTimestamp), null);
        var failure = crypto.TryDecrypt(echostr, out var plain);
        if (failure != WeComCryptoFailure.None)
        {
            LogDecryptFailed(_logger, app, failure);
            return (Reject(app, CallbackRejection.DecryptFailed), null);
        }
        return (CallbackVerdict.Accepted, plain);
    }

    /// <summary>POST message or event: verified, decrypted, de-duplicated and queued.</summary>
    public ValueTask<CallbackVerdict> ReceiveAsync(string app, string? signature, string? timestamp, string? nonce, ReadOnlySpan<byte> body, CancellationToken ct)
    {
        if (!_apps.TryGetValue(app, out var crypto)) return ValueTask.FromResult(CallbackVerdict.UnknownApp);
        if (signature is null || timestamp is null || nonce is null) return ValueTask.FromResult(Reject(app, CallbackRejection.MissingParameters));
        var message = Read(app, crypto, signature, timestamp, nonce, body, out var rejection);
        return message is null ? ValueTask.FromResult(rejection) : EnqueueAsync(app, message, ct);
    }

    /// <summary>The verified, decrypted and parsed message, or null with the verdict that refuses it.</summary>
    private WeComCallbackMessage? Read(string app, WeComCrypto crypto, string signature, string timestamp, string nonce, ReadOnlySpan<byte> body, out CallbackVerdict rejection)
    {
        rejection = CallbackVerdict.BadRequest;
        // The ciphertext as characters: straight from the body's bytes when the envelope is in WeCom's plain shape (base64
        // is ASCII), otherwise from the hardened reader as before.
        char[]? chars = null;
        try
        {
            ReadOnlySpan<char> encrypted;
            var found = WeComCallbackXml.FindPlainField(body, _options.MaxCallbackBodyBytes, "Encrypt"u8, out var range);
            if (found == PlainField.Found && System.Text.Ascii.IsValid(body[range]))
            {
                var raw = body[range];
                chars = ArrayPool<char>.Shared.Rent(raw.Length);
                System.Text.Ascii.ToUtf16(raw, chars, out var written);
                encrypted = chars.AsSpan(0, written);
            }
            else if (found == PlainField.Absent)
            {
                encrypted = default;
            }
            else
            {
                encrypted = WeComCallbackXml.ReadFields(body, _options.MaxCallbackBodyBytes) is { } envelope && envelope.TryGetValue("Encrypt", out var text) ? text : default;
            }
            if (encrypted.IsEmpty)
            {
                rejection = Reject(app, CallbackRejection.MalformedEnvelope);
                return null;
            }
            return Read(app, crypto, signature, timestamp, nonce, encrypted, out rejection);
        }
        finally
        {
            if (chars is not null) ArrayPool<char>.Shared.Return(chars);
        }
    }

    private WeComCallbackMessage? Read(string app, WeComCrypto crypto, string signature, string timestamp, string nonce, ReadOnlySpan<char> encrypted, out CallbackVerdict rejection)
    {
        rejection = CallbackVerdict.BadRequest;
        if (!crypto.VerifySignature(signature, timestamp, nonce, encrypted))
        {
            rejection = Reject(app, CallbackRejection.BadSignature);
            return null;
        }
        if (!Fresh(timestamp))
        {
            rejection = Reject(app, CallbackRejection.StaleTimestamp);
            return null;
        }
        var plain = ArrayPool<byte>.Shared.Rent(WeComCrypto.MaxDecryptedBytes(encrypted.Length));
        Dictionary<string, string>? fields;
        try
        {
            var failure = crypto.TryDecrypt(encrypted, plain, out var range);
            if (failure != WeComCryptoFailure.None)
            {
                LogDecryptFailed(_logger, app, failure);
                rejection = Reject(app, CallbackRejection.DecryptFailed);
                return null;
            }
            // The message's UTF-8 bytes as they are, without decoding them to a string first.
            fields = WeComCallbackXml.ReadFields(plain.AsSpan(range), _options.MaxCallbackBodyBytes);
        }
        finally
        {
            // It held the client's message.
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
        if (fields is null || WeComCallbackXml.ToMessage(fields) is not { } message)
        {
            rejection = Reject(app, CallbackRejection.MalformedMessage);
            return null;
        }
        return message;
    }

    private async ValueTask<CallbackVerdict> EnqueueAsync(string app, WeComCallbackMessage message, CancellationToken ct)
    {
        var work = new WeComCallbackWork(app, message, _clock.GetUtcNow()) { Key = message.DeduplicationKey(app) };
        switch (await _queue.TryEnqueueAsync(work, ct))
        {
            case WeComEnqueueResult.Queued:
                _metrics.Accepted.Add(1);
                return CallbackVerdict.Accepted;
            case WeComEnqueueResult.Duplicate:
                _metrics.Duplicates.Add(1);
                return CallbackVerdict.Duplicate;
            case WeComEnqueueResult.Full:
                return Reject(app, CallbackRejection.QueueFull);
            default:
                throw new InvalidOperationException("unknown enqueue result");
        }
    }

    private bool Fresh(string timestamp)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (_options.ReplayWindowSeconds == 0) return true;
        var age = Math.Abs(_clock.GetUtcNow().ToUnixTimeSeconds() - seconds);
        return age <= _options.ReplayWindowSeconds;
    }

    private CallbackVerdict Reject(string app, CallbackRejection reason)
    {
        _metrics.Rejected.Add(1);
        LogRejected(_logger, app, reason);
        return reason switch
        {
            CallbackRejection.BadSignature or CallbackRejection.StaleTimestamp => CallbackVerdict.Unauthorized,
            CallbackRejection.QueueFull => CallbackVerdict.Busy,
            CallbackRejection.MissingParameters or CallbackRejection.MalformedEnvelope or CallbackRejection.DecryptFailed or CallbackRejection.MalformedMessage => CallbackVerdict.BadRequest,
            _ => CallbackVerdict.BadRequest,
        };
    }

    [LoggerMessage(LogLevel.Warning, "WeCom callback for app {App} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string app, CallbackRejection reason);

    [LoggerMessage(LogLevel.Warning, "WeCom callback for app {App} could not be decrypted: {Failure}")]
    private static partial void LogDecryptFailed(ILogger logger, string app, WeComCryptoFailure failure);
}

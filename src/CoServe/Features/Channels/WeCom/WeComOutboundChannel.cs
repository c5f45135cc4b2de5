using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

/// <summary>
/// Delivers gate-approved replies to a client's WeChat through 微信客服 (kf/send_msg). Idempotent per
/// OutboundMessage.IdempotencyKey twice over: a local ledger answers repeats without calling, and the kf
/// msgid is derived from the key so a retry after a lost response is the same message to WeCom.
/// </summary>
public sealed class WeComOutboundChannel(WeComApiClient api, IWeComDeliveryLedger ledger, IOptions<WeComOptions> options, TimeProvider clock) : IOutboundChannel
{
    public const string Name = "wecom";
    /// <summary>kf text content is limited to 2048 bytes.</summary>
    public const int MaxTextBytes = 2048;

    public string Channel => Name;

    public async Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(message.ExternalUserId)) return Failed("the client has no WeCom external_userid");
        if (string.IsNullOrEmpty(message.Text)) return Failed("empty text");
        if (Encoding.UTF8.GetByteCount(message.Text) > MaxTextBytes) return Failed($"text longer than WeCom's {MaxTextBytes} bytes");
        var o = options.Value;
        if (!o.Apps.TryGetValue(o.KfApp, out var app) || string.IsNullOrEmpty(app.OpenKfId))
        {
            return Failed($"WeCom:Apps:{o.KfApp}:OpenKfId is not configured");
        }
        if (await ledger.FindAsync(message.IdempotencyKey, ct) is { } sent) return new DeliveryResult(DeliveryStatus.Delivered, sent, null, null);

        var msgId = KfMessageId(message.IdempotencyKey);
        var reply = await api.KfSendTextAsync(o.KfApp, app.OpenKfId, message.ExternalUserId, message.Text, msgId, ct);
        switch (reply.Status)
        {
            case WeComCallStatus.Ok:
                var providerId = string.IsNullOrEmpty(reply.Value!.Msgid) ? msgId : reply.Value.Msgid;
                await ledger.RecordAsync(message.IdempotencyKey, providerId, clock.GetUtcNow(), ct);
                return new DeliveryResult(DeliveryStatus.Delivered, providerId, null, null);
            case WeComCallStatus.RetryLater when reply.ErrCode is RateLimited or ConcurrencyLimited:
                return new DeliveryResult(DeliveryStatus.Throttled, null, $"WeCom rate limit (errcode {reply.ErrCode})", reply.RetryAfter ?? TimeSpan.FromSeconds(30));
            case WeComCallStatus.RetryLater:
                return new DeliveryResult(DeliveryStatus.RetryLater, null, $"WeCom busy (errcode {reply.ErrCode})", reply.RetryAfter ?? TimeSpan.FromSeconds(30));
            case WeComCallStatus.Failed:
                return Failed($"WeCom refused the message (errcode {reply.ErrCode})");
            default:
                throw new InvalidOperationException($"unexpected call status {reply.Status}");
        }
    }

    /// <summary>WeCom's "API calls over the limit" and "too many concurrent calls": the message is fine, the pace is not.</summary>
    private const int RateLimited = 45009, ConcurrencyLimited = 45033;

    private static DeliveryResult Failed(string reason) => new(DeliveryStatus.Failed, null, reason, null);

    /// <summary>
    /// kf/send_msg accepts a caller-chosen msgid of at most 32 characters from [0-9a-zA-Z_-]: the key itself
    /// when it fits, otherwise a URL-safe digest of it.
    /// </summary>
    public static string KfMessageId(string idempotencyKey)
    {
        if (idempotencyKey.Length is > 0 and <= 32 && idempotencyKey.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return idempotencyKey;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey));
        return Convert.ToBase64String(hash)[..32].Replace('+', '-').Replace('/', '_');
    }
}

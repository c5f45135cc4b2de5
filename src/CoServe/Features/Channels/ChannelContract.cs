namespace CoServe.Features.Channels;

/// <summary>How an inbound message names its client: by client number, or by the channel's own id for the person.</summary>
public enum ClientReferenceKind
{
    ClientNo = 1,
    /// <summary>A WeCom external user id (external_userid), linked to a client in the client book.</summary>
    WeComExternalUserId = 2,
}

public sealed record InboundAttachment(string Kind, string? MediaId, string? FileName, long? SizeBytes, string? Format);

/// <summary>
/// A client's message as a channel adapter hands it to the co-service core. The idempotency key is the
/// channel's own message id (WeCom MsgId / msgid): the same message delivered again is stored once.
/// </summary>
public sealed record InboundClientMessage(
    string Channel,
    ClientReferenceKind ReferenceKind,
    string ClientReference,
    string Text,
    string IdempotencyKey,
    DateTimeOffset SentAt,
    IReadOnlyList<InboundAttachment> Attachments);

public enum InboundOutcome
{
    Stored = 1,
    Duplicate = 2,
    UnknownClient = 3,
    Rejected = 4,
}

public sealed record InboundResult(InboundOutcome Outcome, long? EventId, string? Problem);

/// <summary>Implemented by the co-service core: where channel adapters deliver inbound client messages.</summary>
public interface IInboundMessageSink
{
    Task<InboundResult> AcceptAsync(InboundClientMessage message, CancellationToken ct);
}

/// <summary>One outgoing message that already passed the outbound gate, for a channel to deliver.</summary>
public sealed record OutboundMessage(
    long TimelineEventId,
    string Channel,
    string ClientNo,
    string? ExternalUserId,
    string Text,
    string IdempotencyKey);

public enum DeliveryStatus
{
    Delivered = 1,
    /// <summary>Try again after <see cref="DeliveryResult.RetryAfter"/> (rate limit, 5xx, token refresh).</summary>
    RetryLater = 2,
    /// <summary>Will never succeed (client unreachable on this channel, invalid id); recorded on the timeline.</summary>
    Failed = 3,

    /// <summary>
    /// The channel's rate limit refused this message, which is itself fine: not counted as a failed attempt; the
    /// channel is paused until <see cref="DeliveryResult.RetryAfter"/>.
    /// </summary>
    Throttled = 4,
}

public sealed record DeliveryResult(DeliveryStatus Status, string? ProviderMessageId, string? Error, TimeSpan? RetryAfter);

/// <summary>A delivery channel (web chat, WeCom...). The core calls it from its outbox; it must be idempotent per key.</summary>
public interface IOutboundChannel
{
    string Channel { get; }

    Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct);
}

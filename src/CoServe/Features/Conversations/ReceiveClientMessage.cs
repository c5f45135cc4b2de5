using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

/// <summary>
/// A client's message arrives from any channel: stored once on the client's timeline (idempotent by the
/// channel's message id), attached to the open conversation of that channel (or a new one: back to the AI,
/// unless a colleague asked to keep the client), and queued for the service officer only when the AI holds
/// the conversation. The human in control is notified instead.
/// </summary>
public sealed partial class ReceiveClientMessage(
    CoServeDb db,
    TimelineWriter timeline,
    Notifier notifier,
    LiveEvents live,
    OfficerSignal officer,
    IOptions<ConversationsOptions> options,
    TimeProvider clock,
    ILogger<ReceiveClientMessage> logger) : IInboundMessageSink
{
    private const int MaxAttempts = 5;

    public async Task<InboundResult> AcceptAsync(InboundClientMessage message, CancellationToken ct)
    {
        var problem = Validate(message);
        if (problem is not null) return new InboundResult(InboundOutcome.Rejected, null, problem);

        var client = message.ReferenceKind == ClientReferenceKind.ClientNo
            ? await db.Clients.AsNoTracking().Where(c => c.ClientNo == message.ClientReference.Trim().ToUpperInvariant()).Select(c => new { c.Id, c.ClientNo }).SingleOrDefaultAsync(ct)
            : await db.Clients.AsNoTracking().Where(c => c.WeComExternalUserId == message.ClientReference.Trim()).Select(c => new { c.Id, c.ClientNo }).FirstOrDefaultAsync(ct);
        if (client is null) return new InboundResult(InboundOutcome.UnknownClient, null, "no client with this reference");

        var key = $"{message.Channel}:{message.IdempotencyKey}";
        for (var attempt = 1; ; attempt++)
        {
            var existing = await ExistingAsync(client.Id, key, ct);
            if (existing is not null) return new InboundResult(InboundOutcome.Duplicate, existing, null);
            try
            {
                var result = await StoreAsync(client.Id, client.ClientNo, key, message, ct);
                LogStored(logger, message.Channel, result.EventId);
                return result;
            }
            catch (DbUpdateException ex) when (attempt < MaxAttempts && (ex is DbUpdateConcurrencyException || DbErrors.IsUniqueViolation(ex)))
            {
                // A duplicate delivered concurrently, or another message of the same conversation won the race:
                // start again from a clean unit of work; the idempotency check above settles duplicates.
                db.ChangeTracker.Clear();
                timeline.Discard();
            }
        }
    }

    private string? Validate(InboundClientMessage m)
    {
        if (string.IsNullOrWhiteSpace(m.Channel) || m.Channel.Length > 24) return "channel is missing or too long";
        if (string.IsNullOrWhiteSpace(m.IdempotencyKey) || m.IdempotencyKey.Length > 128) return "idempotencyKey is required (at most 128 characters)";
        if (string.IsNullOrWhiteSpace(m.ClientReference)) return "client reference is missing";
        var text = m.Text?.Trim() ?? "";
        if (text.Length == 0 && m.Attachments.Count == 0) return "message is empty";
        if (text.Length > options.Value.MaxMessageLength) return $"message is longer than {options.Value.MaxMessageLength} characters";
        return null;
    }

    private Task<long?> ExistingAsync(long clientId, string key, CancellationToken ct) =>
        db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == clientId && e.IdempotencyKey == key).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);

    private async Task<InboundResult> StoreAsync(long clientId, string clientNo, string key, InboundClientMessage message, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conversation = await db.Conversations
            .Where(c => c.ClientId == clientId && c.Channel == message.Channel && c.State != ConversationState.Closed)
            .OrderByDescending(c => c.Id)
            .FirstOrDefaultAsync(ct);
        if (conversation is null)
        {
            conversation = new Conversation(clientId, message.Channel, now);
            var previous = await db.Conversations.AsNoTracking()
                .Where(c => c.ClientId == clientId && c.Channel == message.Channel)
                .OrderByDescending(c => c.Id)
                .Select(c => new { c.KeepWithStaffId, c.KeepUntil })
                .FirstOrDefaultAsync(ct);
            var keepWith = previous is { KeepWithStaffId: { } staffId, KeepUntil: { } until } && until > now
                && await db.Staff.AnyAsync(s => s.Id == staffId && s.IsActive, ct)
                ? previous.KeepWithStaffId
                : null;
            if (keepWith is { } keeper) conversation.StartWithStaff(keeper, now);
            else conversation.StartWithAi(now);
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync(ct);
            if (keepWith is not null)
            {
                timeline.Append(clientId, TimelineKind.ControlChange, ActorKind.System, null, message.Channel, EventVisibility.Internal,
                    details: new { to = "HumanActive", staff = keepWith, reason = "kept with staff after close" }, conversationId: conversation.Id);
            }
        }

        var text = message.Text?.Trim() ?? "";
        var ev = timeline.Append(clientId, TimelineKind.ClientMessage, ActorKind.Client, null, message.Channel, EventVisibility.ClientVisible,
            text: text,
            details: message.Attachments.Count == 0 ? null : new { attachments = message.Attachments },
            conversationId: conversation.Id,
            idempotencyKey: key);
        conversation.ClientSpoke(now);
        var aiAnswers = conversation.AiMaySpeak;
        if (aiAnswers)
        {
            db.OfficerWorkItems.Add(new OfficerWorkItem(conversation.Id, ev, now));
        }
        else if (conversation.ControllerStaffId is { } controller)
        {
            notifier.Add(controller, NotificationKind.ClientMessage, $"客户 {clientNo} 发来新消息", $"/conversations/{conversation.Id}", clientId, conversation.OpenTicketId);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        timeline.Publish();
        live.Publish(new ConversationChanged(clientId, conversation.Id));
        await notifier.FlushAsync(ct);
        if (aiAnswers) officer.Notify();
        return new InboundResult(InboundOutcome.Stored, ev.Id, null);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client message stored from {Channel} as event {EventId}")]
    private static partial void LogStored(ILogger logger, string channel, long? eventId);
}

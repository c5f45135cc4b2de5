using System.Globalization;
using System.Text.RegularExpressions;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

public enum ControlStatus
{
    Done = 1,
    /// <summary>No such conversation, or outside the caller's scope (the same answer for both).</summary>
    NotFound = 2,
    Forbidden = 3,
    /// <summary>Someone else holds the conversation or changed it first; the message says who.</summary>
    Conflict = 4,
    Invalid = 5,
    /// <summary>The outbound gate warned; send again with confirmation.</summary>
    NeedsConfirmation = 6,
}

public sealed record ControlResult(ControlStatus Status, string? Message = null, int? Version = null, long? EventId = null)
{
    public bool Ok => Status == ControlStatus.Done;
}

/// <summary>
/// What staff do with a conversation: take over, reply, hand back to the AI, transfer to a colleague, close,
/// write internal notes. Each control change is an event on the client's timeline and, where the client should
/// know, a short notice to the client. Concurrent takeovers are settled by the conversation's version: exactly
/// one wins, the other is told who holds it.
/// </summary>
public sealed partial class ConversationControl(
    CoServeDb db,
    TimelineWriter timeline,
    Notifier notifier,
    IOutboundGate gate,
    LiveEvents live,
    OutboxSignal outbox,
    StaffDirectory directory,
    IOptions<ConversationsOptions> options,
    TimeProvider clock)
{
    // Tickets assigned, answered or resolved by the change being saved: pushed live once it commits.
    private readonly HashSet<Ticket> _changedTickets = [];

    public async Task<ControlResult> TakeOverAsync(CurrentStaff staff, long conversationId, int? expectedVersion, bool force, CancellationToken ct)
    {
        var (conversation, problem) = await LoadAsync(staff, conversationId, ct);
        if (conversation is null) return problem!;
        if (conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId == staff.Id) return Done(conversation);
        if (expectedVersion is { } v && v != conversation.Version) return await ConflictAsync(conversation, ct);
        if (conversation.State == ConversationState.HumanActive && !force) return await ConflictAsync(conversation, ct);
        return await SaveControlAsync(conversation, async () =>
        {
            var from = conversation.State;
            var previous = conversation.ControllerStaffId;
            conversation.TakeOver(staff.Id, clock.GetUtcNow());
            await AssignTicketAsync(conversation, staff.Id, ct);
            RecordChange(conversation, staff, from, previous, "take over", string.Format(CultureInfo.InvariantCulture, options.Value.TakeoverNotice, staff.DisplayName));
            if (previous is { } p && p != staff.Id)
            {
                notifier.Add(p, NotificationKind.ConversationTransferred, $"{staff.DisplayName} 接管了您的会话", $"/conversations/{conversation.Id}", conversation.ClientId);
            }
        }, ct);
    }

    public async Task<ControlResult> HandBackAsync(CurrentStaff staff, long conversationId, CancellationToken ct)
    {
        var (conversation, problem) = await LoadAsync(staff, conversationId, ct);
        if (conversation is null) return problem!;
        if (conversation.State is ConversationState.AiActive or ConversationState.New) return Done(conversation);
        if (conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId != staff.Id && !IsSupervisor(staff))
        {
            return await ConflictAsync(conversation, ct);
        }
        return await SaveControlAsync(conversation, async () =>
        {
            var from = conversation.State;
            var previous = conversation.ControllerStaffId;
            await ResolveTicketAsync(conversation, "handed back to the service officer", ct);
            conversation.HandBackToAi(clock.GetUtcNow());
            RecordChange(conversation, staff, from, previous, "hand back", options.Value.HandBackNotice);
        }, ct);
    }

    public async Task<ControlResult> TransferAsync(CurrentStaff staff, long conversationId, int toStaffId, string? note, CancellationToken ct)
    {
        var (conversation, problem) = await LoadAsync(staff, conversationId, ct);
        if (conversation is null) return problem!;
        if (toStaffId == staff.Id) return new ControlResult(ControlStatus.Invalid, "choose a colleague, not yourself");
        if (conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId != staff.Id && !IsSupervisor(staff))
        {
            return await ConflictAsync(conversation, ct);
        }
        var target = await db.Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Id == toStaffId && s.IsActive, ct);
        if (target is null || target.Role == StaffRole.Compliance) return new ControlResult(ControlStatus.Invalid, "the colleague does not exist or cannot take conversations");
        if (!await db.Clients.VisibleTo(CurrentStaff.From(target)).AnyAsync(c => c.Id == conversation.ClientId, ct))
        {
            return new ControlResult(ControlStatus.Invalid, $"{target.DisplayName} does not serve this client");
        }
        return await SaveControlAsync(conversation, async () =>
        {
            var from = conversation.State;
            var previous = conversation.ControllerStaffId;
            conversation.TakeOver(target.Id, clock.GetUtcNow());
            await AssignTicketAsync(conversation, target.Id, ct);
            RecordChange(conversation, staff, from, previous, "transfer", string.Format(CultureInfo.InvariantCulture, options.Value.TakeoverNotice, target.DisplayName), to: target.Id, note: note);
            notifier.Add(target.Id, NotificationKind.ConversationTransferred, $"{staff.DisplayName} 把会话转给了您", $"/conversations/{conversation.Id}", conversation.ClientId, conversation.OpenTicketId);
        }, ct);
    }

    public async Task<ControlResult> CloseAsync(CurrentStaff staff, long conversationId, string outcome, int keepWithMeHours, CancellationToken ct)
    {
        var (conversation, problem) = await LoadAsync(staff, conversationId, ct);
        if (conversation is null) return problem!;
        if (string.IsNullOrWhiteSpace(outcome) || outcome.Length > 200) return new ControlResult(ControlStatus.Invalid, "give an outcome (at most 200 characters)");
        if (keepWithMeHours < 0 || keepWithMeHours > options.Value.MaxKeepWithMeHours)
        {
            return new ControlResult(ControlStatus.Invalid, $"keep-with-me hours must be 0..{options.Value.MaxKeepWithMeHours}");
        }
        if (conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId != staff.Id && !IsSupervisor(staff))
        {
            return await ConflictAsync(conversation, ct);
        }
        return await SaveControlAsync(conversation, async () =>
        {
            var from = conversation.State;
            var previous = conversation.ControllerStaffId;
            var now = clock.GetUtcNow();
            await ResolveTicketAsync(conversation, outcome.Trim(), ct);
            conversation.Close(outcome.Trim(), keepWithMeHours > 0 ? staff.Id : null, keepWithMeHours > 0 ? now.AddHours(keepWithMeHours) : null, now);
            RecordChange(conversation, staff, from, previous, "close", null, note: outcome.Trim(), keepHours: keepWithMeHours);
        }, ct);
    }

    /// <summary>
    /// A staff reply to the client. Replying to a conversation the AI holds or that waits for a human takes it
    /// over first; replying to one a colleague holds is refused.
    /// </summary>
    public async Task<ControlResult> ReplyAsync(CurrentStaff staff, long conversationId, string text, bool confirmWarning, CancellationToken ct)
    {
        var body = text?.Trim() ?? "";
        if (body.Length == 0) return new ControlResult(ControlStatus.Invalid, "message is empty");
        if (body.Length > options.Value.MaxMessageLength) return new ControlResult(ControlStatus.Invalid, $"message is longer than {options.Value.MaxMessageLength} characters");
        var (conversation, problem) = await LoadAsync(staff, conversationId, ct);
        if (conversation is null) return problem!;
        if (conversation.State == ConversationState.Closed) return new ControlResult(ControlStatus.Invalid, "the conversation is closed; the client's next message opens a new one");
        if (conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId != staff.Id) return await ConflictAsync(conversation, ct);

        var verdict = await gate.CheckAsync(new OutboundCandidate(conversation.ClientId, conversation.Channel, OutboundSender.Staff, staff.Id, OutboundPurpose.ConversationReply, body, null, false) { Confirmed = confirmWarning }, ct);
        if (verdict.Verdict is GateVerdict.Block or GateVerdict.Defer) return new ControlResult(ControlStatus.Invalid, verdict.Explanation ?? "the outbound gate held the message");
        if (verdict.Verdict == GateVerdict.Warn && !confirmWarning) return new ControlResult(ControlStatus.NeedsConfirmation, verdict.Explanation);

        long? eventId = null;
        var result = await SaveControlAsync(conversation, async () =>
        {
            if (conversation.State != ConversationState.HumanActive)
            {
                var from = conversation.State;
                conversation.TakeOver(staff.Id, clock.GetUtcNow());
                await AssignTicketAsync(conversation, staff.Id, ct);
                RecordChange(conversation, staff, from, null, "take over by replying", string.Format(CultureInfo.InvariantCulture, options.Value.TakeoverNotice, staff.DisplayName));
            }
            else
            {
                conversation.Touch(clock.GetUtcNow());
            }
            var ev = timeline.Append(conversation.ClientId, TimelineKind.StaffMessage, ActorKind.Staff, staff.Id, conversation.Channel, EventVisibility.ClientVisible,
                text: body, details: verdict.Verdict == GateVerdict.Warn ? new { warned = verdict.Rule, confirmed = true } : null,
                conversationId: conversation.Id, ticketId: conversation.OpenTicketId);
            db.Outbox.Add(new OutboxMessage(conversation.ClientId, ev, conversation.Channel, clock.GetUtcNow()));
            if (conversation.OpenTicketId is { } ticketId)
            {
                var ticket = await db.Tickets.SingleAsync(t => t.Id == ticketId, ct);
                if (ticket.FirstRespondedAt is null) _changedTickets.Add(ticket);
                ticket.MarkResponded(clock.GetUtcNow());
            }
            await db.SaveChangesAsync(ct);
            eventId = ev.Id;
        }, ct);
        return result with { EventId = eventId };
    }

    /// <summary>An internal note on the client's timeline; @login mentions notify colleagues who serve the client.</summary>
    public async Task<ControlResult> AddNoteAsync(CurrentStaff staff, string clientNo, long? conversationId, string text, CancellationToken ct)
    {
        var body = text?.Trim() ?? "";
        if (body.Length == 0 || body.Length > options.Value.MaxMessageLength) return new ControlResult(ControlStatus.Invalid, $"a note needs 1..{options.Value.MaxMessageLength} characters");
        if (!ClientScope.CanChange(staff)) return new ControlResult(ControlStatus.Forbidden, "your role reads only");
        var no = clientNo.Trim().ToUpperInvariant();
        var client = await db.Clients.AsNoTracking().VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => new { c.Id }).SingleOrDefaultAsync(ct);
        if (client is null) return new ControlResult(ControlStatus.NotFound);
        var logins = MentionPattern().Matches(body).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().ToList();
        var mentioned = await db.Staff.AsNoTracking().Where(s => logins.Contains(s.Login) && s.IsActive).ToListAsync(ct);
        var reachable = new List<StaffMember>();
        foreach (var m in mentioned)
        {
            if (await db.Clients.VisibleTo(CurrentStaff.From(m)).AnyAsync(c => c.Id == client.Id, ct)) reachable.Add(m);
        }
        var ev = timeline.Append(client.Id, TimelineKind.Note, ActorKind.Staff, staff.Id, "console", EventVisibility.Internal,
            text: body, conversationId: conversationId, mentions: reachable.Select(m => m.Id).ToList());
        foreach (var m in reachable.Where(m => m.Id != staff.Id))
        {
            notifier.Add(m.Id, NotificationKind.Mention, $"{staff.DisplayName} 在客户 {no} 的备注中提到了您", $"/clients/{no}", client.Id);
        }
        await db.SaveChangesAsync(ct);
        timeline.Publish();
        await notifier.FlushAsync(ct);
        return new ControlResult(ControlStatus.Done, EventId: ev.Id);
    }

    public void Typing(long conversationId, string who) => live.Publish(new Typing(conversationId, who));

    private async Task<(Conversation? Conversation, ControlResult? Problem)> LoadAsync(CurrentStaff staff, long conversationId, CancellationToken ct)
    {
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == conversationId, ct);
        if (conversation is null || !await db.Clients.VisibleTo(staff).AnyAsync(c => c.Id == conversation.ClientId, ct))
        {
            return (null, new ControlResult(ControlStatus.NotFound));
        }
        if (!ClientScope.CanChange(staff)) return (null, new ControlResult(ControlStatus.Forbidden, "your role reads only"));
        if (conversation.State == ConversationState.Closed) return (null, new ControlResult(ControlStatus.Invalid, "the conversation is closed"));
        return (conversation, null);
    }

    private async Task<ControlResult> SaveControlAsync(Conversation conversation, Func<Task> change, CancellationToken ct)
    {
        _changedTickets.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await change();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await tx.RollbackAsync(ct);
            timeline.Discard();
            db.ChangeTracker.Clear();
            var fresh = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversation.Id, ct);
            return await ConflictAsync(fresh, ct);
        }
        timeline.Publish();
        live.Publish(new ConversationChanged(conversation.ClientId, conversation.Id));
        foreach (var t in _changedTickets) live.Publish(TicketChanged.Of(t));
        await notifier.FlushAsync(ct);
        outbox.Notify();
        return Done(conversation);
    }

    private async Task<ControlResult> ConflictAsync(Conversation conversation, CancellationToken ct)
    {
        var names = await directory.GetAsync(ct);
        var holder = conversation.State == ConversationState.HumanActive && conversation.ControllerStaffId is { } id
            ? $"{names.StaffName(id)} is handling this conversation"
            : $"the conversation changed ({conversation.State}); reload and try again";
        return new ControlResult(ControlStatus.Conflict, holder, conversation.Version);
    }

    private static ControlResult Done(Conversation c) => new(ControlStatus.Done, null, c.Version);

    private static bool IsSupervisor(CurrentStaff staff) => staff.Role is StaffRole.BranchHead or StaffRole.Admin;

    private async Task AssignTicketAsync(Conversation conversation, int staffId, CancellationToken ct)
    {
        if (conversation.OpenTicketId is not { } id) return;
        var ticket = await db.Tickets.SingleAsync(t => t.Id == id, ct);
        if (ticket.AssigneeStaffId == staffId) return;
        ticket.Assign(staffId, clock.GetUtcNow());
        _changedTickets.Add(ticket);
        timeline.Append(conversation.ClientId, TimelineKind.TicketEvent, ActorKind.Staff, staffId, "console", EventVisibility.Internal,
            details: new { ticket = ticket.Id, assigned = staffId }, conversationId: conversation.Id, ticketId: ticket.Id);
    }

    private async Task ResolveTicketAsync(Conversation conversation, string outcome, CancellationToken ct)
    {
        if (conversation.OpenTicketId is not { } id) return;
        var ticket = await db.Tickets.SingleAsync(t => t.Id == id, ct);
        ticket.Resolve(outcome, clock.GetUtcNow());
        timeline.Append(conversation.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "console", EventVisibility.Internal,
            details: new { ticket = ticket.Id, resolved = outcome }, conversationId: conversation.Id, ticketId: ticket.Id);
        _changedTickets.Add(ticket);
    }

    private void RecordChange(Conversation conversation, CurrentStaff actor, ConversationState from, int? previous, string action, string? clientNotice, int? to = null, string? note = null, int? keepHours = null)
    {
        timeline.Append(conversation.ClientId, TimelineKind.ControlChange, ActorKind.Staff, actor.Id, "console", EventVisibility.Internal,
            text: note,
            details: new { action, from = from.ToString(), to = conversation.State.ToString(), fromStaff = previous, toStaff = to ?? conversation.ControllerStaffId, keepHours },
            conversationId: conversation.Id, ticketId: conversation.OpenTicketId);
        if (clientNotice is not null)
        {
            var notice = timeline.Append(conversation.ClientId, TimelineKind.ControlChange, ActorKind.System, null, conversation.Channel, EventVisibility.ClientVisible,
                text: clientNotice, details: new { notice = action }, conversationId: conversation.Id);
            db.Outbox.Add(new OutboxMessage(conversation.ClientId, notice, conversation.Channel, clock.GetUtcNow()));
        }
    }

    [GeneratedRegex(@"@([A-Za-z0-9._\-]{2,64})")]
    private static partial Regex MentionPattern();
}

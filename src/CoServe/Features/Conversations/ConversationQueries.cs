using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

public enum InboxView
{
    /// <summary>Tickets assigned to me and conversations I hold.</summary>
    Mine = 1,
    /// <summary>Unassigned tickets in the queues I belong to.</summary>
    Team = 2,
    /// <summary>Every open ticket in my scope.</summary>
    All = 3,
}

public enum SlaState
{
    OnTrack = 1,
    DueSoon = 2,
    Breached = 3,
    /// <summary>First response given.</summary>
    Met = 4,
}

public sealed record InboxItem(
    long TicketId,
    long? ConversationId,
    string ClientNo,
    string ClientName,
    HandoffReason Reason,
    TicketQueue Queue,
    int? AssigneeStaffId,
    string? Assignee,
    TicketStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    SlaState Sla,
    int EscalationLevel,
    ConversationState? ConversationState,
    string? Controller);

public sealed record TicketPackage(string Summary, string? SuggestedReply, string? Intent, IReadOnlyDictionary<string, IReadOnlyList<string>> Entities);

public sealed record ConversationDetail(
    long Id,
    long ClientId,
    string ClientNo,
    string ClientName,
    string Channel,
    ConversationState State,
    int? ControllerStaffId,
    string? Controller,
    int Version,
    DateTimeOffset OpenedAt,
    InboxItem? Ticket,
    TicketPackage? Package,
    IReadOnlyList<TimelineItem> Messages,
    IReadOnlyDictionary<long, OutboxStatus> Delivery);

public sealed record CoServedClient(string ClientNo, string ClientName, DutyScope Duties, string PrimaryServicer, int UnreadAiActivity, DateTimeOffset? LastActivityAt, bool HasOpenTicket);

/// <summary>Reads behind the inbox, the conversation view and the co-served page; all scoped like the client book.</summary>
public sealed class ConversationQueries(CoServeDb db, FieldProtector protector, StaffDirectory directory, TimelineQueries timeline, TimeProvider clock)
{
    public async Task<IReadOnlyList<InboxItem>> InboxAsync(CurrentStaff staff, InboxView view, HandoffReason? reason, SlaState? sla, CancellationToken ct)
    {
        // The scope as the index answers it (a manager's ids, the digital team's servicer lookup), not a test of every client in the book.
        var q = db.Tickets.AsNoTracking().Where(t => t.Status != TicketStatus.Resolved).WhereClient(t => t.ClientId, db.ClientIdFilter(staff));
        q = view switch
        {
            InboxView.Mine => q.Where(t => t.AssigneeStaffId == staff.Id
                || db.Conversations.Any(c => c.Id == t.ConversationId && c.ControllerStaffId == staff.Id && c.State == ConversationState.HumanActive)),
            InboxView.Team => q.Where(t => t.AssigneeStaffId == null).Where(TeamFilter(staff)),
            _ => q,
        };
        if (reason is { } r) q = q.Where(t => t.Reason == r);
        var rows = await q.OrderBy(t => t.FirstResponseDueAt).Take(500).ToListAsync(ct);
        var items = await ToItemsAsync(rows, ct);
        return sla is { } s ? items.Where(i => i.Sla == s).ToList() : items;
    }

    private static System.Linq.Expressions.Expression<Func<Ticket, bool>> TeamFilter(CurrentStaff staff) => staff.Role switch
    {
        StaffRole.DigitalOps => t => t.Queue == TicketQueue.DigitalOps,
        StaffRole.Advisor => t => t.Queue == TicketQueue.Advisors,
        StaffRole.ClientManager or StaffRole.BranchHead => t => (t.Queue == TicketQueue.BranchDuty || t.Queue == TicketQueue.DutyOwner) && t.BranchId == staff.BranchId,
        _ => t => true,
    };

    public async Task<InboxItem?> TicketAsync(CurrentStaff staff, long ticketId, CancellationToken ct)
    {
        // One ticket: its own client is looked up in scope (a list of the whole scope would be built for one row).
        var visible = db.Clients.VisibleTo(staff);
        var t = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(x => x.Id == ticketId && visible.Any(c => c.Id == x.ClientId), ct);
        return t is null ? null : (await ToItemsAsync([t], ct))[0];
    }

    public async Task<ConversationDetail?> ConversationAsync(CurrentStaff staff, long conversationId, CancellationToken ct)
    {
        var c = await db.Conversations.AsNoTracking().SingleOrDefaultAsync(x => x.Id == conversationId, ct);
        if (c is null) return null;
        var client = await db.Clients.AsNoTracking().VisibleTo(staff).Where(x => x.Id == c.ClientId).Select(x => new { x.ClientNo, x.NameCipher }).SingleOrDefaultAsync(ct);
        if (client is null) return null;
        var names = await directory.GetAsync(ct);
        var page = await timeline.PageAsync(staff, client.ClientNo, new TimelineFilter(ConversationId: c.Id), null, 200, ct);
        var messages = page!.Items.Reverse().ToList();
        var ids = messages.Select(m => m.Id).ToList();
        var delivery = await db.Outbox.AsNoTracking().Where(o => ids.Contains(o.TimelineEventId))
            .Select(o => new { o.TimelineEventId, o.Status }).ToDictionaryAsync(o => o.TimelineEventId, o => o.Status, ct);

        InboxItem? ticket = null;
        TicketPackage? package = null;
        var ticketRow = await db.Tickets.AsNoTracking().Where(t => t.ConversationId == c.Id).OrderByDescending(t => t.Id).FirstOrDefaultAsync(ct);
        if (ticketRow is not null)
        {
            ticket = (await ToItemsAsync([ticketRow], ct))[0];
            var entities = protector.DecryptOrNull(ProtectedField.MessageText, ticketRow.EntitiesCipher);
            package = new TicketPackage(
                protector.DecryptOrNull(ProtectedField.MessageText, ticketRow.SummaryCipher) ?? "",
                protector.DecryptOrNull(ProtectedField.MessageText, ticketRow.SuggestedReplyCipher),
                ticketRow.Intent,
                entities is null ? new Dictionary<string, IReadOnlyList<string>>() : JsonSerializer.Deserialize<Dictionary<string, IReadOnlyList<string>>>(entities)!);
        }
        await MarkReadAsync(staff.Id, c.ClientId, ids.Count == 0 ? 0 : ids.Max(), ct);
        return new ConversationDetail(c.Id, c.ClientId, client.ClientNo, Mask(client.NameCipher), c.Channel, c.State, c.ControllerStaffId,
            c.ControllerStaffId is { } s ? names.StaffName(s) : null, c.Version, c.OpenedAt, ticket, package, messages, delivery);
    }

    /// <summary>The client's conversations, newest first, for the client page.</summary>
    public async Task<IReadOnlyList<(long Id, string Channel, ConversationState State, DateTimeOffset LastActivityAt)>> ConversationsOfAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is null) return [];
        var rows = await db.Conversations.AsNoTracking().Where(c => c.ClientId == clientId).OrderByDescending(c => c.Id).Take(50)
            .Select(c => new { c.Id, c.Channel, c.State, c.LastActivityAt }).ToListAsync(ct);
        return rows.Select(r => (r.Id, r.Channel, r.State, r.LastActivityAt)).ToList();
    }

    /// <summary>
    /// Clients the staff member keeps duties for while someone else (usually the service officer) serves them,
    /// with how much the AI and the client said since he last looked.
    /// </summary>
    public async Task<IReadOnlyList<CoServedClient>> CoServedAsync(CurrentStaff staff, CancellationToken ct)
    {
        var rows = await (from s in db.ClientServicers.AsNoTracking()
                          where s.StaffId == staff.Id && !s.IsPrimary
                          join c in db.Clients on s.ClientId equals c.Id
                          select new
                          {
                              c.Id,
                              c.ClientNo,
                              c.NameCipher,
                              s.Duties,
                              Primary = db.ClientServicers.Where(p => p.ClientId == c.Id && p.IsPrimary).Select(p => p.StaffId).FirstOrDefault(),
                              Seen = db.ReadMarkers.Where(m => m.StaffId == staff.Id && m.ClientId == c.Id).Select(m => (long?)m.LastSeenEventId).FirstOrDefault() ?? 0,
                          })
                         .OrderBy(x => x.ClientNo)
                         .Take(2000)
                         .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var activity = await db.TimelineEvents.AsNoTracking()
            .Where(e => ids.Contains(e.ClientId) && (e.Kind == TimelineKind.OfficerMessage || e.Kind == TimelineKind.ClientMessage || e.Kind == TimelineKind.Handoff))
            .GroupBy(e => e.ClientId)
            .Select(g => new { ClientId = g.Key, Events = g.Select(e => e.Id).ToList(), Last = g.Max(e => e.At) })
            .ToListAsync(ct);
        var byClient = activity.ToDictionary(a => a.ClientId);
        var open = await db.Tickets.AsNoTracking().Where(t => ids.Contains(t.ClientId) && t.Status != TicketStatus.Resolved).Select(t => t.ClientId).Distinct().ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return rows.Select(r => new CoServedClient(
                r.ClientNo,
                Mask(r.NameCipher),
                r.Duties,
                names.ServicerName(r.Primary),
                byClient.TryGetValue(r.Id, out var a) ? a.Events.Count(id => id > r.Seen) : 0,
                byClient.TryGetValue(r.Id, out var a2) ? a2.Last : null,
                open.Contains(r.Id)))
            .OrderByDescending(c => c.UnreadAiActivity > 0)
            .ThenByDescending(c => c.LastActivityAt)
            .ToList();
    }

    public async Task MarkReadAsync(int staffId, long clientId, long eventId, CancellationToken ct)
    {
        if (eventId <= 0) return;
        var marker = await db.ReadMarkers.SingleOrDefaultAsync(m => m.StaffId == staffId && m.ClientId == clientId, ct);
        if (marker is null) db.ReadMarkers.Add(new ReadMarker(staffId, clientId, eventId));
        else marker.SeenUpTo(eventId);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Two screens of the same person marked at once; either value is fine.
            db.ChangeTracker.Clear();
        }
    }

    private async Task<List<InboxItem>> ToItemsAsync(List<Ticket> rows, CancellationToken ct)
    {
        var clientIds = rows.Select(t => t.ClientId).Distinct().ToList();
        var clients = await db.Clients.AsNoTracking().Where(c => clientIds.Contains(c.Id)).Select(c => new { c.Id, c.ClientNo, c.NameCipher }).ToDictionaryAsync(c => c.Id, ct);
        var conversationIds = rows.Where(t => t.ConversationId != null).Select(t => t.ConversationId!.Value).ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => conversationIds.Contains(c.Id))
            .Select(c => new { c.Id, c.State, c.ControllerStaffId }).ToDictionaryAsync(c => c.Id, ct);
        var names = await directory.GetAsync(ct);
        var now = clock.GetUtcNow();
        return rows.Select(t =>
        {
            var conv = t.ConversationId is { } cid && conversations.TryGetValue(cid, out var cv) ? cv : null;
            return new InboxItem(t.Id, t.ConversationId, clients[t.ClientId].ClientNo, Mask(clients[t.ClientId].NameCipher), t.Reason, t.Queue,
                t.AssigneeStaffId, t.AssigneeStaffId is { } a ? names.StaffName(a) : null, t.Status, t.CreatedAt, t.FirstResponseDueAt,
                SlaOf(t, now), t.EscalationLevel, conv?.State,
                conv?.State == ConversationState.HumanActive && conv.ControllerStaffId is { } s ? names.StaffName(s) : null);
        }).ToList();
    }

    public static SlaState SlaOf(Ticket t, DateTimeOffset now) => SlaOf(t.CreatedAt, t.FirstResponseDueAt, t.FirstRespondedAt, t.ReminderSentAt, now);

    /// <summary>A ticket's first-response state from its times alone (for queries that read only those columns).</summary>
    public static SlaState SlaOf(DateTimeOffset createdAt, DateTimeOffset dueAt, DateTimeOffset? respondedAt, DateTimeOffset? remindedAt, DateTimeOffset now) =>
        respondedAt is not null ? SlaState.Met
        : now >= dueAt ? SlaState.Breached
        : remindedAt is not null || (dueAt - now) < (dueAt - createdAt) * 0.2 ? SlaState.DueSoon
        : SlaState.OnTrack;

    private string Mask(byte[]? nameCipher) => PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, nameCipher));
}

using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
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

/// <summary>
/// A co-served client as his manager sees it; <c>UnreadAiActivity</c> counts the conversation events since the manager
/// last opened the client, at most <see cref="CoServedPage.UnreadCap"/>.
/// </summary>
public sealed record CoServedClient(string ClientNo, string ClientName, DutyScope Duties, string PrimaryServicer, int UnreadAiActivity, DateTimeOffset? LastActivityAt, bool HasOpenTicket);

/// <summary>Which co-served clients to list: only those with new activity, or whose client number starts with a prefix; one page of them.</summary>
public sealed record CoServedFilter(bool UnreadOnly = false, string? ClientNoPrefix = null, int Page = 1);

/// <summary>One page of co-served clients (new activity first, then the most recently active) and the counts behind the filter.</summary>
public sealed record CoServedPage(IReadOnlyList<CoServedClient> Rows, int Total, int Page, int PageCount)
{
    /// <summary>Clients per page: a manager keeps duties for hundreds of clients, a screen shows a working set.</summary>
    public const int PageSize = 50;

    /// <summary>Unread events are counted up to this many per client (shown as "99+"): the count is a cue, not a report.</summary>
    public const int UnreadCap = 99;
}

/// <summary>Reads behind the inbox, the conversation view and the co-served page; all scoped like the client book.</summary>
public sealed class ConversationQueries(CoServeDb db, FieldProtector protector, StaffDirectory directory, TimelineQueries timeline, TimeProvider clock)
{
    /// <summary>The inbox lists at most this many tickets, the earliest due first; the page says so when it is full.</summary>
    public const int InboxCap = 500;

    public async Task<IReadOnlyList<InboxItem>> InboxAsync(CurrentStaff staff, InboxView view, HandoffReason? reason, SlaState? sla, CancellationToken ct) =>
        (await InboxListAsync(staff, view, reason, sla, ct)).Items;

    /// <summary>The inbox and whether it was cut at <see cref="InboxCap"/> (more tickets match than it shows).</summary>
    public async Task<(IReadOnlyList<InboxItem> Items, bool Capped)> InboxListAsync(CurrentStaff staff, InboxView view, HandoffReason? reason, SlaState? sla, CancellationToken ct)
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
        if (sla is { } wanted)
        {
            // What the store can tell (answered, past due, not yet due) is filtered before the cap, so a queue longer than
            // the cap still lists the tickets in the state asked for; due soon against on track is told apart below.
            var now = clock.GetUtcNow();
            q = wanted switch
            {
                SlaState.Met => q.Where(t => t.FirstRespondedAt != null),
                SlaState.Breached => q.Where(t => t.FirstRespondedAt == null && t.FirstResponseDueAt <= now),
                _ => q.Where(t => t.FirstRespondedAt == null && t.FirstResponseDueAt > now),
            };
        }
        var rows = await q.OrderBy(t => t.FirstResponseDueAt).ThenBy(t => t.Id).Take(InboxCap + 1).ToListAsync(ct);
        var capped = rows.Count > InboxCap;
        if (capped) rows.RemoveAt(InboxCap);
        var items = await ToItemsAsync(rows, ct);
        return (sla is { } s ? items.Where(i => i.Sla == s).ToList() : items, capped);
    }

    /// <summary>The team queue a role works from, for the store (<see cref="InTeam"/> is the same rule for one ticket).</summary>
    private static System.Linq.Expressions.Expression<Func<Ticket, bool>> TeamFilter(CurrentStaff staff) => staff.Role switch
    {
        StaffRole.DigitalOps => t => t.Queue == TicketQueue.DigitalOps,
        StaffRole.Advisor => t => t.Queue == TicketQueue.Advisors,
        StaffRole.ClientManager or StaffRole.BranchHead => t => (t.Queue == TicketQueue.BranchDuty || t.Queue == TicketQueue.DutyOwner) && t.BranchId == staff.BranchId,
        _ => t => true,
    };

    private static bool InTeam(CurrentStaff staff, TicketQueue queue, int? branchId) => staff.Role switch
    {
        StaffRole.DigitalOps => queue == TicketQueue.DigitalOps,
        StaffRole.Advisor => queue == TicketQueue.Advisors,
        StaffRole.ClientManager or StaffRole.BranchHead => queue is TicketQueue.BranchDuty or TicketQueue.DutyOwner && branchId == staff.BranchId,
        _ => true,
    };

    /// <summary>
    /// Whether a changed ticket, where it now stands, may belong in an inbox view (the view's own test on the
    /// event's facts; the client's scope is left to the reload). A ticket the view already lists concerns it whatever
    /// the change: the caller checks that.
    /// </summary>
    public static bool MayList(CurrentStaff staff, InboxView view, TicketChanged change) => view switch
    {
        InboxView.Mine => change.AssigneeStaffId == staff.Id,
        InboxView.Team => change.AssigneeStaffId is null && InTeam(staff, change.Queue, change.BranchId),
        _ => true,
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
    /// The clients the staff member keeps duties for without being their primary servicer, with what happened in their
    /// conversations since he last opened each client. Counted in the store per client through the timeline's
    /// (client, id) index, so the cost follows the clients and their unread events, not their whole history.
    /// </summary>
    public async Task<CoServedPage> CoServedAsync(CurrentStaff staff, CoServedFilter filter, CancellationToken ct)
    {
        var q = CoServedRows(staff.Id);
        if (filter.UnreadOnly) q = q.Where(x => x.HasUnread);
        // Client numbers are stored trimmed and upper-case (ClientNumber.Normalise).
        if (filter.ClientNoPrefix?.Trim().ToUpperInvariant() is { Length: > 0 } prefix) q = q.Where(x => x.ClientNo.StartsWith(prefix));
        var total = await q.CountAsync(ct);
        var pageCount = Math.Max(1, (total + CoServedPage.PageSize - 1) / CoServedPage.PageSize);
        var page = Math.Clamp(filter.Page, 1, pageCount);
        var rows = await q.OrderByDescending(x => x.HasUnread).ThenByDescending(x => x.LastEventId ?? 0).ThenBy(x => x.ClientNo)
            .Skip((page - 1) * CoServedPage.PageSize).Take(CoServedPage.PageSize)
            .ToListAsync(ct);
        var lastIds = rows.Where(r => r.LastEventId != null).Select(r => r.LastEventId!.Value).ToList();
        var lastAt = await db.TimelineEvents.AsNoTracking().Where(e => lastIds.Contains(e.Id)).Select(e => new { e.Id, e.At }).ToDictionaryAsync(e => e.Id, e => e.At, ct);
        var names = await directory.GetAsync(ct);
        var clients = rows.Select(r => new CoServedClient(
                r.ClientNo,
                Mask(r.NameCipher),
                r.Duties,
                names.ServicerName(r.Primary),
                r.Unread,
                r.LastEventId is { } id && lastAt.TryGetValue(id, out var at) ? at : null,
                r.Open))
            .ToList();
        return new CoServedPage(clients, total, page, pageCount);
    }

    /// <summary>The ids of the clients the staff member co-serves: which live timeline events concern his co-served page.</summary>
    public async Task<IReadOnlySet<long>> CoServedClientIdsAsync(CurrentStaff staff, CancellationToken ct) =>
        (await db.ClientServicers.AsNoTracking().Where(s => s.StaffId == staff.Id && !s.IsPrimary).Select(s => s.ClientId).ToListAsync(ct)).ToHashSet();

    /// <summary>How many co-served clients have conversation events the staff member has not seen (the overview's card).</summary>
    public Task<int> CoServedWithUnreadCountAsync(CurrentStaff staff, CancellationToken ct) =>
        CoServedRows(staff.Id).CountAsync(x => x.HasUnread, ct);

    private IQueryable<CoServedRow> CoServedRows(int staffId) =>
        from s in db.ClientServicers.AsNoTracking()
        where s.StaffId == staffId && !s.IsPrimary
        join c in db.Clients on s.ClientId equals c.Id
        let seen = db.ReadMarkers.Where(m => m.StaffId == staffId && m.ClientId == c.Id).Select(m => (long?)m.LastSeenEventId).FirstOrDefault() ?? 0
        select new CoServedRow
        {
            ClientNo = c.ClientNo,
            NameCipher = c.NameCipher,
            Duties = s.Duties,
            Primary = db.ClientServicers.Where(p => p.ClientId == c.Id && p.IsPrimary).Select(p => p.StaffId).FirstOrDefault(),
            // Whether anything is unread stops at the first event; the count is read for the page's rows only.
            HasUnread = db.TimelineEvents.Where(e => e.ClientId == c.Id && e.Id > seen).Any(IsConversationEvent),
            Unread = db.TimelineEvents.Where(e => e.ClientId == c.Id && e.Id > seen).Where(IsConversationEvent).Take(CoServedPage.UnreadCap).Count(),
            LastEventId = db.TimelineEvents.Where(e => e.ClientId == c.Id).Where(IsConversationEvent)
                .OrderByDescending(e => e.Id).Select(e => (long?)e.Id).FirstOrDefault(),
            Open = db.Tickets.Any(t => t.ClientId == c.Id && t.Status != TicketStatus.Resolved),
        };

    /// <summary>What a co-served client's manager counts as activity: what the client and the AI said, and handoffs.</summary>
    private static readonly System.Linq.Expressions.Expression<Func<TimelineEvent, bool>> IsConversationEvent =
        e => e.Kind == TimelineKind.OfficerMessage || e.Kind == TimelineKind.ClientMessage || e.Kind == TimelineKind.Handoff;

    private sealed class CoServedRow
    {
        public required string ClientNo { get; init; }
        public byte[]? NameCipher { get; init; }
        public DutyScope Duties { get; init; }
        public int? Primary { get; init; }
        public bool HasUnread { get; init; }
        public int Unread { get; init; }
        public long? LastEventId { get; init; }
        public bool Open { get; init; }
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

using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace CoServe.Features.Duties;

public enum DutyKind
{
    /// <summary>A duty handoff (commission, complaint, AML) not yet turned into its workflow.</summary>
    Ticket = 1,
    CommissionRequest = 2,
    Complaint = 3,
    AmlTask = 4,
    AmlCase = 5,
    AmlReport = 6,
    Callback = 7,
}

/// <summary>
/// One line of a duty worklist. <see cref="Detail"/> is a code the console localises (a status, a task kind);
/// for viewers without the AML duty it is null on AML lines, which then show only that an AML duty is due.
/// </summary>
public sealed record DutyItem(
    DutyKind Kind,
    long Id,
    long ClientId,
    string ClientNo,
    string Status,
    string? Detail,
    int? OwnerStaffId,
    string Owner,
    DateTimeOffset DueAt,
    SlaState Sla,
    int EscalationLevel,
    string Link,
    bool IsOpen,
    HandoffReason? TicketReason = null);

public sealed record DutyFilter(DutyKind? Kind = null, bool IncludeClosed = false, bool OverdueOnly = false, int? BranchId = null, string? ClientNo = null);

/// <summary>
/// The duty worklist across every client a person keeps duties for, sorted by deadline with SLA state. Client
/// managers (and advisors) see what they own; branch heads their branch; the digital team its pool's duties
/// (status and deadlines, no AML content); Compliance and administrators everything, with filters and an export.
/// </summary>
public sealed class DutyWorklist(CoServeDb db, AmlWork aml, StaffDirectory directory, TimeProvider clock)
{
    private const int PerKind = 500;

    /// <summary>
    /// Whether a live event concerns an open worklist that follows <paramref name="followed"/> (null: everything): a
    /// duty or ticket of a followed client, or a ticket that is now his or waits in his team's queue, for a client
    /// not yet followed (the reload rereads the set).
    /// </summary>
    public static bool Concerns(CurrentStaff staff, IReadOnlySet<long>? followed, LiveEvent e) => e switch
    {
        DutyChanged d => followed is null || followed.Contains(d.ClientId),
        TicketChanged t => followed is null || followed.Contains(t.ClientId)
            || ConversationQueries.MayList(staff, InboxView.Mine, t) || ConversationQueries.MayList(staff, InboxView.Team, t),
        _ => false,
    };

    /// <summary>
    /// The clients whose duty and ticket changes concern a manager's or advisor's own worklist (the clients he serves
    /// and those of the tickets he holds), so his open page does not reload on every handoff in the firm; null for the
    /// roles whose worklist spans the pool, a branch or the firm.
    /// </summary>
    public async Task<IReadOnlySet<long>?> FollowedClientIdsAsync(CurrentStaff staff, CancellationToken ct) =>
        staff.Role is StaffRole.ClientManager or StaffRole.Advisor && db.VisibleClientIds(staff) is { } ids
            ? (await ids.ToListAsync(ct)).ToHashSet()
            : null;

    public async Task<IReadOnlyList<DutyItem>> ListAsync(CurrentStaff staff, DutyFilter filter, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var names = await directory.GetAsync(ct);
        var mine = staff.Role is StaffRole.ClientManager or StaffRole.Advisor;
        var scope = db.Clients.VisibleTo(staff);
        if (filter.BranchId is { } branch) scope = scope.Where(c => c.BranchId == branch);
        if (!string.IsNullOrWhiteSpace(filter.ClientNo))
        {
            var no = filter.ClientNo.Trim().ToUpperInvariant();
            scope = scope.Where(c => c.ClientNo == no);
        }
        // Without a branch or client filter, the scope's ids come from index ranges instead of a test of every client in the book.
        var clients = filter.BranchId is null && string.IsNullOrWhiteSpace(filter.ClientNo)
            ? db.VisibleClientIds(staff) ?? db.Clients.Select(c => c.Id)
            : scope.Select(c => c.Id);
        var amlClients = aml.AmlClients(staff);
        var seesAml = staff.Role is StaffRole.Compliance or StaffRole.Admin;
        var items = new List<DutyItem>();
        bool Want(DutyKind k) => filter.Kind is null || filter.Kind == k;
        string Name(int? id) => id is { } i ? names.StaffName(i) : StaffDirectory.ServiceOfficerName;

        if (Want(DutyKind.Ticket))
        {
            var reasons = new[] { HandoffReason.CommissionRequest, HandoffReason.Complaint, HandoffReason.AmlRelated };
            var q = db.Tickets.AsNoTracking().Where(t => t.Status != TicketStatus.Resolved && reasons.Contains(t.Reason) && clients.Contains(t.ClientId))
                .Where(t => !db.Set<CommissionRequest>().Any(r => r.TicketId == t.Id) && !db.Set<Complaint>().Any(c => c.TicketId == t.Id) && !db.Set<AmlCase>().Any(c => c.TicketId == t.Id));
            if (mine) q = q.Where(t => t.AssigneeStaffId == staff.Id);
            // An AML handoff reveals an AML concern: only those who may see AML work see it listed.
            q = q.Where(t => t.Reason != HandoffReason.AmlRelated || amlClients.Contains(t.ClientId));
            var rows = await q.OrderBy(t => t.FirstResponseDueAt).Take(PerKind).Join(db.Clients, t => t.ClientId, c => c.Id, (t, c) => new { t, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(r => new DutyItem(DutyKind.Ticket, r.t.Id, r.t.ClientId, r.ClientNo, r.t.Status.ToString(), r.t.Reason.ToString(), r.t.AssigneeStaffId,
                r.t.AssigneeStaffId is { } a ? names.StaffName(a) : "—", r.t.FirstResponseDueAt, ConversationQueries.SlaOf(r.t, now), r.t.EscalationLevel,
                r.t.ConversationId is { } conv ? $"/conversations/{conv}" : "/inbox", true, r.t.Reason)));
        }

        if (Want(DutyKind.CommissionRequest))
        {
            var q = db.Set<CommissionRequest>().AsNoTracking().Where(r => clients.Contains(r.ClientId));
            if (!filter.IncludeClosed) q = q.Where(r => r.Status == CommissionStatus.Requested || r.Status == CommissionStatus.PendingApproval);
            if (mine) q = q.Where(r => r.OwnerStaffId == staff.Id);
            var rows = await q.OrderBy(r => r.AnswerDueAt).Take(PerKind).Join(db.Clients, r => r.ClientId, c => c.Id, (r, c) => new { r, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(x => new DutyItem(DutyKind.CommissionRequest, x.r.Id, x.r.ClientId, x.ClientNo, x.r.Status.ToString(), x.r.NextApprover?.ToString(),
                x.r.OwnerStaffId, Name(x.r.OwnerStaffId), x.r.AnswerDueAt, Sla(x.r.ReceivedAt, x.r.AnswerDueAt, x.r.DecidedAt, now), x.r.EscalationLevel,
                CommissionWorkflow.Link(x.r), x.r.IsOpen)));
        }

        if (Want(DutyKind.Complaint))
        {
            var q = db.Set<Complaint>().AsNoTracking().Where(c => clients.Contains(c.ClientId) || c.FirstHandlerStaffId == staff.Id);
            if (!filter.IncludeClosed) q = q.Where(c => c.Status == ComplaintStatus.Registered || c.Status == ComplaintStatus.Acknowledged);
            if (mine) q = q.Where(c => c.FirstHandlerStaffId == staff.Id);
            var rows = await q.OrderBy(c => c.AcknowledgeDueAt).Take(PerKind).Join(db.Clients, x => x.ClientId, c => c.Id, (x, c) => new { x, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(r =>
            {
                var c = r.x;
                var due = c.ActiveDueAt ?? c.ResolveDueAt;
                var start = c.Status == ComplaintStatus.Acknowledged && c.AcknowledgedAt is { } a ? a : c.ReceivedAt;
                return new DutyItem(DutyKind.Complaint, c.Id, c.ClientId, r.ClientNo, c.Status.ToString(), c.Number, c.FirstHandlerStaffId, Name(c.FirstHandlerStaffId),
                    due, Sla(start, due, c.IsOpen ? null : c.ResolvedAt, now), c.EscalationLevel, ComplaintWorkflow.Link(c), c.IsOpen);
            }));
        }

        if (Want(DutyKind.AmlTask))
        {
            var q = db.Set<AmlTask>().AsNoTracking().Where(t => clients.Contains(t.ClientId) || amlClients.Contains(t.ClientId));
            if (filter.BranchId is not null || !string.IsNullOrWhiteSpace(filter.ClientNo)) q = q.Where(t => clients.Contains(t.ClientId));
            if (!filter.IncludeClosed) q = q.Where(t => t.Status == AmlTaskStatus.Open);
            if (mine) q = q.Where(t => t.AssigneeStaffId == staff.Id);
            var rows = await q.OrderBy(t => t.DueOn).Take(PerKind).Join(db.Clients, t => t.ClientId, c => c.Id, (t, c) => new { t, c.ClientNo }).ToListAsync(ct);
            var detailFor = seesAml ? null : (await amlClients.ToListAsync(ct)).ToHashSet();
            items.AddRange(rows.Select(r => new DutyItem(DutyKind.AmlTask, r.t.Id, r.t.ClientId, r.ClientNo, r.t.Status.ToString(),
                detailFor is null || detailFor.Contains(r.t.ClientId) ? r.t.Kind.ToString() : null,
                r.t.AssigneeStaffId, Name(r.t.AssigneeStaffId), DutyCalendar.EndOf(r.t.DueOn), Sla(r.t.CreatedAt, DutyCalendar.EndOf(r.t.DueOn), r.t.CompletedAt, now), 0,
                detailFor is null || detailFor.Contains(r.t.ClientId) ? "/duties/aml" : "/duties", r.t.Status == AmlTaskStatus.Open)));
        }

        // Cases and large-value reports only ever reach Compliance, administrators and the client's AML duty owner.
        if (Want(DutyKind.AmlCase))
        {
            var q = db.Set<AmlCase>().AsNoTracking().Where(c => amlClients.Contains(c.ClientId));
            if (filter.BranchId is not null || !string.IsNullOrWhiteSpace(filter.ClientNo)) q = q.Where(c => clients.Contains(c.ClientId));
            if (!filter.IncludeClosed) q = q.Where(c => c.Status == AmlCaseStatus.Open);
            var rows = await q.OrderBy(c => c.DueAt).Take(PerKind).Join(db.Clients, a => a.ClientId, c => c.Id, (a, c) => new { a, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(r => new DutyItem(DutyKind.AmlCase, r.a.Id, r.a.ClientId, r.ClientNo, r.a.Status.ToString(), r.a.Rule.ToString(), null, "合规",
                r.a.DueAt, Sla(r.a.CreatedAt, r.a.DueAt, r.a.DecidedAt, now), 0, "/duties/aml", r.a.Status == AmlCaseStatus.Open)));
        }

        if (Want(DutyKind.AmlReport) && seesAml)
        {
            var q = db.Set<AmlReportItem>().AsNoTracking().Where(i => clients.Contains(i.ClientId));
            if (!filter.IncludeClosed) q = q.Where(i => i.Status == ReportItemStatus.Pending);
            var rows = await q.OrderBy(i => i.DueAt).Take(PerKind).Join(db.Clients, i => i.ClientId, c => c.Id, (i, c) => new { i, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(r => new DutyItem(DutyKind.AmlReport, r.i.Id, r.i.ClientId, r.ClientNo, r.i.Status.ToString(), r.i.Category.ToString(), null, "合规",
                r.i.DueAt, Sla(r.i.CreatedAt, r.i.DueAt, r.i.ReportedAt, now), 0, "/duties/aml", r.i.Status == ReportItemStatus.Pending)));
        }

        if (Want(DutyKind.Callback))
        {
            var q = db.Set<ClientCallback>().AsNoTracking().Where(k => clients.Contains(k.ClientId) || k.AssigneeStaffId == staff.Id);
            if (!filter.IncludeClosed) q = q.Where(k => k.Status == CallbackStatus.Open);
            if (mine) q = q.Where(k => k.AssigneeStaffId == staff.Id);
            var rows = await q.OrderBy(k => k.DueOn).Take(PerKind).Join(db.Clients, k => k.ClientId, c => c.Id, (k, c) => new { k, c.ClientNo }).ToListAsync(ct);
            items.AddRange(rows.Select(r => new DutyItem(DutyKind.Callback, r.k.Id, r.k.ClientId, r.ClientNo, r.k.Status.ToString(), r.k.Kind.ToString(), r.k.AssigneeStaffId,
                Name(r.k.AssigneeStaffId), DutyCalendar.EndOf(r.k.DueOn), Sla(r.k.CreatedAt, DutyCalendar.EndOf(r.k.DueOn), r.k.CompletedAt, now), 0, "/duties/callbacks",
                r.k.Status == CallbackStatus.Open)));
        }

        IEnumerable<DutyItem> result = items;
        if (filter.OverdueOnly) result = result.Where(i => i.IsOpen && i.Sla == SlaState.Breached);
        return result.OrderBy(i => i.DueAt).ThenBy(i => i.Kind).ThenBy(i => i.Id).ToList();
    }

    /// <summary>Compliance's export of a filtered worklist (Excel): numbers and states only, no names of clients or text.</summary>
    public async Task<byte[]> ExportAsync(CurrentStaff staff, DutyFilter filter, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Compliance or StaffRole.Admin)) throw new UnauthorizedAccessException("only Compliance exports duty worklists");
        var items = await ListAsync(staff, filter, ct);
        var rows = items.Select(i => new Dictionary<string, object?>
        {
            ["类型"] = i.Kind.ToString(),
            ["编号"] = i.Id,
            ["客户号"] = i.ClientNo,
            ["状态"] = i.Status,
            ["细项"] = i.Detail ?? "",
            ["负责人"] = i.Owner,
            ["期限"] = Display.Instant(i.DueAt),
            ["时效"] = i.Sla.ToString(),
            ["升级"] = i.EscalationLevel,
        }).ToList();
        using var stream = new MemoryStream();
        await stream.SaveAsAsync(rows.Count > 0 ? rows : [new Dictionary<string, object?> { ["类型"] = "（无）" }], sheetName: "职责事项", cancellationToken: ct);
        return stream.ToArray();
    }

    /// <summary>Met or breached once done; otherwise breached past the deadline, due soon in its last fifth.</summary>
    public static SlaState Sla(DateTimeOffset start, DateTimeOffset due, DateTimeOffset? doneAt, DateTimeOffset now)
    {
        if (doneAt is { } done) return done <= due ? SlaState.Met : SlaState.Breached;
        if (now >= due) return SlaState.Breached;
        return (due - now) < (due - start) * 0.2 ? SlaState.DueSoon : SlaState.OnTrack;
    }
}

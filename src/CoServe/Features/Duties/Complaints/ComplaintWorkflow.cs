using System.Globalization;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Complaints;

/// <summary>
/// Complaints from every source into one register: the first handler owns each until it is resolved; the client is
/// told when it is acknowledged and resolved (through the outbound gate); a satisfaction callback follows.
/// </summary>
public sealed class ComplaintWorkflow(
    CoServeDb db,
    DutyCalendar calendar,
    TimelineWriter timeline,
    Notifier notifier,
    ClientNotices notices,
    FieldProtector protector,
    LiveEvents live,
    IOptions<DutiesOptions> options,
    TimeProvider clock)
{
    public const int MaxSummaryLength = 2000;

    private ComplaintOptions O => options.Value.Complaints;

    /// <summary>One click from a Complaint handoff: registered with the ticket's time and summary; the person it reached is the first handler.</summary>
    public async Task<DutyResult> RegisterFromTicketAsync(CurrentStaff staff, long ticketId, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) return DutyResult.Forbidden("your role reads only");
        var visible = db.Clients.VisibleTo(staff);
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == ticketId && visible.Any(c => c.Id == t.ClientId), ct);
        if (ticket is null) return DutyResult.NotFound();
        if (ticket.Reason != HandoffReason.Complaint) return DutyResult.Invalid("the ticket is not a complaint");
        var existing = await db.Set<Complaint>().Where(c => c.TicketId == ticketId).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
        if (existing is { } id) return DutyResult.Done(id);
        var complaint = Create(ticket.ClientId, ComplaintSource.ServiceOfficer, null, ticket.AssigneeStaffId ?? staff.Id, ticket.Id, ticket.CreatedAt, null, null);
        complaint.SummaryCipher = ticket.SummaryCipher;
        return await SaveNewAsync(complaint, staff.Id, ct);
    }

    /// <summary>Staff register a complaint received by phone, at the counter or in writing; they are its first handler.</summary>
    public async Task<DutyResult> RegisterAsync(CurrentStaff staff, string clientNo, string summary, string? category, DateTimeOffset? receivedAt, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) return DutyResult.Forbidden("your role reads only");
        var text = summary?.Trim() ?? "";
        if (text.Length is 0 or > MaxSummaryLength) return DutyResult.Invalid($"describe the complaint in 1..{MaxSummaryLength} characters");
        var no = clientNo.Trim().ToUpperInvariant();
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is null) return DutyResult.NotFound();
        var now = clock.GetUtcNow();
        var received = receivedAt ?? now;
        if (received > now) return DutyResult.Invalid("the complaint cannot be received in the future");
        var complaint = Create(clientId.Value, ComplaintSource.Staff, null, staff.Id, null, received, text, category);
        return await SaveNewAsync(complaint, staff.Id, ct);
    }

    /// <summary>A complaint with its deadlines and retention, added to the unit of work (also used by the 12386 import).</summary>
    internal Complaint Create(long clientId, ComplaintSource source, string? sourceRef, int firstHandler, long? ticketId, DateTimeOffset receivedAt, string? summary, string? category)
    {
        var complaint = new Complaint(clientId, source, sourceRef, firstHandler, ticketId, receivedAt,
            calendar.AddBusinessDays(receivedAt, O.AcknowledgeBusinessDays), calendar.AddBusinessDays(receivedAt, O.ResolveBusinessDays), clock.GetUtcNow())
        {
            Category = string.IsNullOrWhiteSpace(category) ? null : category.Trim()[..Math.Min(category.Trim().Length, 32)],
            SummaryCipher = summary is null ? null : protector.Encrypt(ProtectedField.MessageText, summary),
        };
        complaint.SetRetention(O.RetentionYears);
        db.Add(complaint);
        return complaint;
    }

    /// <summary>After the complaint has its id: timeline event and the first handler's notification.</summary>
    internal async Task AnnounceAsync(Complaint complaint, int? actorStaffId, CancellationToken ct)
    {
        timeline.Append(complaint.ClientId, TimelineKind.TicketEvent, actorStaffId is null ? ActorKind.System : ActorKind.Staff, actorStaffId, "console", EventVisibility.Internal,
            details: new { duty = "complaint", action = "registered", complaint = complaint.Id, number = complaint.Number, source = complaint.Source.ToString(), owner = complaint.FirstHandlerStaffId, acknowledgeDue = complaint.AcknowledgeDueAt, resolveDue = complaint.ResolveDueAt },
            ticketId: complaint.TicketId);
        if (complaint.FirstHandlerStaffId != actorStaffId)
        {
            var clientNo = await db.Clients.AsNoTracking().Where(c => c.Id == complaint.ClientId).Select(c => c.ClientNo).SingleAsync(ct);
            notifier.Add(complaint.FirstHandlerStaffId, NotificationKind.DutyTask, $"新投诉 {complaint.Number} · 客户 {clientNo}", Link(complaint), complaint.ClientId, complaint.TicketId);
        }
    }

    public async Task<DutyResult> AcknowledgeAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var complaint = await LoadAsync(staff, id, ct);
        if (complaint is null) return DutyResult.NotFound();
        if (await AuthorityProblemAsync(staff, complaint, ct) is { } problem) return problem;
        if (complaint.Status != ComplaintStatus.Registered) return DutyResult.Conflict("the complaint is already acknowledged");
        complaint.Acknowledge(clock.GetUtcNow());
        Event(complaint, staff.Id, new { duty = "complaint", action = "acknowledged", complaint = complaint.Id, onTime = !complaint.BreachedAcknowledgement });
        var text = string.Format(CultureInfo.InvariantCulture, O.AcknowledgedNotice, complaint.Number, O.ResolveBusinessDays);
        await notices.SendAsync(complaint.ClientId, staff.Id, text, new { notice = "complaint acknowledged", complaint = complaint.Id }, complaint.TicketId, ct);
        return await SaveAsync(complaint, ct);
    }

    public async Task<DutyResult> ResolveAsync(CurrentStaff staff, long id, ComplaintOutcome outcome, string outcomeText, CancellationToken ct)
    {
        var complaint = await LoadAsync(staff, id, ct);
        if (complaint is null) return DutyResult.NotFound();
        if (await AuthorityProblemAsync(staff, complaint, ct) is { } problem) return problem;
        if (!complaint.IsOpen) return DutyResult.Conflict("the complaint is already resolved");
        if (!Enum.IsDefined(outcome)) return DutyResult.Invalid("choose an outcome");
        var text = outcomeText?.Trim() ?? "";
        if (text.Length is 0 or > 500) return DutyResult.Invalid("tell the client the outcome in 1..500 characters");
        var now = clock.GetUtcNow();
        complaint.Resolve(outcome, protector.Encrypt(ProtectedField.MessageText, text), O.RetentionYears, now);
        Event(complaint, staff.Id, new { duty = "complaint", action = "resolved", complaint = complaint.Id, outcome = outcome.ToString(), onTime = now <= complaint.ResolveDueAt });
        await notices.SendAsync(complaint.ClientId, staff.Id, string.Format(CultureInfo.InvariantCulture, O.ResolvedNotice, complaint.Number, text),
            new { notice = "complaint resolved", complaint = complaint.Id }, complaint.TicketId, ct);
        var due = BusinessTime.DateOf(calendar.AddBusinessDays(now, O.CallbackBusinessDays));
        db.Add(new ClientCallback(complaint.ClientId, CallbackKind.ComplaintFollowUp, $"complaint:{complaint.Id}", due, complaint.FirstHandlerStaffId, complaint.Id, now));
        if (complaint.TicketId is { } ticketId)
        {
            var ticket = await db.Tickets.SingleAsync(t => t.Id == ticketId, ct);
            if (ticket.IsOpen)
            {
                ticket.Resolve("complaint resolved", now);
                timeline.Append(ticket.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "console", EventVisibility.Internal,
                    details: new { ticket = ticket.Id, resolved = "complaint resolved" }, conversationId: ticket.ConversationId, ticketId: ticket.Id);
                live.Publish(TicketChanged.Of(ticket));
            }
        }
        return await SaveAsync(complaint, ct);
    }

    /// <summary>After an import's commit: live screens and notifications.</summary>
    internal async Task PublishAsync(IEnumerable<long> clientIds, CancellationToken ct)
    {
        timeline.Publish();
        await notifier.FlushAsync(ct);
        foreach (var id in clientIds.Distinct()) live.Publish(new DutyChanged(id));
    }

    public static string Link(Complaint c) => $"/duties/complaints/{c.Id}";

    /// <summary>The first handler, the head of the client's branch, or an administrator acts on a complaint.</summary>
    private async Task<DutyResult?> AuthorityProblemAsync(CurrentStaff staff, Complaint complaint, CancellationToken ct)
    {
        if (staff.Id == complaint.FirstHandlerStaffId || staff.Role == StaffRole.Admin) return null;
        if (staff.Role == StaffRole.BranchHead && await db.Clients.AnyAsync(c => c.Id == complaint.ClientId && c.BranchId == staff.BranchId, ct)) return null;
        return DutyResult.Forbidden("the complaint belongs to its first handler");
    }

    private async Task<Complaint?> LoadAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var complaint = await db.Set<Complaint>().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (complaint is null) return null;
        return complaint.FirstHandlerStaffId == staff.Id || await db.Clients.VisibleTo(staff).AnyAsync(c => c.Id == complaint.ClientId, ct) ? complaint : null;
    }

    private void Event(Complaint c, int staffId, object details) =>
        timeline.Append(c.ClientId, TimelineKind.TicketEvent, ActorKind.Staff, staffId, "console", EventVisibility.Internal, details: details, ticketId: c.TicketId);

    private async Task<DutyResult> SaveNewAsync(Complaint complaint, int actorStaffId, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await AnnounceAsync(complaint, actorStaffId, ct);
        return await SaveAsync(complaint, ct);
    }

    private async Task<DutyResult> SaveAsync(Complaint complaint, CancellationToken ct)
    {
        if (!await timeline.SaveAndPublishAsync(ct)) return DutyResult.Conflict("someone changed the complaint meanwhile; reload it");
        await notifier.FlushAsync(ct);
        notices.Flush();
        live.Publish(new DutyChanged(complaint.ClientId));
        return DutyResult.Done(complaint.Id);
    }
}

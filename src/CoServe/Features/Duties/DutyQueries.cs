using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties;

public sealed record ApprovalView(int Step, StaffRole Role, string Approver, bool Approved, string? Comment, DateTimeOffset At);

public sealed record CommissionView(
    long Id, string ClientNo, CommissionOrigin Origin, CommissionStatus Status, string CurrentRate, string? ProposedRate, string? FloorRate, decimal? AssetsBasis,
    DateOnly? EffectiveOn, IReadOnlyList<StaffRole> Chain, StaffRole? NextApprover, IReadOnlyList<ApprovalView> Approvals, int OwnerStaffId, string Owner,
    DateTimeOffset ReceivedAt, DateTimeOffset AnswerDueAt, long? TicketId, bool ClientNotified, int EscalationLevel);

public sealed record ComplaintView(
    long Id, string Number, string ClientNo, ComplaintSource Source, string? SourceRef, string? Category, string? Summary, ComplaintStatus Status,
    int FirstHandlerStaffId, string FirstHandler, DateTimeOffset ReceivedAt, DateTimeOffset AcknowledgeDueAt, DateTimeOffset ResolveDueAt,
    DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt, ComplaintOutcome? Outcome, string? OutcomeText, Satisfaction? Satisfaction,
    int EscalationLevel, DateOnly RetainUntil, long? TicketId);

/// <summary>Details behind the commission and complaint pages, scoped like the client book (first handlers always see theirs).</summary>
public sealed class DutyQueries(CoServeDb db, StaffDirectory directory, FieldProtector protector)
{
    public async Task<CommissionView?> CommissionAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var visible = db.Clients.VisibleTo(staff).Select(c => c.Id);
        var r = await db.Set<CommissionRequest>().AsNoTracking().Include(x => x.Approvals).SingleOrDefaultAsync(x => x.Id == id && visible.Contains(x.ClientId), ct);
        if (r is null) return null;
        var names = await directory.GetAsync(ct);
        var clientNo = await db.Clients.Where(c => c.Id == r.ClientId).Select(c => c.ClientNo).SingleAsync(ct);
        return new CommissionView(r.Id, clientNo, r.Origin, r.Status, r.CurrentRate.Percent, r.ProposedRate?.Percent, r.FloorRate?.Percent, r.AssetsBasis, r.EffectiveOn,
            r.Chain, r.NextApprover, r.Approvals.OrderBy(a => a.Step).Select(a => new ApprovalView(a.Step, a.Role, names.StaffName(a.StaffId), a.Approved, a.Comment, a.At)).ToList(),
            r.OwnerStaffId, names.StaffName(r.OwnerStaffId), r.ReceivedAt, r.AnswerDueAt, r.TicketId, r.ClientNotified, r.EscalationLevel);
    }

    public async Task<ComplaintView?> ComplaintAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var visible = db.Clients.VisibleTo(staff).Select(c => c.Id);
        var c = await db.Set<Complaint>().AsNoTracking().SingleOrDefaultAsync(x => x.Id == id && (visible.Contains(x.ClientId) || x.FirstHandlerStaffId == staff.Id), ct);
        if (c is null) return null;
        var names = await directory.GetAsync(ct);
        var clientNo = await db.Clients.Where(x => x.Id == c.ClientId).Select(x => x.ClientNo).SingleAsync(ct);
        return new ComplaintView(c.Id, c.Number, clientNo, c.Source, c.SourceRef, c.Category, protector.DecryptOrNull(ProtectedField.MessageText, c.SummaryCipher), c.Status,
            c.FirstHandlerStaffId, names.StaffName(c.FirstHandlerStaffId), c.ReceivedAt, c.AcknowledgeDueAt, c.ResolveDueAt, c.AcknowledgedAt, c.ResolvedAt, c.Outcome,
            protector.DecryptOrNull(ProtectedField.MessageText, c.OutcomeCipher), c.Satisfaction, c.EscalationLevel, c.RetainUntil, c.TicketId);
    }
}

using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Transfers;

public sealed record PlanSummary(long Id, string Month, TransferPlanStatus Status, DateTimeOffset CreatedAt, DateTimeOffset ReviewDeadline, int ToOfficer, int ToManager, int Exempted, int Appealed, int Moved, int Skipped, int RolledBack);

public sealed record ItemView(
    long Id,
    string ClientNo,
    string ClientName,
    string? Branch,
    TransferDirection Direction,
    string From,
    string To,
    int? FromStaffId,
    int? ToStaffId,
    string Rule,
    string MadaHistory,
    decimal LatestMada,
    TransferItemStatus Status,
    string? AppealReason,
    string? DecisionReason,
    string? SkipReason,
    WeComTransferState WeComState,
    string? WeComNote);

public sealed record ManagerImpact(int StaffId, string Manager, string? Branch, int Book, int Leaving, decimal AssetsLeaving, int Arriving, decimal AssetsArriving, double ShareOfBookLeaving, int HighEndGained);

public sealed record ItemFilter(TransferItemStatus? Status = null, TransferDirection? Direction = null, int? StaffId = null, int? BranchId = null, bool MineOnly = false);

/// <summary>Plan review screens and reports: scoped so a manager sees his items, a branch head his branch, the digital team everything.</summary>
public sealed class TransferQueries(CoServeDb db, FieldProtector protector, StaffDirectory directory)
{
    public async Task<IReadOnlyList<PlanSummary>> PlansAsync(CancellationToken ct)
    {
        var plans = await db.TransferPlans.AsNoTracking().OrderByDescending(p => p.Id).Take(100).ToListAsync(ct);
        var ids = plans.Select(p => p.Id).ToList();
        var counts = await db.TransferItems.AsNoTracking().Where(i => i.PlanId != null && ids.Contains(i.PlanId.Value))
            .GroupBy(i => new { i.PlanId, i.Status, i.Direction })
            .Select(g => new { g.Key.PlanId, g.Key.Status, g.Key.Direction, Count = g.Count() }).ToListAsync(ct);
        int C(long id, Func<TransferItemStatus, bool> status, TransferDirection? direction = null) =>
            counts.Where(c => c.PlanId == id && status(c.Status) && (direction is null || c.Direction == direction)).Sum(c => c.Count);
        bool Planned(TransferItemStatus s) => s is not (TransferItemStatus.Exempted or TransferItemStatus.Kept);
        return plans.Select(p => new PlanSummary(p.Id, CalendarMonth.FromKey(p.Month).ToString(), p.Status, p.CreatedAt, p.ReviewDeadline,
            C(p.Id, Planned, TransferDirection.ToOfficer), C(p.Id, Planned, TransferDirection.ToManager),
            C(p.Id, s => s is TransferItemStatus.Exempted or TransferItemStatus.Kept), C(p.Id, s => s == TransferItemStatus.Appealed),
            C(p.Id, s => s == TransferItemStatus.Moved), C(p.Id, s => s == TransferItemStatus.Skipped), C(p.Id, s => s == TransferItemStatus.RolledBack))).ToList();
    }

    public async Task<IReadOnlyList<ItemView>> ItemsAsync(CurrentStaff staff, long planId, ItemFilter filter, int skip, int take, CancellationToken ct)
    {
        var q = from i in db.TransferItems.AsNoTracking()
                join c in db.Clients on i.ClientId equals c.Id
                where i.PlanId == planId
                select new { i, c.ClientNo, c.NameCipher, c.BranchId };
        q = staff.Role switch
        {
            StaffRole.DigitalOps or StaffRole.Admin or StaffRole.Compliance => q,
            StaffRole.BranchHead => q.Where(x => x.BranchId == staff.BranchId),
            _ => q.Where(x => x.i.FromStaffId == staff.Id || x.i.ToStaffId == staff.Id),
        };
        if (filter.MineOnly) q = q.Where(x => x.i.FromStaffId == staff.Id || x.i.ToStaffId == staff.Id);
        if (filter.Status is { } s) q = q.Where(x => x.i.Status == s);
        if (filter.Direction is { } d) q = q.Where(x => x.i.Direction == d);
        if (filter.StaffId is { } staffId) q = q.Where(x => x.i.FromStaffId == staffId || x.i.ToStaffId == staffId);
        if (filter.BranchId is { } b) q = q.Where(x => x.BranchId == b);
        var rows = await q.OrderBy(x => x.ClientNo).Skip(skip).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return rows.Select(x => new ItemView(x.i.Id, x.ClientNo, PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, x.NameCipher)),
            x.BranchId is { } br ? names.BranchName(br) : null, x.i.Direction, names.ServicerName(x.i.FromStaffId), names.ServicerName(x.i.ToStaffId),
            x.i.FromStaffId, x.i.ToStaffId, x.i.Rule, x.i.MadaHistory, x.i.LatestMada, x.i.Status, x.i.AppealReason, x.i.DecisionReason, x.i.SkipReason,
            x.i.WeComState, x.i.WeComNote)).ToList();
    }

    /// <summary>What a plan means for each manager: clients and assets leaving and arriving, share of book, high-end clients gained.</summary>
    public async Task<IReadOnlyList<ManagerImpact>> ImpactAsync(CurrentStaff staff, long planId, CancellationToken ct)
    {
        var items = await db.TransferItems.AsNoTracking()
            .Where(i => i.PlanId == planId && i.Status != TransferItemStatus.Exempted && i.Status != TransferItemStatus.Kept && i.Status != TransferItemStatus.Skipped && i.Status != TransferItemStatus.RolledBack)
            .Select(i => new { i.Direction, i.FromStaffId, i.ToStaffId, i.LatestMada }).ToListAsync(ct);
        var book = await db.ClientServicers.AsNoTracking().Where(s => s.IsPrimary && s.StaffId != null)
            .GroupBy(s => s.StaffId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var names = await directory.GetAsync(ct);
        var managers = names.Staff.Values.Where(s => s.Role == StaffRole.ClientManager
            && (staff.Role is StaffRole.DigitalOps or StaffRole.Admin or StaffRole.Compliance
                || (staff.Role == StaffRole.BranchHead && s.BranchId == staff.BranchId)
                || s.Id == staff.Id));
        return managers.Select(m =>
        {
            var leaving = items.Where(i => i.Direction == TransferDirection.ToOfficer && i.FromStaffId == m.Id).ToList();
            var arriving = items.Where(i => i.Direction == TransferDirection.ToManager && i.ToStaffId == m.Id).ToList();
            var current = book.GetValueOrDefault(m.Id);
            return new ManagerImpact(m.Id, m.DisplayName, m.BranchId is { } b ? names.BranchName(b) : null, current,
                leaving.Count, leaving.Sum(i => i.LatestMada), arriving.Count, arriving.Sum(i => i.LatestMada),
                current == 0 ? 0 : (double)leaving.Count / current, arriving.Count);
        })
        .Where(i => i.Leaving + i.Arriving > 0 || staff.Role == StaffRole.ClientManager)
        .OrderByDescending(i => i.Leaving + i.Arriving)
        .ToList();
    }

    /// <summary>Moves of one client (for its page and for the console's history).</summary>
    public async Task<IReadOnlyList<TransferDecision>> DecisionsAsync(long planId, CancellationToken ct) =>
        await db.TransferDecisions.AsNoTracking().Where(d => d.PlanId == planId).OrderByDescending(d => d.Id).Take(200).ToListAsync(ct);
}

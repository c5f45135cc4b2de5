using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

public sealed record Lead(string ClientNo, string Name, decimal LatestMada, IReadOnlyList<decimal> Trend, bool ClaimPending);

public sealed record ClaimView(long Id, string ClientNo, string Claimer, string? Note, DateTimeOffset CreatedAt, bool? Approved, string? DecisionReason);

/// <summary>
/// Manager development: pool clients of a branch whose MADA rose for several months and approaches the line
/// appear as leads for the branch's managers, who can claim one; the branch head decides, and an approved claim
/// moves the client to the manager at once (policy: no plan needed for a single approved claim).
/// </summary>
public sealed class TransferLeads(
    CoServeDb db,
    ClientMove move,
    ExecuteTransfers execute,
    FieldProtector protector,
    Notifier notifier,
    Timeline.TimelineWriter timeline,
    OutboxSignal outbox,
    IOptions<TransferOptions> options,
    IOptions<AssetsOptions> assets,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<Lead>> LeadsAsync(CurrentStaff staff, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.ClientManager or StaffRole.BranchHead or StaffRole.Admin)) return [];
        var o = options.Value;
        var latest = await db.SegmentationRuns.MaxAsync(r => (int?)r.Month, ct);
        if (latest is null) return [];
        var months = Enumerable.Range(0, o.LeadRisingMonths).Select(i => CalendarMonth.FromKey(latest.Value).AddMonths(-i).Key).ToList();
        var threshold = assets.Value.TierThreshold;
        var floor = threshold * (decimal)o.LeadMinShareOfThreshold;
        var candidates = from c in db.Clients.AsNoTracking()
                         where c.Servicers.Any(s => s.IsPrimary && s.StaffId == null)
                               && (staff.Role == StaffRole.Admin || c.BranchId == staff.BranchId)
                         join s in db.MonthlySegments on c.Id equals s.ClientId
                         where s.Month == latest && s.Mada >= floor && s.Mada < threshold
                         select new { c.Id, c.ClientNo, c.NameCipher };
        var rows = await candidates.Take(500).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var history = (await db.MonthlySegments.AsNoTracking().Where(s => ids.Contains(s.ClientId) && months.Contains(s.Month))
            .Select(s => new { s.ClientId, s.Month, s.Mada }).ToListAsync(ct))
            .GroupBy(s => s.ClientId).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Month).Select(s => s.Mada).ToList());
        var pending = (await db.TransferClaims.AsNoTracking().Where(c => ids.Contains(c.ClientId) && c.Approved == null).Select(c => c.ClientId).ToListAsync(ct)).ToHashSet();
        return rows
            .Where(r => history.TryGetValue(r.Id, out var h) && h.Count == months.Count && h.Zip(h.Skip(1)).All(p => p.Second > p.First))
            .Select(r => new Lead(r.ClientNo, PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, r.NameCipher)), history[r.Id][^1], history[r.Id], pending.Contains(r.Id)))
            .OrderByDescending(l => l.LatestMada)
            .ToList();
    }

    public async Task<long> ClaimAsync(CurrentStaff staff, string clientNo, string? note, CancellationToken ct)
    {
        if (staff.Role != StaffRole.ClientManager) throw new UnauthorizedAccessException("only client managers claim leads");
        var leads = await LeadsAsync(staff, ct);
        var no = clientNo.Trim().ToUpperInvariant();
        var lead = leads.FirstOrDefault(l => l.ClientNo == no) ?? throw new ArgumentException($"{no} is not a lead of your branch", nameof(clientNo));
        if (lead.ClaimPending) throw new TransferStateException($"{no} already has a claim waiting for the branch head");
        var clientId = await db.Clients.Where(c => c.ClientNo == no).Select(c => c.Id).SingleAsync(ct);
        var claim = new TransferClaim(clientId, staff.Id, note?.Trim(), clock.GetUtcNow());
        db.TransferClaims.Add(claim);
        foreach (var head in await db.Staff.Where(s => s.Role == StaffRole.BranchHead && s.BranchId == staff.BranchId && s.IsActive).Select(s => s.Id).ToListAsync(ct))
        {
            notifier.Add(head, NotificationKind.DutyTask, $"{staff.DisplayName} 申请开发客户 {no}", "/transfers/leads", clientId);
        }
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
        return claim.Id;
    }

    public async Task<IReadOnlyList<ClaimView>> ClaimsAsync(CurrentStaff staff, CancellationToken ct)
    {
        var q = from c in db.TransferClaims.AsNoTracking()
                join cl in db.Clients on c.ClientId equals cl.Id
                join s in db.Staff on c.StaffId equals s.Id
                where staff.Role == StaffRole.Admin || (staff.Role == StaffRole.BranchHead && cl.BranchId == staff.BranchId) || c.StaffId == staff.Id
                orderby c.Id descending
                select new ClaimView(c.Id, cl.ClientNo, s.DisplayName, c.Note, c.CreatedAt, c.Approved, c.DecisionReason);
        return await q.Take(200).ToListAsync(ct);
    }

    public async Task DecideAsync(CurrentStaff staff, long claimId, bool approve, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("give the reason for the decision", nameof(reason));
        var claim = await db.TransferClaims.SingleOrDefaultAsync(c => c.Id == claimId, ct) ?? throw new ArgumentException($"no claim #{claimId}", nameof(claimId));
        var client = await db.Clients.AsNoTracking().Where(c => c.Id == claim.ClientId).Select(c => new { c.BranchId, c.ClientNo }).SingleAsync(ct);
        if (!(staff.Role == StaffRole.BranchHead && staff.BranchId == client.BranchId) && staff.Role != StaffRole.Admin)
        {
            throw new UnauthorizedAccessException("only the client's branch head decides claims");
        }
        if (claim.Approved is not null) throw new TransferStateException($"claim #{claimId} was already decided");
        claim.Approved = approve;
        claim.DecidedByStaffId = staff.Id;
        claim.DecisionReason = reason.Trim();
        claim.DecidedAt = clock.GetUtcNow();
        if (approve)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var item = new TransferItem(null, claim.ClientId, TransferDirection.ToManager, null, claim.StaffId, "lead claimed by the manager, approved by the branch head", "", 0m)
            {
                Status = TransferItemStatus.Approved,
                DecidedByStaffId = staff.Id,
                DecisionReason = reason.Trim(),
            };
            db.TransferItems.Add(item);
            await db.SaveChangesAsync(ct);
            var skip = await move.ApplyAsync(item, ct);
            if (skip is not null)
            {
                item.Status = TransferItemStatus.Skipped;
                item.SkipReason = skip;
            }
            claim.ItemId = item.Id;
            db.TransferDecisions.Add(new TransferDecision(null, item.Id, staff.Id, "claim approved", reason.Trim(), clock.GetUtcNow()));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            timeline.Publish();
            outbox.Notify();
            await execute.RequestWeComAsync(null, ct);
        }
        else
        {
            db.TransferDecisions.Add(new TransferDecision(null, null, staff.Id, "claim rejected", reason.Trim(), clock.GetUtcNow()));
            await db.SaveChangesAsync(ct);
        }
        notifier.Add(claim.StaffId, NotificationKind.DutyTask, approve ? $"客户 {client.ClientNo} 已划转给您" : $"您对客户 {client.ClientNo} 的开发申请未通过", $"/clients/{client.ClientNo}", claim.ClientId);
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
    }
}

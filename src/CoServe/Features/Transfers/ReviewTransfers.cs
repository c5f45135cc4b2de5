using CoServe.Data;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Transfers;

/// <summary>Thrown when a transfer action is not allowed in the item's or plan's current state.</summary>
public sealed class TransferStateException(string message) : Platform.Web.RuleViolationException(message);

/// <summary>
/// Review of a plan: managers appeal their own items within the review window, the branch head decides
/// appeals, the digital team approves the plan (or parts). Every decision is recorded with who and why.
/// </summary>
public sealed class ReviewTransfers(CoServeDb db, Notifier notifier, TimeProvider clock)
{
    public async Task AppealAsync(CurrentStaff staff, long itemId, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 4) throw new ArgumentException("give the reason for the appeal (at least 4 characters)", nameof(reason));
        var (item, plan) = await LoadAsync(itemId, ct);
        if (item.FromStaffId != staff.Id && item.ToStaffId != staff.Id) throw new UnauthorizedAccessException("only the manager the item moves a client from or to may appeal it");
        if (plan.Status != TransferPlanStatus.InReview && plan.Status != TransferPlanStatus.Approved) throw new TransferStateException($"plan #{plan.Id} is {plan.Status}; appeals are closed");
        if (clock.GetUtcNow() > plan.ReviewDeadline) throw new TransferStateException("the review window has closed");
        if (item.Status != TransferItemStatus.Proposed) throw new TransferStateException($"item #{item.Id} is {item.Status}; only proposed items can be appealed");
        item.Status = TransferItemStatus.Appealed;
        item.AppealReason = reason.Trim();
        item.AppealedByStaffId = staff.Id;
        Record(plan.Id, item.Id, staff.Id, "appeal", reason.Trim());
        var clientBranch = await db.Clients.Where(c => c.Id == item.ClientId).Select(c => new { c.BranchId, c.ClientNo }).SingleAsync(ct);
        foreach (var head in await db.Staff.Where(s => s.Role == StaffRole.BranchHead && s.BranchId == clientBranch.BranchId && s.IsActive).Select(s => s.Id).ToListAsync(ct))
        {
            notifier.Add(head, NotificationKind.DutyTask, $"划转申诉待审：客户 {clientBranch.ClientNo}", $"/transfers/{plan.Id}?status=Appealed", item.ClientId);
        }
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
    }

    public async Task DecideAppealAsync(CurrentStaff staff, long itemId, bool grant, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("give the reason for the decision", nameof(reason));
        var (item, plan) = await LoadAsync(itemId, ct);
        var branch = await db.Clients.Where(c => c.Id == item.ClientId).Select(c => c.BranchId).SingleAsync(ct);
        if (!(staff.Role == StaffRole.BranchHead && staff.BranchId == branch) && staff.Role != StaffRole.Admin)
        {
            throw new UnauthorizedAccessException("only the client's branch head decides appeals");
        }
        if (item.Status != TransferItemStatus.Appealed) throw new TransferStateException($"item #{item.Id} is {item.Status}, not appealed");
        item.Status = grant ? TransferItemStatus.Kept : TransferItemStatus.Proposed;
        item.DecisionReason = reason.Trim();
        item.DecidedByStaffId = staff.Id;
        Record(plan.Id, item.Id, staff.Id, grant ? "appeal granted" : "appeal denied", reason.Trim());
        if (item.AppealedByStaffId is { } appellant)
        {
            notifier.Add(appellant, NotificationKind.DutyTask, grant ? "您的划转申诉已通过" : "您的划转申诉未通过", $"/transfers/{plan.Id}", item.ClientId);
        }
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
    }

    /// <summary>Approves proposed items (all, or the given ones). Appealed items wait for the branch head.</summary>
    public async Task<int> ApproveAsync(CurrentStaff staff, long planId, IReadOnlyCollection<long>? itemIds, string? note, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only the digital team approves transfer plans");
        var plan = await db.TransferPlans.SingleOrDefaultAsync(p => p.Id == planId, ct) ?? throw new ArgumentException($"no transfer plan #{planId}", nameof(planId));
        if (plan.Status is not (TransferPlanStatus.InReview or TransferPlanStatus.Approved)) throw new TransferStateException($"plan #{plan.Id} is {plan.Status}");
        var q = db.TransferItems.Where(i => i.PlanId == planId && i.Status == TransferItemStatus.Proposed);
        if (itemIds is { Count: > 0 }) q = q.Where(i => itemIds.Contains(i.Id));
        var approved = await q.ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, TransferItemStatus.Approved).SetProperty(i => i.Version, i => i.Version + 1), ct);
        plan.Status = TransferPlanStatus.Approved;
        plan.ApprovedByStaffId = staff.Id;
        plan.ApprovedAt = clock.GetUtcNow();
        plan.Version++;
        Record(plan.Id, null, staff.Id, itemIds is { Count: > 0 } ? "approve part" : "approve", $"{approved} item(s){(note is null ? "" : ": " + note)}");
        await db.SaveChangesAsync(ct);
        return approved;
    }

    public async Task CancelAsync(CurrentStaff staff, long planId, string reason, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only the digital team cancels transfer plans");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("give the reason for cancelling", nameof(reason));
        var plan = await db.TransferPlans.SingleOrDefaultAsync(p => p.Id == planId, ct) ?? throw new ArgumentException($"no transfer plan #{planId}", nameof(planId));
        if (plan.Status is not (TransferPlanStatus.InReview or TransferPlanStatus.Approved)) throw new TransferStateException($"plan #{plan.Id} is {plan.Status}; only plans not yet executing can be cancelled");
        if (await db.TransferItems.AnyAsync(i => i.PlanId == planId && i.Status == TransferItemStatus.Moved, ct))
        {
            throw new TransferStateException("some clients of this plan were already moved; roll them back instead");
        }
        plan.Status = TransferPlanStatus.Cancelled;
        plan.Version++;
        Record(plan.Id, null, staff.Id, "cancel", reason.Trim());
        await db.SaveChangesAsync(ct);
    }

    private async Task<(TransferItem Item, TransferPlan Plan)> LoadAsync(long itemId, CancellationToken ct)
    {
        var item = await db.TransferItems.SingleOrDefaultAsync(i => i.Id == itemId, ct) ?? throw new ArgumentException($"no transfer item #{itemId}", nameof(itemId));
        if (item.PlanId is not { } planId) throw new TransferStateException("this move came from a claim, not a plan");
        var plan = await db.TransferPlans.SingleAsync(p => p.Id == planId, ct);
        return (item, plan);
    }

    private void Record(long? planId, long? itemId, int staffId, string action, string? reason) =>
        db.TransferDecisions.Add(new TransferDecision(planId, itemId, staffId, action, reason, clock.GetUtcNow()));
}

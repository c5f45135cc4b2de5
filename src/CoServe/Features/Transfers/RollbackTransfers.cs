using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

public sealed record RollbackPreview(int Items, int WithWeComTransfer, int WouldHitWeComLimit);

public sealed record RollbackReport(int RolledBack, int WeComReversed, int WeComNotAllowed);

/// <summary>
/// Undoes moves within the rollback window: servicing restored, the WeCom relationship transferred back where
/// WeCom allows it (it counts against the 2-in-90-days limit, which the preview shows before confirming),
/// the client notified, all recorded.
/// </summary>
public sealed class RollbackTransfers(
    CoServeDb db,
    ClientMove move,
    TimelineWriter timeline,
    OutboxSignal outbox,
    IServiceProvider services,
    IOptions<TransferOptions> options,
    IOptions<WeComOptions> wecom,
    TimeProvider clock)
{
    public const string Notice = "您好，您的服务安排已恢复为原来的方式，如有疑问请随时联系我们。";

    public async Task<RollbackPreview> PreviewAsync(long? planId, IReadOnlyCollection<long>? itemIds, CancellationToken ct)
    {
        var items = await Eligible(planId, itemIds).AsNoTracking().ToListAsync(ct);
        var withWeCom = items.Where(i => i.WeComState is WeComTransferState.Requested or WeComTransferState.TakenOver).ToList();
        var clientIds = withWeCom.Select(i => i.ClientId).ToList();
        var external = await db.Clients.AsNoTracking().Where(c => clientIds.Contains(c.Id) && c.WeComExternalUserId != null).Select(c => c.WeComExternalUserId!).ToListAsync(ct);
        var since = BusinessTime.StartOfDay(BusinessTime.DateOf(clock.GetUtcNow()).AddDays(-wecom.Value.TransferWindowDays));
        var counts = await db.WeComTransferRecords.AsNoTracking().Where(r => external.Contains(r.ExternalUserId) && r.At >= since)
            .GroupBy(r => r.ExternalUserId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return new RollbackPreview(items.Count, withWeCom.Count, counts.Count(c => c.Count >= wecom.Value.MaxTransfersPerCustomer));
    }

    public async Task<RollbackReport> RollbackAsync(CurrentStaff staff, long? planId, IReadOnlyCollection<long>? itemIds, string reason, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only the digital team rolls transfers back");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("give the reason for the rollback", nameof(reason));
        if (planId is null && itemIds is not { Count: > 0 }) throw new ArgumentException("name a plan or items to roll back", nameof(itemIds));
        var items = await Eligible(planId, itemIds).ToListAsync(ct);
        if (items.Count == 0) throw new TransferStateException($"nothing to roll back: only moved items within {options.Value.RollbackWindowDays} days can be");
        var reversals = new List<(TransferItem Item, string External)>();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var item in items)
            {
                await move.RevertAsync(item, Notice, ct);
                db.TransferDecisions.Add(new TransferDecision(item.PlanId, item.Id, staff.Id, "rollback", reason.Trim(), clock.GetUtcNow()));
                if (item.WeComState is WeComTransferState.Requested or WeComTransferState.TakenOver
                    && await db.Clients.Where(c => c.Id == item.ClientId).Select(c => c.WeComExternalUserId).SingleAsync(ct) is { } ext)
                {
                    reversals.Add((item, ext));
                }
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        timeline.Publish();
        outbox.Notify();

        int reversed = 0, refused = 0;
        if (services.GetService<WeComTransfers>() is { } transfers)
        {
            foreach (var group in reversals.GroupBy(r => (r.Item.WeComTakeoverUserId!, r.Item.WeComHandoverUserId!)))
            {
                var outcomes = await transfers.TransferAsync(options.Value.WeComApp, group.Key.Item1, group.Key.Item2, group.Select(r => r.External).ToList(), null, ct);
                foreach (var ((item, _), outcome) in group.Zip(outcomes))
                {
                    if (outcome.Outcome is TransferStartOutcome.Started or TransferStartOutcome.AlreadyTransferring)
                    {
                        item.WeComNote = "WeCom relationship transferred back";
                        reversed++;
                    }
                    else
                    {
                        item.WeComNote = outcome.Outcome == TransferStartOutcome.TooFrequent
                            ? "WeCom refused the reverse transfer: 2 transfers in 90 days"
                            : $"WeCom reverse transfer failed ({outcome.ErrCode})";
                        refused++;
                    }
                    db.TransferItems.Update(item);
                }
            }
            await db.SaveChangesAsync(ct);
        }
        return new RollbackReport(items.Count, reversed, refused);
    }

    private IQueryable<TransferItem> Eligible(long? planId, IReadOnlyCollection<long>? itemIds)
    {
        var since = clock.GetUtcNow().AddDays(-options.Value.RollbackWindowDays);
        var q = db.TransferItems.Where(i => i.Status == TransferItemStatus.Moved && i.MovedAt >= since);
        if (planId is { } p) q = q.Where(i => i.PlanId == p);
        if (itemIds is { Count: > 0 }) q = q.Where(i => itemIds.Contains(i.Id));
        return q;
    }
}

using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

public sealed record ExecutionReport(int Moved, int Skipped, int WeComRequested, int WeComSkipped, int Remaining);

public sealed record ReconcileReport(int TakenOver, int Refused, int Retried, int StillWaiting);

/// <summary>
/// Executes approved items in batches (one transaction per batch, so a crash loses at most the batch in
/// flight, which the next run redoes: only Approved items are picked up, so nobody moves twice), then asks WeCom
/// to transfer the clients' WeCom relationships and reconciles the outcomes later.
/// </summary>
public sealed partial class ExecuteTransfers(
    CoServeDb db,
    ClientMove move,
    TimelineWriter timeline,
    Notifier notifier,
    LiveEvents live,
    OutboxSignal outbox,
    IServiceProvider services,
    IOptions<TransferOptions> options,
    TimeProvider clock,
    ILogger<ExecuteTransfers> logger)
{
    public async Task<ExecutionReport> ExecuteAsync(CurrentStaff staff, long planId, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only the digital team executes transfer plans");
        var plan = await db.TransferPlans.SingleOrDefaultAsync(p => p.Id == planId, ct) ?? throw new ArgumentException($"no transfer plan #{planId}", nameof(planId));
        if (plan.Status is not (TransferPlanStatus.Approved or TransferPlanStatus.Executing or TransferPlanStatus.Executed))
        {
            throw new TransferStateException($"plan #{plan.Id} is {plan.Status}; approve it first");
        }
        if (plan.Status == TransferPlanStatus.Approved)
        {
            plan.Status = TransferPlanStatus.Executing;
            plan.Version++;
            db.TransferDecisions.Add(new TransferDecision(plan.Id, null, staff.Id, "execute", null, clock.GetUtcNow()));
            await db.SaveChangesAsync(ct);
        }

        int moved = 0, skipped = 0;
        while (true)
        {
            db.ChangeTracker.Clear();
            // Untracked: moved items are stored with one statement (StoreMovedAsync); a skipped one is attached.
            var batch = await db.TransferItems.AsNoTracking().Where(i => i.PlanId == planId && i.Status == TransferItemStatus.Approved)
                .OrderBy(i => i.Id).Take(options.Value.BatchSize).ToListAsync(ct);
            if (batch.Count == 0) break;
            var versions = batch.ToDictionary(i => i.Id, i => i.Version);
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                var skips = await move.ApplyManyAsync(batch, ct);
                var movedItems = new List<TransferItem>(batch.Count);
                for (var n = 0; n < batch.Count; n++)
                {
                    var item = batch[n];
                    if (skips[n] is not { } skip)
                    {
                        movedItems.Add(item);
                        continue;
                    }
                    db.TransferItems.Attach(item);
                    item.Status = TransferItemStatus.Skipped;
                    item.SkipReason = skip;
                    item.Version++;
                    skipped++;
                }
                await db.SaveChangesAsync(ct);
                await StoreMovedAsync(movedItems, versions, ct);
                await tx.CommitAsync(ct);
                moved += movedItems.Count;
            }
            timeline.Publish();
            outbox.Notify();
            LogBatch(logger, planId, batch.Count);
        }

        var wecom = await RequestWeComAsync(planId, ct);
        db.ChangeTracker.Clear();
        plan = await db.TransferPlans.SingleAsync(p => p.Id == planId, ct);
        var remaining = await db.TransferItems.CountAsync(i => i.PlanId == planId && i.Status == TransferItemStatus.Approved, ct);
        if (remaining == 0 && plan.Status == TransferPlanStatus.Executing)
        {
            plan.Status = TransferPlanStatus.Executed;
            plan.ExecutedAt = clock.GetUtcNow();
            plan.Version++;
            await db.SaveChangesAsync(ct);
        }
        return new ExecutionReport(moved, skipped, wecom.Requested, wecom.Skipped, remaining);
    }

    /// <summary>
    /// The moved items' new state in one statement instead of one UPDATE per item; an item whose version moved on
    /// since it was read (changed by someone else) fails the batch as EF's concurrency check would.
    /// </summary>
    private async Task StoreMovedAsync(List<TransferItem> items, Dictionary<long, int> versions, CancellationToken ct)
    {
        var updated = await RowUpdates.ExecuteAsync<TransferItem>(db,
            [nameof(TransferItem.Status), nameof(TransferItem.MovedAt), nameof(TransferItem.Version), nameof(TransferItem.WeComState),
             nameof(TransferItem.WeComHandoverUserId), nameof(TransferItem.WeComTakeoverUserId)],
            items.Select(i => new RowUpdate(i.Id, versions[i.Id], [i.Status, i.MovedAt, i.Version, i.WeComState, i.WeComHandoverUserId, i.WeComTakeoverUserId])), ct);
        if (updated != items.Count) throw new DbUpdateConcurrencyException("a transfer item changed while its batch was executed; the batch is rolled back and can be executed again");
    }

    /// <summary>Asks WeCom to transfer pending relationships (all plans when planId is null), at most 100 customers per call.</summary>
    public async Task<(int Requested, int Skipped)> RequestWeComAsync(long? planId, CancellationToken ct)
    {
        var transfers = services.GetService<WeComTransfers>();
        var o = options.Value;
        db.ChangeTracker.Clear();
        // Read untracked and attached a chunk at a time: with a hundred thousand tracked items every save of a
        // chunk would compare all of them.
        var pending = await db.TransferItems.AsNoTracking().Where(i => i.WeComState == WeComTransferState.Pending && (planId == null || i.PlanId == planId))
            .OrderBy(i => i.Id).ToListAsync(ct);
        if (pending.Count == 0 || transfers is null) return (0, 0);
        var externalIds = await ExternalIdsAsync(pending, ct);
        int requested = 0, skippedCount = 0;
        var used = await db.TransferItems.Where(i => i.WeComTakeoverUserId != null && (i.WeComState == WeComTransferState.Requested || i.WeComState == WeComTransferState.TakenOver))
            .GroupBy(i => i.WeComTakeoverUserId!).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        foreach (var group in pending.Where(i => i.WeComHandoverUserId is not null && externalIds.ContainsKey(i.ClientId)).GroupBy(i => (i.Direction, i.WeComHandoverUserId!)))
        {
            var queue = new Queue<TransferItem>(group);
            while (queue.Count > 0)
            {
                var (direction, handover) = group.Key;
                string? takeover;
                List<TransferItem> chunk;
                if (direction == TransferDirection.ToOfficer)
                {
                    var excluded = queue.Peek().WeComNote;
                    var account = o.OfficerWeComAccounts
                        .Where(a => excluded is null || !excluded.Contains(a.UserId, StringComparison.Ordinal))
                        .Select(a => (a.UserId, Room: a.Capacity - used.GetValueOrDefault(a.UserId)))
                        .Where(a => a.Room > 0)
                        .OrderByDescending(a => a.Room)
                        .FirstOrDefault();
                    if (account.UserId is null)
                    {
                        foreach (var i in queue)
                        {
                            db.TransferItems.Attach(i);
                            Note(i, "no service-officer WeCom account has room");
                        }
                        break;
                    }
                    takeover = account.UserId;
                    chunk = Take(queue, Math.Min(account.Room, WeComTransfers.MaxCustomersPerCall));
                }
                else
                {
                    takeover = queue.Peek().WeComTakeoverUserId;
                    chunk = Take(queue, WeComTransfers.MaxCustomersPerCall);
                }
                var outcomes = await transfers.TransferAsync(o.WeComApp, handover, takeover!, chunk.Select(i => externalIds[i.ClientId]).ToList(),
                    direction == TransferDirection.ToOfficer ? o.WeComSuccessMessage : null, ct);
                var started = new List<long>(chunk.Count);
                foreach (var (item, outcome) in chunk.Zip(outcomes))
                {
                    if (outcome.Outcome is TransferStartOutcome.Started or TransferStartOutcome.AlreadyTransferring)
                    {
                        started.Add(item.Id);
                        used[takeover!] = used.GetValueOrDefault(takeover!) + 1;
                        requested++;
                        continue;
                    }
                    db.TransferItems.Attach(item);
                    item.WeComTakeoverUserId = takeover;
                    item.Version++;
                    switch (outcome.Outcome)
                    {
                        case TransferStartOutcome.TooFrequent:
                            item.WeComState = WeComTransferState.TooFrequent;
                            item.WeComNote = "WeCom allows 2 transfers per customer in 90 days; skipped";
                            skippedCount++;
                            break;
                        case TransferStartOutcome.RetryLater:
                            Note(item, "WeCom asked to retry later");
                            break;
                        default:
                            item.WeComState = WeComTransferState.Failed;
                            item.WeComNote = $"WeCom error {outcome.ErrCode} ({outcome.Outcome})";
                            skippedCount++;
                            break;
                    }
                }
                if (started.Count > 0)
                {
                    // The usual outcome, the same for the whole chunk: one statement instead of one UPDATE per item.
                    var at = clock.GetUtcNow();
                    await db.TransferItems.Where(i => started.Contains(i.Id) && i.WeComState == WeComTransferState.Pending)
                        .ExecuteUpdateAsync(u => u
                            .SetProperty(i => i.WeComState, WeComTransferState.Requested)
                            .SetProperty(i => i.WeComTakeoverUserId, takeover)
                            .SetProperty(i => i.WeComRequestedAt, at)
                            .SetProperty(i => i.Version, i => i.Version + 1), ct);
                }
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
        await db.SaveChangesAsync(ct);
        return (requested, skippedCount);
    }

    /// <summary>Reads transfer_result for requested relationships and settles them; capacity refusals go to another account.</summary>
    public async Task<ReconcileReport> ReconcileAsync(CancellationToken ct)
    {
        var transfers = services.GetService<WeComTransfers>();
        if (transfers is null) return new ReconcileReport(0, 0, 0, 0);
        db.ChangeTracker.Clear();
        var requested = await db.TransferItems.Where(i => i.WeComState == WeComTransferState.Requested).ToListAsync(ct);
        var externalIds = await ExternalIdsAsync(requested, ct);
        int taken = 0, refused = 0, retried = 0, waiting = 0;
        foreach (var group in requested.GroupBy(i => (i.WeComHandoverUserId!, i.WeComTakeoverUserId!)))
        {
            var statuses = (await transfers.ResultsAsync(options.Value.WeComApp, group.Key.Item1, group.Key.Item2, resigned: false, ct))
                .ToDictionary(s => s.ExternalUserId, StringComparer.Ordinal);
            foreach (var item in group)
            {
                if (!externalIds.TryGetValue(item.ClientId, out var ext) || !statuses.TryGetValue(ext, out var status))
                {
                    waiting++;
                    continue;
                }
                item.Version++;
                switch (status.Status)
                {
                    case WeComTransferStatus.TakenOver:
                        item.WeComState = WeComTransferState.TakenOver;
                        taken++;
                        break;
                    case WeComTransferStatus.Refused:
                        item.WeComState = WeComTransferState.Refused;
                        item.WeComNote = "the client refused the WeCom transfer; the manager keeps the WeCom relationship";
                        await NotifyDigitalOpsAsync(item, ct);
                        refused++;
                        break;
                    case WeComTransferStatus.TakeoverAtCapacity:
                        item.WeComState = WeComTransferState.Pending;
                        item.WeComNote = $"at capacity: {item.WeComTakeoverUserId}";
                        retried++;
                        break;
                    default:
                        waiting++;
                        break;
                }
            }
        }
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
        if (retried > 0) await RequestWeComAsync(null, ct);
        return new ReconcileReport(taken, refused, retried, waiting);
    }

    private async Task NotifyDigitalOpsAsync(TransferItem item, CancellationToken ct)
    {
        var clientNo = await db.Clients.Where(c => c.Id == item.ClientId).Select(c => c.ClientNo).SingleAsync(ct);
        foreach (var id in await db.Staff.Where(s => s.Role == StaffRole.DigitalOps && s.IsActive).Select(s => s.Id).ToListAsync(ct))
        {
            notifier.Add(id, NotificationKind.DutyTask, $"客户 {clientNo} 拒绝了企业微信转接，仍由原客户经理联系", item.PlanId is { } p ? $"/transfers/{p}" : "/transfers", item.ClientId);
        }
        live.Publish(new TimelineAppended(item.ClientId, 0, null));
    }

    private async Task<Dictionary<long, string>> ExternalIdsAsync(List<TransferItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.ClientId).Distinct().ToList();
        var map = new Dictionary<long, string>();
        foreach (var chunk in ids.Chunk(1000))
        {
            var rows = await db.Clients.AsNoTracking().Where(c => chunk.Contains(c.Id) && c.WeComExternalUserId != null)
                .Select(c => new { c.Id, c.WeComExternalUserId }).ToListAsync(ct);
            foreach (var r in rows) map[r.Id] = r.WeComExternalUserId!;
        }
        return map;
    }

    private static List<TransferItem> Take(Queue<TransferItem> queue, int count)
    {
        var list = new List<TransferItem>(count);
        while (list.Count < count && queue.Count > 0) list.Add(queue.Dequeue());
        return list;
    }

    private static void Note(TransferItem item, string note)
    {
        item.WeComNote = note;
        item.Version++;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Transfer plan {PlanId}: executed a batch of {Count} item(s)")]
    private static partial void LogBatch(ILogger logger, long planId, int count);
}

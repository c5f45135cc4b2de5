using CoServe.Data;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

/// <summary>
/// Runs the service officer for queued client messages. Woken at once by <see cref="OfficerSignal"/> and
/// polling every second as a safety net, so messages stored before a crash are answered after the restart.
/// A failing item is retried a few times, then parked as failed and handed to a human by the operators' view.
/// </summary>
public sealed partial class OfficerWorker(IServiceScopeFactory scopes, OfficerSignal signal, ILogger<OfficerWorker> logger)
    : SignalledWorker(signal, TimeSpan.FromSeconds(1), logger)
{
    private const int MaxAttempts = 3;

    protected override Task<int> RunOnceAsync(CancellationToken ct) => DrainAsync(ct);

    /// <summary><see cref="DrainAsync"/> returns only when it took everything it saw queued; what came after set the signal.</summary>
    protected override bool MayHaveMore(int handled) => false;

    /// <summary>Work items answered in one unit of work (one per conversation, so each sees the previous answer).</summary>
    public const int BatchSize = 50;

    /// <summary>The oldest unanswered work items, translated once (see HotQuery).</summary>
    private static readonly HotQuery<int, Queued> QueuedQuery = new((db, take) => db.OfficerWorkItems.AsNoTracking()
        .Where(w => w.ProcessedAt == null && w.Attempts < MaxAttempts).OrderBy(w => w.Id).Select(w => new Queued(w.Id, w.ConversationId)).Take(take));
    private sealed record Queued(long Id, long ConversationId);

    /// <summary>Processes what is queued now, oldest first, in batches. Public for tests and tools.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var processed = 0;
        while (true)
        {
            List<(long Id, long ConversationId)> queued;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
                queued = (await QueuedQuery.ListAsync(db, BatchSize * 2, ct)).ConvertAll(w => (w.Id, w.ConversationId));
            }
            if (queued.Count == 0) return processed;
            // The oldest item of each conversation; a conversation's next message waits for the next round.
            var batch = queued.DistinctBy(w => w.ConversationId).Take(BatchSize).Select(w => w.Id).ToList();
            await ProcessAsync(batch, ct);
            processed += batch.Count;
            // Everything seen was answered and the read was not cut short: what was queued since then set the signal,
            // so there is no need for another (empty) read here.
            if (batch.Count == queued.Count && queued.Count < BatchSize * 2) return processed;
        }
    }

    /// <summary>
    /// One batch; when it fails as a whole (a takeover raced it, one bad item), each item alone. A single item goes
    /// straight to the item path, so that its failure is counted against its attempts like any other.
    /// </summary>
    private async Task ProcessAsync(List<long> batch, CancellationToken ct)
    {
        if (batch.Count > 1)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RespondAsOfficer>().ProcessBatchAsync(batch, ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBatchFailed(logger, batch.Count, ex);
            }
        }
        foreach (var id in batch)
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<RespondAsOfficer>().ProcessAsync(id, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogItemFailed(logger, id, ex);
                await using var retry = scopes.CreateAsyncScope();
                var db = retry.ServiceProvider.GetRequiredService<CoServeDb>();
                var item = await db.OfficerWorkItems.SingleAsync(w => w.Id == id, ct);
                item.Failed();
                await db.SaveChangesAsync(ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} officer work items failed; answering them one by one")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Officer work item {WorkItemId} failed")]
    private static partial void LogItemFailed(ILogger logger, long workItemId, Exception ex);
}

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

    /// <summary>Processes what is queued now, oldest first. Public for tests and tools.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        List<long> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            ids = await db.OfficerWorkItems.AsNoTracking()
                .Where(w => w.ProcessedAt == null && w.Attempts < MaxAttempts)
                .OrderBy(w => w.Id)
                .Select(w => w.Id)
                .Take(100)
                .ToListAsync(ct);
        }
        foreach (var id in ids)
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
        return ids.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Officer work item {WorkItemId} failed")]
    private static partial void LogItemFailed(ILogger logger, long workItemId, Exception ex);
}

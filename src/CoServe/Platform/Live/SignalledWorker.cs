namespace CoServe.Platform.Live;

/// <summary>
/// The loop every queue worker shares: run once; unless the pass says more may be waiting, sleep until the signal
/// (a commit that queued work) or the poll interval (work queued before a crash, or by another node); log and back
/// off on a failure; stop quietly on shutdown. Subclasses implement <see cref="RunOnceAsync"/>, and
/// <see cref="MayHaveMore"/> when a pass reads a bounded batch.
/// </summary>
public abstract partial class SignalledWorker(WorkSignal signal, TimeSpan poll, ILogger logger) : BackgroundService
{
    /// <summary>Does the work that is due now; returns how many items it handled (0 = sleep).</summary>
    protected abstract Task<int> RunOnceAsync(CancellationToken ct);

    /// <summary>
    /// Whether to run again at once after a pass that handled <paramref name="handled"/> items; by default after any
    /// work. A worker that reads a bounded batch answers "only after a full one": work committed during the pass has
    /// already set the signal (it latches), so the wait ends at once, and a partial pass saves the empty read that
    /// would follow it (at 1,000 messages/s, one in two outbox passes was such a read).
    /// </summary>
    protected virtual bool MayHaveMore(int handled) => handled > 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!MayHaveMore(await RunOnceAsync(stoppingToken))) await signal.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, GetType().Name, ex);
                await Task.Delay(poll, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Worker} loop failed")]
    private static partial void LogLoopFailed(ILogger logger, string worker, Exception ex);
}

/// <summary>Exponential backoff with ±20% jitter, capped at five minutes, for deliveries that will be retried.</summary>
public static class RetryBackoff
{
    public static TimeSpan After(int exponent) =>
        TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, exponent)) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
}

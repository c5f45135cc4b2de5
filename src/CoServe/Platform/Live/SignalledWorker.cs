namespace CoServe.Platform.Live;

/// <summary>
/// The loop every queue worker shares: run once; if there was nothing to do, sleep until the signal (a commit
/// that queued work) or the poll interval (work queued before a crash, or by another node); log and back off on
/// a failure; stop quietly on shutdown. Subclasses implement <see cref="RunOnceAsync"/> only.
/// </summary>
public abstract partial class SignalledWorker(WorkSignal signal, TimeSpan poll, ILogger logger) : BackgroundService
{
    /// <summary>Does the work that is due now; returns how many items it handled (0 = sleep).</summary>
    protected abstract Task<int> RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) == 0) await signal.WaitAsync(poll, stoppingToken);
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

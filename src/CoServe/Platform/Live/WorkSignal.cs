namespace CoServe.Platform.Live;

/// <summary>
/// Wakes a background worker as soon as there is work, instead of waiting for its next poll. Signals may be
/// coalesced or lost; workers still poll, so a lost signal only delays work.
/// </summary>
public class WorkSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_semaphore.CurrentCount == 0) _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public virtual Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _semaphore.WaitAsync(timeout, ct);

    public void Dispose()
    {
        _semaphore.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The service officer has messages to answer.</summary>
public sealed class OfficerSignal : WorkSignal;

/// <summary>The outbox has messages to deliver.</summary>
public sealed class OutboxSignal : WorkSignal;

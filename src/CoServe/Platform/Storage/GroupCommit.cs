using System.Collections.Concurrent;

namespace CoServe.Platform.Storage;

/// <summary>
/// Group commit: many callers each need a small write, and one transaction for all that are waiting costs about as
/// much as one for a single item. Every caller queues its item; one writer at a time (a thread-pool work item started
/// by the first caller that finds none running) writes everything queued so far (up to the batch size) with one call
/// of the batch writer, answers every caller in it, and goes on while items are waiting. Callers only wait for their
/// own answer. Before each batch the writer lets the work already queued on the thread pool run once, so callers
/// arriving at the same moment (under load, the requests whose bytes have already arrived) join the batch instead of
/// each paying for a commit of their own; an idle process pays that one hand-off and nothing else.
/// </summary>
/// <remarks>
/// The batch writer gets the items in arrival order and returns one result per item, in the same order; it must
/// write all or nothing. When a batch fails, each of its items is written alone, so a bad item fails only its own
/// caller. Callers' cancellation does not stop a batch (it answers other callers too); a cancelled caller stops
/// waiting, and its item may still be written.
/// </remarks>
public sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> writeBatch, int maxBatch) : IDisposable
{
    private readonly ConcurrentQueue<Pending> _queue = new();

    /// <summary>1 while a writer runs; it runs until it finds the queue empty after giving this up.</summary>
    private int _writing;

    /// <summary>Raised when a batch failed and its items are written one by one (the argument is the batch size).</summary>
    public event Action<int, Exception>? BatchSplit;

    public Task<TResult> SubmitAsync(TItem item, CancellationToken ct)
    {
        var mine = new Pending(item);
        _queue.Enqueue(mine);
        StartWriter();
        return ct.CanBeCanceled ? mine.Done.Task.WaitAsync(ct) : mine.Done.Task;
    }

    public void Dispose()
    {
        // Nothing to release: the writer ends by itself when the queue is empty.
    }

    private void StartWriter()
    {
        // On the thread pool, whatever context the caller has: the caller's item is answered through its task, and
        // the callers already queued on the thread pool reach the queue before the first batch is taken.
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) _ = Task.Run(WriteQueuedAsync);
    }

    /// <summary>Writes batches while items are queued. Never throws: each batch's failure goes to its callers.</summary>
    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            while (Take() is { Count: > 0 } batch)
            {
                try
                {
                    await WriteAsync(batch);
                }
                catch (Exception ex)
                {
                    // Only a BatchSplit handler can throw here; the callers still get an answer.
                    foreach (var p in batch) p.Done.TrySetException(ex);
                }
                if (_queue.Count < maxBatch) await Task.Yield();
            }
            Volatile.Write(ref _writing, 0);
            // An item queued after the last Take but before the flag was cleared found a writer running: write it.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
        }
    }

    private List<Pending> Take()
    {
        var batch = new List<Pending>(Math.Min(maxBatch, Math.Max(1, _queue.Count)));
        while (batch.Count < maxBatch && _queue.TryDequeue(out var p)) batch.Add(p);
        return batch;
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            Complete(batch, await writeBatch(batch.ConvertAll(p => p.Item)));
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            BatchSplit?.Invoke(batch.Count, ex);
            foreach (var p in batch)
            {
                try
                {
                    Complete([p], await writeBatch([p.Item]));
                }
                catch (Exception single)
                {
                    p.Done.TrySetException(single);
                }
            }
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
        }
    }

    private static void Complete(List<Pending> batch, IReadOnlyList<TResult> results)
    {
        if (results.Count != batch.Count) throw new InvalidOperationException($"the batch writer answered {results.Count} results for {batch.Count} items");
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;
        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

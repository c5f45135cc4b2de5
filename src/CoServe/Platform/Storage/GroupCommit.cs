using System.Collections.Concurrent;

namespace CoServe.Platform.Storage;

/// <summary>
/// Group commit: many callers each need a small write, and one transaction for all that are waiting costs about as
/// much as one for a single item. Every caller queues its item and then takes its turn as the writer; the writer
/// writes everything queued so far (up to the batch size) with one call of the batch writer and answers every caller
/// in it, so under load one commit serves hundreds of items while a lone item is written at once. No background
/// thread: whoever waits for an item is the one who makes sure it gets written.
/// </summary>
/// <remarks>
/// The batch writer gets the items in arrival order and returns one result per item, in the same order; it must
/// write all or nothing. When a batch fails, each of its items is written alone, so a bad item fails only its own
/// caller. Callers' cancellation does not stop a batch (it answers other callers too).
/// </remarks>
public sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> writeBatch, int maxBatch) : IDisposable
{
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>Raised when a batch failed and its items are written one by one (the argument is the batch size).</summary>
    public event Action<int, Exception>? BatchSplit;

    public async Task<TResult> SubmitAsync(TItem item, CancellationToken ct)
    {
        var mine = new Pending(item);
        _queue.Enqueue(mine);
        while (!mine.Done.Task.IsCompleted)
        {
            await _writer.WaitAsync(ct);
            try
            {
                // Another writer may have written this item while we waited for the turn.
                while (!mine.Done.Task.IsCompleted && Take() is { Count: > 0 } batch) await WriteAsync(batch);
            }
            finally
            {
                _writer.Release();
            }
        }
        return await mine.Done.Task;
    }

    public void Dispose() => _writer.Dispose();

    private List<Pending> Take()
    {
        var batch = new List<Pending>();
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

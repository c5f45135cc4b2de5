using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

/// <summary>A verified, decrypted, de-duplicated callback waiting for the worker.</summary>
public sealed record WeComCallbackWork(string App, WeComCallbackMessage Message, DateTimeOffset ReceivedAt)
{
    /// <summary>The stored queue's row id (0 for the in-memory queue), so Complete finds the row.</summary>
    public long StoreId { get; init; }

    /// <summary>The de-duplication key the receiver claimed for this callback.</summary>
    public string? Key { get; init; }
}

public enum WeComEnqueueResult
{
    Queued = 1,
    /// <summary>The same callback was queued within the de-duplication window: answered 200, not queued again.</summary>
    Duplicate = 2,
    /// <summary>The queue is full: the endpoint answers 503 and WeCom retries.</summary>
    Full = 3,
}

/// <summary>
/// Between the callback endpoint (which must answer WeCom within seconds) and the worker. The queue also
/// de-duplicates: only it can tell, atomically with the enqueue, whether a callback's key is new. The in-memory
/// implementation is a bounded channel behind an in-memory key set; the stored one is an inbox table whose
/// unique key is the de-duplication key.
/// </summary>
public interface IWeComCallbackQueue
{
    ValueTask<WeComEnqueueResult> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct);

    /// <summary>Queued callbacks in batches, oldest first; each batch is completed when its callbacks are handled.</summary>
    IAsyncEnumerable<IReadOnlyList<WeComCallbackWork>> ReadBatchesAsync(CancellationToken ct);

    ValueTask CompleteAsync(IReadOnlyList<WeComCallbackWork> done, CancellationToken ct);
}

internal sealed class InMemoryCallbackQueue(IOptions<WeComOptions> options) : IWeComCallbackQueue
{
    private const int MaxBatch = 64;
    private readonly InMemoryCallbackDeduplication _dedup = new(options.Value.DeduplicationWindowSeconds);
    private readonly Channel<WeComCallbackWork> _channel = Channel.CreateBounded<WeComCallbackWork>(
        new BoundedChannelOptions(options.Value.CallbackQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public int Count => _channel.Reader.Count;

    public ValueTask<WeComEnqueueResult> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var key = work.Key ?? work.Message.DeduplicationKey(work.App);
        if (!_dedup.TryClaim(key, work.ReceivedAt)) return ValueTask.FromResult(WeComEnqueueResult.Duplicate);
        if (_channel.Writer.TryWrite(work)) return ValueTask.FromResult(WeComEnqueueResult.Queued);
        // Not queued, so not seen: WeCom's retry must be accepted.
        _dedup.Release(key);
        return ValueTask.FromResult(WeComEnqueueResult.Full);
    }

    public async IAsyncEnumerable<IReadOnlyList<WeComCallbackWork>> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        while (await _channel.Reader.WaitToReadAsync(ct))
        {
            var batch = new List<WeComCallbackWork>(Math.Min(MaxBatch, _channel.Reader.Count));
            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var work)) batch.Add(work);
            if (batch.Count > 0) yield return batch;
        }
    }

    public ValueTask CompleteAsync(IReadOnlyList<WeComCallbackWork> done, CancellationToken ct) => ValueTask.CompletedTask;
}

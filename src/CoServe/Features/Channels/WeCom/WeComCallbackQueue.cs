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

/// <summary>
/// Between the callback endpoint (which must answer WeCom within seconds) and the worker. The in-memory
/// implementation is a bounded channel; an outbox table can replace it: TryEnqueue inserts the row in the
/// transaction that claims the de-duplication key, ReadAllAsync polls pending rows, Complete marks one done.
/// </summary>
public interface IWeComCallbackQueue
{
    /// <summary>False when the queue is full: the endpoint then answers 503 and WeCom retries.</summary>
    ValueTask<bool> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct);

    IAsyncEnumerable<WeComCallbackWork> ReadAllAsync(CancellationToken ct);

    ValueTask CompleteAsync(WeComCallbackWork work, CancellationToken ct);
}

internal sealed class InMemoryCallbackQueue(IOptions<WeComOptions> options) : IWeComCallbackQueue
{
    private readonly Channel<WeComCallbackWork> _channel = Channel.CreateBounded<WeComCallbackWork>(
        new BoundedChannelOptions(options.Value.CallbackQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public int Count => _channel.Reader.Count;

    public ValueTask<bool> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct) => ValueTask.FromResult(_channel.Writer.TryWrite(work));

    public IAsyncEnumerable<WeComCallbackWork> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);

    public ValueTask CompleteAsync(WeComCallbackWork work, CancellationToken ct) => ValueTask.CompletedTask;
}

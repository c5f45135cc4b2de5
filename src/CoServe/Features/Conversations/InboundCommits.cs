using System.Collections.Concurrent;
using CoServe.Data;
using CoServe.Features.Channels;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

/// <summary>
/// Group commit for inbound client messages. Every caller queues its message and then takes its turn as the
/// writer: the writer stores everything queued so far (up to <see cref="MaxBatch"/>) in one transaction and answers
/// every caller in it, so under load one commit serves hundreds of messages while a lone message is written at
/// once. No background thread: whoever waits for a message is the one who makes sure it gets written.
/// </summary>
public sealed partial class InboundCommits(IServiceScopeFactory scopes, ILogger<InboundCommits> logger) : IDisposable
{
    /// <summary>Messages per transaction at most (one SQLite statement batch of a few hundred rows).</summary>
    public const int MaxBatch = 256;

    private const int MaxAttempts = 5;
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task<InboundResult> SubmitAsync(InboundClientMessage message, CancellationToken ct)
    {
        var mine = new Pending(message);
        _queue.Enqueue(mine);
        while (!mine.Done.Task.IsCompleted)
        {
            await _writer.WaitAsync(ct);
            try
            {
                // Another writer may have stored this message while we waited for the turn.
                while (!mine.Done.Task.IsCompleted && Take() is { Count: > 0 } batch) await WriteAsync(batch);
            }
            finally
            {
                _writer.Release();
            }
        }
        return await mine.Done.Task;
    }

    private List<Pending> Take()
    {
        var batch = new List<Pending>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var p)) batch.Add(p);
        return batch;
    }

    /// <summary>
    /// Writes a batch; callers' cancellation does not apply (the batch answers other callers too). When the batch as a
    /// whole fails for anything but a race, each message is written alone so one bad message fails only its caller.
    /// </summary>
    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            await WriteWithRetriesAsync(batch);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchSplit(logger, batch.Count, ex);
            foreach (var p in batch)
            {
                try
                {
                    await WriteWithRetriesAsync([p]);
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

    private async Task WriteWithRetriesAsync(List<Pending> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                var results = await scope.ServiceProvider.GetRequiredService<InboundBatch>().StoreAsync(batch.Select(p => p.Message).ToList(), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
                return;
            }
            catch (DbUpdateException ex) when (attempt < MaxAttempts && (ex is DbUpdateConcurrencyException || DbErrors.IsUniqueViolation(ex)))
            {
                // A staff member changed a conversation meanwhile, or another node stored one of these messages:
                // start again from a clean unit of work; the idempotency check then settles duplicates.
            }
        }
    }

    public void Dispose() => _writer.Dispose();

    private sealed class Pending(InboundClientMessage message)
    {
        public InboundClientMessage Message { get; } = message;
        public TaskCompletionSource<InboundResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} inbound messages failed; writing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, Exception ex);
}

using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

/// <summary>
/// Inbound client messages are stored by group commit (<see cref="GroupCommit{TItem, TResult}"/>): everything that
/// arrives at the same moment goes into one <see cref="InboundBatch"/> transaction, each in a fresh unit of work.
/// </summary>
public sealed partial class InboundCommits : IDisposable
{
    /// <summary>Messages per transaction at most (one SQLite statement batch of a few hundred rows).</summary>
    public const int MaxBatch = 256;

    private const int MaxAttempts = 5;
    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommit<InboundClientMessage, InboundResult> _commits;

    public InboundCommits(IServiceScopeFactory scopes, ILogger<InboundCommits> logger)
    {
        _scopes = scopes;
        _commits = new GroupCommit<InboundClientMessage, InboundResult>(WriteAsync, MaxBatch);
        _commits.BatchSplit += (count, ex) => LogBatchSplit(logger, count, ex);
    }

    public Task<InboundResult> SubmitAsync(InboundClientMessage message, CancellationToken ct) => _commits.SubmitAsync(message, ct);

    public void Dispose() => _commits.Dispose();

    private async Task<IReadOnlyList<InboundResult>> WriteAsync(IReadOnlyList<InboundClientMessage> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = _scopes.CreateAsyncScope();
            try
            {
                return await scope.ServiceProvider.GetRequiredService<InboundBatch>().StoreAsync(batch, CancellationToken.None);
            }
            catch (DbUpdateException ex) when (attempt < MaxAttempts && (ex is DbUpdateConcurrencyException || DbErrors.IsUniqueViolation(ex)))
            {
                // A staff member changed a conversation meanwhile, or another node stored one of these messages:
                // start again from a clean unit of work; the idempotency check then settles duplicates.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} inbound messages failed; writing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, Exception ex);
}

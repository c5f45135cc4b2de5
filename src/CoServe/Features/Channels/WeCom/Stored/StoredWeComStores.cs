using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CoServe.Data;
using CoServe.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Stored;

/// <summary>
/// The callback de-duplication and queue in one table. The receiver's claim only reads; the enqueue inserts
/// the row whose unique key is the de-duplication key, and only then does WeCom get its 200. So a crash
/// before the insert leaves nothing claimed (WeCom's retry is accepted), a crash after it leaves the
/// callback pending for the next worker, and two racing retries insert one row. Workers claim rows with a
/// lease: a worker that dies mid-callback gives it back when the lease runs out.
/// </summary>
public sealed class StoredWeComCallbackInbox(IDbContextFactory<CoServeDb> dbFactory, IOptions<WeComOptions> options, TimeProvider clock)
    : IWeComCallbackDeduplication, IWeComCallbackQueue, IDisposable
{
    private const int ClaimBatch = 32;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private long _nextPurgeTicks;

    public async ValueTask<bool> TryClaimAsync(string key, DateTimeOffset now, CancellationToken ct)
    {
        var hash = Hash(key);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return !await db.WeComInbox.AsNoTracking().AnyAsync(x => x.KeyHash == hash && x.ExpiresAt > now, ct);
    }

    /// <summary>Nothing was written by the claim, so there is nothing to give back.</summary>
    public ValueTask ReleaseAsync(string key, CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>Callbacks arriving together are inserted in one transaction (group commit), one per caller otherwise.</summary>
    private readonly GroupCommit<WeComInboxEntry, bool> _inserts = new(entries => InsertAsync(dbFactory, entries), 256);

    public async ValueTask<bool> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var key = work.Key ?? work.Message.DeduplicationKey(work.App);
        var payload = JsonSerializer.Serialize(work.Message);
        var expires = work.ReceivedAt.AddSeconds(options.Value.DeduplicationWindowSeconds);
        await _inserts.SubmitAsync(new WeComInboxEntry(Hash(key), work.App, payload, work.ReceivedAt, expires), ct);
        // One pending wake-up is enough: the worker claims everything waiting when it wakes.
        if (_signal.CurrentCount == 0) _signal.Release();
        return true;
    }

    /// <summary>
    /// Inserts a batch of callbacks. A row whose window ended is a finished callback: its key may be used again. A
    /// key already queued (a retry of a callback that is still remembered, here or earlier in the batch) is not
    /// inserted twice, and its caller may still acknowledge: the callback is queued once.
    /// </summary>
    private static async Task<IReadOnlyList<bool>> InsertAsync(IDbContextFactory<CoServeDb> dbFactory, IReadOnlyList<WeComInboxEntry> entries)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await using var tx = await db.Database.BeginTransactionAsync();
            var hashes = entries.Select(e => e.KeyHash).Distinct().ToList();
            var existing = await db.WeComInbox.Where(x => hashes.Contains(x.KeyHash)).ToListAsync();
            var firstArrival = entries.GroupBy(e => e.KeyHash).ToDictionary(g => g.Key, g => g.Min(e => e.ReceivedAt));
            var finished = existing.Where(x => x.State == WeComInboxState.Done && x.ExpiresAt <= firstArrival[x.KeyHash]).ToList();
            db.WeComInbox.RemoveRange(finished);
            var taken = existing.Except(finished).Select(x => x.KeyHash).ToHashSet();
            foreach (var e in entries)
            {
                // A fresh row per attempt: a failed attempt leaves nothing behind in these objects' state.
                if (taken.Add(e.KeyHash)) db.WeComInbox.Add(new WeComInboxEntry(e.KeyHash, e.App, e.Payload ?? "", e.ReceivedAt, e.ExpiresAt));
            }
            try
            {
                await db.SaveChangesAsync();
                await tx.CommitAsync();
                return entries.Select(_ => true).ToList();
            }
            catch (DbUpdateException ex) when (attempt < 3 && DbErrors.IsUniqueViolation(ex))
            {
                // Another node queued one of these keys meanwhile: read again; that row now counts as queued.
            }
        }
    }

    public async IAsyncEnumerable<WeComCallbackWork> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.CallbackPollMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            var claimed = await ClaimAsync(ClaimBatch, ct);
            foreach (var work in claimed) yield return work;
            if (claimed.Count == 0)
            {
                await PurgeExpiredAsync(ct);
                await _signal.WaitAsync(poll, ct);
            }
        }
    }

    /// <summary>Claims up to <paramref name="max"/> pending callbacks whose lease is free, oldest first.</summary>
    public async Task<IReadOnlyList<WeComCallbackWork>> ClaimAsync(int max, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lease = now.AddSeconds(options.Value.CallbackLeaseSeconds);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.WeComInbox.AsNoTracking()
            .Where(x => x.State == WeComInboxState.Pending && (x.LeaseUntil == null || x.LeaseUntil <= now))
            .OrderBy(x => x.Id).Take(max)
            .Select(x => new { x.Id, x.App, x.Payload, x.ReceivedAt, x.LeaseUntil })
            .ToListAsync(ct);
        var claimed = new List<WeComCallbackWork>(candidates.Count);
        foreach (var c in candidates)
        {
            // The conditional update is the claim: of two workers reading the same row, one changes it.
            var rows = await db.WeComInbox
                .Where(x => x.Id == c.Id && x.State == WeComInboxState.Pending && x.LeaseUntil == c.LeaseUntil)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseUntil, lease).SetProperty(x => x.Attempts, x => x.Attempts + 1), ct);
            if (rows == 0 || c.Payload is null) continue;
            var message = JsonSerializer.Deserialize<WeComCallbackMessage>(c.Payload)!;
            claimed.Add(new WeComCallbackWork(c.App, message, c.ReceivedAt) { StoreId = c.Id });
        }
        return claimed;
    }

    public async ValueTask CompleteAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.WeComInbox.Where(x => x.Id == work.StoreId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, WeComInboxState.Done).SetProperty(x => x.ProcessedAt, now)
                .SetProperty(x => x.Payload, (string?)null).SetProperty(x => x.LeaseUntil, (DateTimeOffset?)null), ct);
    }

    /// <summary>Callbacks still waiting or held by a worker.</summary>
    public async Task<int> PendingAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WeComInbox.CountAsync(x => x.State == WeComInboxState.Pending, ct);
    }

    private async Task PurgeExpiredAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now.UtcTicks < Interlocked.Read(ref _nextPurgeTicks)) return;
        Interlocked.Exchange(ref _nextPurgeTicks, now.AddMinutes(5).UtcTicks);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.WeComInbox.Where(x => x.State == WeComInboxState.Done && x.ExpiresAt <= now).ExecuteDeleteAsync(ct);
    }

    public void Dispose()
    {
        _signal.Dispose();
        _inserts.Dispose();
    }

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

public sealed class StoredWeComCursorStore(IDbContextFactory<CoServeDb> dbFactory, TimeProvider clock) : IWeComCursorStore
{
    public async ValueTask<string?> GetAsync(string key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WeComCursors.AsNoTracking().Where(x => x.Key == key).Select(x => x.Value).FirstOrDefaultAsync(ct);
    }

    public async ValueTask SetAsync(string key, string? cursor, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (string.IsNullOrEmpty(cursor))
        {
            await db.WeComCursors.Where(x => x.Key == key).ExecuteDeleteAsync(ct);
            return;
        }
        var now = clock.GetUtcNow();
        var updated = await db.WeComCursors.Where(x => x.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Value, cursor).SetProperty(x => x.UpdatedAt, now), ct);
        if (updated > 0) return;
        db.WeComCursors.Add(new WeComCursor { Key = key, Value = cursor, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
            await db.WeComCursors.Where(x => x.Key == key)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Value, cursor).SetProperty(x => x.UpdatedAt, now), ct);
        }
    }
}

/// <summary>
/// Access tokens in the store, with this node's copy in memory so a call costs no query. A token WeCom
/// rejects is removed only if it is still the stored one, so after another node refreshed, this node picks
/// up the new token instead of fetching a third.
/// </summary>
public sealed class StoredWeComAccessTokenStore(IDbContextFactory<CoServeDb> dbFactory) : IWeComAccessTokenStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, WeComAccessToken> _local = new(StringComparer.Ordinal);

    public async ValueTask<WeComAccessToken?> GetAsync(string app, CancellationToken ct)
    {
        if (_local.TryGetValue(app, out var t)) return t;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.WeComAccessTokens.AsNoTracking().FirstOrDefaultAsync(x => x.App == app, ct);
        if (row is null) return null;
        var token = new WeComAccessToken(row.Token, row.ExpiresAt);
        _local[app] = token;
        return token;
    }

    public async ValueTask SetAsync(string app, WeComAccessToken token, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var updated = await db.WeComAccessTokens.Where(x => x.App == app)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Token, token.Token).SetProperty(x => x.ExpiresAt, token.ExpiresAt), ct);
        if (updated == 0)
        {
            db.WeComAccessTokens.Add(new WeComAccessTokenEntry { App = app, Token = token.Token, ExpiresAt = token.ExpiresAt });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                db.ChangeTracker.Clear();
                await db.WeComAccessTokens.Where(x => x.App == app)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Token, token.Token).SetProperty(x => x.ExpiresAt, token.ExpiresAt), ct);
            }
        }
        _local[app] = token;
    }

    public async ValueTask RemoveAsync(string app, string token, CancellationToken ct)
    {
        if (_local.TryGetValue(app, out var current) && current.Token == token)
        {
            _local.TryRemove(new KeyValuePair<string, WeComAccessToken>(app, current));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.WeComAccessTokens.Where(x => x.App == app && x.Token == token).ExecuteDeleteAsync(ct);
    }
}

public sealed class StoredWeComDeliveryLedger(IDbContextFactory<CoServeDb> dbFactory) : IWeComDeliveryLedger
{
    public async ValueTask<string?> FindAsync(string idempotencyKey, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WeComDeliveries.AsNoTracking().Where(x => x.IdempotencyKey == idempotencyKey).Select(x => x.ProviderMessageId).FirstOrDefaultAsync(ct);
    }

    public async ValueTask RecordAsync(string idempotencyKey, string providerMessageId, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.WeComDeliveries.Add(new WeComDelivery { IdempotencyKey = idempotencyKey, ProviderMessageId = providerMessageId, At = at });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Recorded by an earlier attempt: the first msgid stands.
        }
    }
}

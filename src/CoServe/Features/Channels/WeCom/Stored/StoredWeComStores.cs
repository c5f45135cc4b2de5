using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CoServe.Data;
using CoServe.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Stored;

/// <summary>
/// The inbox payload: a callback has a handful of its twenty fields set, so the nulls are left out (most of the
/// payload's text, written and then cleared for every callback), with generated code instead of reflection. Rows written with
/// the nulls read the same.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WeComCallbackMessage))]
internal sealed partial class WeComInboxJson : JsonSerializerContext;

/// <summary>
/// The callback de-duplication and queue in one table. The enqueue inserts the row whose unique key is the
/// de-duplication key, and only then does WeCom get its 200; whether the key was new is answered by that insert
/// itself (a conflicting key inserts nothing), not by a read before it. So a crash before the insert leaves
/// nothing claimed (WeCom's retry is accepted), a crash after it leaves the callback pending for the next worker,
/// and two racing retries insert one row, on one node or several. Workers claim rows with a lease: a worker that
/// dies mid-callback gives it back when the lease runs out.
/// </summary>
/// <remarks>
/// This is the hot path of the callback endpoint, so it is plain parameterised SQL without change tracking: one
/// multi-row insert per group commit, one claiming UPDATE ... RETURNING per batch the worker takes, and one
/// UPDATE per batch it completes, all on one connection the inbox keeps open (they take turns anyway, see below):
/// a DbContext and a pooled connection opened and closed for each statement were at least 4% of the process's CPU
/// in the profile of the stored callback bench, and on SQLite a connection that did not write last finds its page
/// cache stale and reads the pages again. On SQLite every one of these is a write for the single writer; fewer, larger
/// writes are what lets the inserts keep up. They also take turns in this process (one write lane) instead of
/// meeting in SQLite's busy handler, which sleeps 1 to 100 ms per retry: a claim that found the file locked by an
/// insert waited far longer than the insert took, and the callbacks behind it waited with it.
/// </remarks>
public sealed class StoredWeComCallbackInbox : IWeComCallbackQueue, IDisposable
{
    private const int ClaimBatch = 64;
    private const int MaxInsertBatch = 64;
    private const int Pending = (int)WeComInboxState.Pending;
    private const int Done = (int)WeComInboxState.Done;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly SemaphoreSlim _writeLane = new(1, 1);
    private long _nextPurgeTicks;

    /// <summary>The inbox's own connection, used only in its turn in the write lane; null until first used or after a failure.</summary>
    private CoServeDb? _db;

    /// <summary>The prepared insert for each row count, on <see cref="_db"/> (used, like it, only in the write lane).</summary>
    private readonly Dictionary<int, DbCommand> _insertCommands = [];

    /// <summary>The prepared claim, on <see cref="_db"/>; null until first used.</summary>
    private DbCommand? _claimCommand;

    /// <summary>The prepared completion for each batch size, on <see cref="_db"/>.</summary>
    private readonly Dictionary<int, DbCommand> _completeCommands = [];

    private readonly IDbContextFactory<CoServeDb> _dbFactory;
    private readonly IOptions<WeComOptions> _options;
    private readonly TimeProvider _clock;

    /// <summary>Callbacks arriving together are inserted with one statement (group commit), one per caller otherwise.</summary>
    private readonly GroupCommit<WeComInboxEntry, bool> _inserts;

    public StoredWeComCallbackInbox(IDbContextFactory<CoServeDb> dbFactory, IOptions<WeComOptions> options, TimeProvider clock)
    {
        _dbFactory = dbFactory;
        _options = options;
        _clock = clock;
        _inserts = new(InsertAsync, MaxInsertBatch);
    }

    public async ValueTask<WeComEnqueueResult> TryEnqueueAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var key = work.Key ?? work.Message.DeduplicationKey(work.App);
        var payload = JsonSerializer.Serialize(work.Message, WeComInboxJson.Default.WeComCallbackMessage);
        var expires = work.ReceivedAt.AddSeconds(_options.Value.DeduplicationWindowSeconds);
        if (!await _inserts.SubmitAsync(new WeComInboxEntry(Hash(key), work.App, payload, work.ReceivedAt, expires), ct)) return WeComEnqueueResult.Duplicate;
        // One pending wake-up is enough: the worker claims everything waiting when it wakes.
        if (_signal.CurrentCount == 0) _signal.Release();
        return WeComEnqueueResult.Queued;
    }

    /// <summary>
    /// Inserts a batch of callbacks with one statement; true for each entry whose row it wrote, false for a
    /// duplicate. A key already in the table conflicts and inserts nothing, unless its row is a finished callback
    /// whose window ended: then the key may be used again and the row is reset to the new callback. A key that
    /// appears twice in the batch is written for its first arrival only (PostgreSQL refuses to touch one row
    /// twice in a statement). Racing inserts of one key on other connections wait for the first and then conflict.
    /// </summary>
    private async Task<IReadOnlyList<bool>> InsertAsync(IReadOnlyList<WeComInboxEntry> entries)
    {
        var results = new bool[entries.Count];
        var first = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++) first.TryAdd(entries[i].KeyHash, i);

        return await InLaneAsync<IReadOnlyList<bool>>(async db =>
        {
            var (cmd, prepared) = InsertCommand(db, first.Count);
            var parameters = cmd.Parameters;
            var at = 0;
            // Only adds, never removals: the dictionary gives its values in arrival order.
            foreach (var i in first.Values)
            {
                var e = entries[i];
                parameters[at++].Value = e.KeyHash;
                parameters[at++].Value = e.App;
                parameters[at++].Value = e.Payload;
                parameters[at++].Value = Instant(db, e.ReceivedAt);
                parameters[at++].Value = Instant(db, e.ExpiresAt);
            }
            if (!prepared) await cmd.PrepareAsync();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) results[first[reader.GetString(0)]] = true;
            return results;
        }, CancellationToken.None);
    }

    /// <summary>
    /// The insert for <paramref name="rows"/> rows on the inbox's connection, and whether it is already prepared. One
    /// command per row count, prepared once and run again with new values: the statement's text changes with its row
    /// count, and preparing it anew for every batch (SQLite parsing and planning it, a command and five parameters per
    /// row built again) was a measurable share of the callback path. At most <see cref="MaxInsertBatch"/> of them.
    /// </summary>
    private (DbCommand Command, bool Prepared) InsertCommand(CoServeDb db, int rows)
    {
        if (_insertCommands.TryGetValue(rows, out var cached)) return (cached, true);
        var cmd = db.Database.GetDbConnection().CreateCommand();
        var sql = new StringBuilder("""INSERT INTO "WeComInbox" ("KeyHash", "App", "Payload", "ReceivedAt", "ExpiresAt", "State", "Attempts") VALUES """);
        for (var row = 0; row < rows; row++)
        {
            if (row > 0) sql.Append(',');
            sql.Append(CultureInfo.InvariantCulture, $"(@k{row}, @a{row}, @p{row}, @r{row}, @e{row}, {Pending}, 0)");
            // In this order: the insert sets the values by position.
            foreach (var name in (ReadOnlySpan<string>)["@k", "@a", "@p", "@r", "@e"]) Add(cmd, string.Concat(name, row.ToString(CultureInfo.InvariantCulture)), null);
        }
        sql.Append(CultureInfo.InvariantCulture, $"""
             ON CONFLICT ("KeyHash") DO UPDATE SET "App" = excluded."App", "Payload" = excluded."Payload", "ReceivedAt" = excluded."ReceivedAt",
             "ExpiresAt" = excluded."ExpiresAt", "State" = {Pending}, "Attempts" = 0, "LeaseUntil" = NULL, "ProcessedAt" = NULL
             WHERE "WeComInbox"."State" = {Done} AND "WeComInbox"."ExpiresAt" <= excluded."ReceivedAt"
             RETURNING "KeyHash"
            """);
        cmd.CommandText = sql.ToString();
        _insertCommands.Add(rows, cmd);
        return (cmd, false);
    }

    public async IAsyncEnumerable<IReadOnlyList<WeComCallbackWork>> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(_options.Value.CallbackPollMilliseconds);
        var gather = TimeSpan.FromMilliseconds(_options.Value.CallbackGatherMilliseconds);
        var claimAtOnce = true; // the first look claims: callbacks may be left from before a restart
        while (!ct.IsCancellationRequested)
        {
            // Woken by the poll alone (nothing was queued on this node): look before claiming. On SQLite even a claim that
            // finds nothing is a write, and it waits for the file's write lock behind the app's transactions (52-78 ms per
            // idle claim in SQLite's busy handler, once a second, with the co-service path at 1,000 messages/s).
            IReadOnlyList<WeComCallbackWork> claimed = claimAtOnce || await AnyClaimableAsync(ct) ? await ClaimAsync(ClaimBatch, ct) : [];
            if (claimed.Count > 0) yield return claimed;
            // A full batch may have more behind it (claimed without looking first); otherwise the next insert's wake-up
            // (kept by the semaphore if it came while this batch was handled) or the poll says when to look again.
            claimAtOnce = claimed.Count == ClaimBatch;
            if (claimAtOnce) continue;
            await PurgeExpiredAsync(ct);
            // Callbacks are coming in: a moment's wait makes the next claim (and its completion) serve more of them.
            if (claimed.Count > 0 && gather > TimeSpan.Zero) await Task.Delay(gather, ct);
            claimAtOnce = await _signal.WaitAsync(poll, ct);
        }
    }

    /// <summary>Whether a claim would find anything now (a pending callback whose lease is free): a read, which never waits for the writer.</summary>
    public async Task<bool> AnyClaimableAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        return await db.WeComInbox.AnyAsync(x => x.State == WeComInboxState.Pending && (x.LeaseUntil == null || x.LeaseUntil <= now), ct);
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> pending callbacks whose lease is free, oldest first, with one statement.
    /// The conditions are repeated outside the subquery so that on PostgreSQL a row another worker leased meanwhile
    /// is re-checked and skipped; there the subquery also skips rows another worker is claiming right now.
    /// </summary>
    public async Task<IReadOnlyList<WeComCallbackWork>> ClaimAsync(int max, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var lease = now.AddSeconds(_options.Value.CallbackLeaseSeconds);
        var rows = await InLaneAsync(async db =>
        {
            var cmd = ClaimCommand(db, out var prepared);
            cmd.Parameters[0].Value = Instant(db, now);
            cmd.Parameters[1].Value = Instant(db, lease);
            cmd.Parameters[2].Value = max;
            if (!prepared) await cmd.PrepareAsync(ct);
            var read = new List<(long Id, string App, string? Payload, DateTimeOffset ReceivedAt)>(max);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var received = db.IsSqlite ? new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero) : reader.GetFieldValue<DateTimeOffset>(3);
                read.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), received));
            }
            return read;
        }, ct);
        var claimed = new List<WeComCallbackWork>(rows.Count);
        foreach (var r in rows)
        {
            if (r.Payload is null) continue;
            claimed.Add(new WeComCallbackWork(r.App, JsonSerializer.Deserialize(r.Payload, WeComInboxJson.Default.WeComCallbackMessage)!, r.ReceivedAt) { StoreId = r.Id });
        }
        // RETURNING gives no order; the worker hands callbacks on in arrival order.
        claimed.Sort((a, b) => a.StoreId.CompareTo(b.StoreId));
        return claimed;
    }

    /// <summary>
    /// The claim on the inbox's connection, prepared once and run again with new values (parameters @now, @lease, @max
    /// in that order): it holds the write lane, so the inserts behind it wait while SQLite parses and plans it.
    /// </summary>
    private DbCommand ClaimCommand(CoServeDb db, out bool prepared)
    {
        prepared = _claimCommand is not null;
        if (_claimCommand is { } cached) return cached;
        var cmd = db.Database.GetDbConnection().CreateCommand();
        var free = $"""
            "State" = {Pending} AND ("LeaseUntil" IS NULL OR "LeaseUntil" <= @now)
            """;
        // The candidates are materialized once: PostgreSQL may otherwise rescan a LIMIT subquery and claim more.
        cmd.CommandText = $"""
            WITH candidates AS MATERIALIZED (SELECT "Id" FROM "WeComInbox" WHERE {free} ORDER BY "Id" LIMIT @max{(db.IsSqlite ? "" : " FOR UPDATE SKIP LOCKED")})
            UPDATE "WeComInbox" SET "LeaseUntil" = @lease, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (SELECT "Id" FROM candidates) AND {free}
            RETURNING "Id", "App", "Payload", "ReceivedAt"
            """;
        Add(cmd, "@now", null);
        Add(cmd, "@lease", null);
        Add(cmd, "@max", null);
        _claimCommand = cmd;
        return cmd;
    }

    /// <summary>
    /// Marks handled callbacks done with one statement; the row stays, without its payload, for the window. Plain SQL
    /// like the insert and the claim: the same update through EF's ExecuteUpdate built and looked up its expression
    /// tree on every batch, about an eighth of the process's CPU in the stored callback bench.
    /// </summary>
    public async ValueTask CompleteAsync(IReadOnlyList<WeComCallbackWork> done, CancellationToken ct)
    {
        if (done.Count == 0) return;
        var now = _clock.GetUtcNow();
        await InLaneAsync(async db =>
        {
            var (cmd, prepared) = CompleteCommand(db, done.Count);
            var parameters = cmd.Parameters;
            parameters[0].Value = Instant(db, now);
            for (var i = 0; i < done.Count; i++) parameters[i + 1].Value = done[i].StoreId;
            if (!prepared) await cmd.PrepareAsync(ct);
            return await cmd.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    /// <summary>
    /// The completion of <paramref name="count"/> callbacks on the inbox's connection (parameters @now, then the ids),
    /// and whether it is already prepared: one command per batch size, like the inserts (the worker's batches are at most
    /// <see cref="ClaimBatch"/>).
    /// </summary>
    private (DbCommand Command, bool Prepared) CompleteCommand(CoServeDb db, int count)
    {
        if (_completeCommands.TryGetValue(count, out var cached)) return (cached, true);
        var cmd = db.Database.GetDbConnection().CreateCommand();
        var sql = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            UPDATE "WeComInbox" SET "State" = {Done}, "ProcessedAt" = @now, "Payload" = NULL, "LeaseUntil" = NULL WHERE "Id" IN (
            """);
        Add(cmd, "@now", null);
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sql.Append(',');
            sql.Append(CultureInfo.InvariantCulture, $"@i{i}");
            Add(cmd, string.Concat("@i", i.ToString(CultureInfo.InvariantCulture)), null);
        }
        cmd.CommandText = sql.Append(')').ToString();
        _completeCommands.Add(count, cmd);
        return (cmd, false);
    }

    /// <summary>
    /// Runs one statement on the inbox's connection in its turn in the write lane (opening the connection first if
    /// needed). A statement that fails drops the connection, which may be broken (a restarted PostgreSQL, an
    /// interrupted command), and the commands prepared on it; the next statement opens another.
    /// </summary>
    private async Task<T> InLaneAsync<T>(Func<CoServeDb, Task<T>> statement, CancellationToken ct)
    {
        await _writeLane.WaitAsync(ct);
        try
        {
            var db = _db;
            if (db is null)
            {
                db = await _dbFactory.CreateDbContextAsync(ct);
                try
                {
                    await db.Database.OpenConnectionAsync(ct);
                }
                catch
                {
                    await db.DisposeAsync();
                    throw;
                }
                _db = db;
            }
            try
            {
                return await statement(db);
            }
            catch
            {
                DropConnection();
                throw;
            }
        }
        finally
        {
            _writeLane.Release();
        }
    }

    private void DropConnection()
    {
        foreach (var cmd in _insertCommands.Values.Concat(_completeCommands.Values)) cmd.Dispose();
        _insertCommands.Clear();
        _completeCommands.Clear();
        _claimCommand?.Dispose();
        _claimCommand = null;
        _db?.Dispose();
        _db = null;
    }

    /// <summary>Callbacks still waiting or held by a worker.</summary>
    public async Task<int> PendingAsync(CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        return await db.WeComInbox.CountAsync(x => x.State == WeComInboxState.Pending, ct);
    }

    private async Task PurgeExpiredAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        if (now.UtcTicks < Interlocked.Read(ref _nextPurgeTicks)) return;
        Interlocked.Exchange(ref _nextPurgeTicks, now.AddMinutes(5).UtcTicks);
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        await db.WeComInbox.Where(x => x.State == WeComInboxState.Done && x.ExpiresAt <= now).ExecuteDeleteAsync(ct);
    }

    public void Dispose()
    {
        DropConnection();
        _signal.Dispose();
        _inserts.Dispose();
        _writeLane.Dispose();
    }

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Instants as the EF model stores them: UTC ticks on SQLite, timestamptz (UTC) on PostgreSQL.</summary>
    private static object Instant(CoServeDb db, DateTimeOffset at) => db.IsSqlite ? at.UtcTicks : at.ToUniversalTime();

    private static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }
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

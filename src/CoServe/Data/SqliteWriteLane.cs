using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CoServe.Data;

/// <summary>
/// SQLite has one writer per database file. Every EF Core transaction on SQLite is a writer from its first
/// statement (Microsoft.Data.Sqlite begins with <c>BEGIN IMMEDIATE</c>), and writers that find the file locked
/// meet in SQLite's busy handler, which blocks the calling thread and sleeps 1 to 100 ms per retry: the writer
/// that just finished usually gets the lock again at once, the one that slept waits on (on a loaded machine a
/// campaign's batches kept the outbox dispatcher waiting for tens of seconds), and every sleeping writer holds a
/// pool thread.
/// This lane makes the writers of one process queue instead: a transaction waits asynchronously for its turn
/// before <c>BEGIN</c>, in arrival order, and hands the turn on when it commits, rolls back or its connection
/// closes. Writers in other processes (the CLI beside the web app) still meet in the busy handler as before.
/// </summary>
/// <remarks>
/// Per database file (tests run many stores in one process). A connection that already holds the turn gets it
/// again without waiting (a retry loop on one context). Waiting is bounded by the connection's default timeout (EF's
/// command timeout), as Microsoft.Data.Sqlite bounds its retries of a busy statement, and ends with the same error
/// (SQLITE_BUSY), so a transaction opened while the same flow holds another on a second connection fails as it did
/// before instead of waiting forever.
/// Statements outside an explicit transaction (a single-row <c>SaveChanges</c>, <c>ExecuteUpdate</c>) do not queue;
/// they are short and still safe through the busy handler.
/// </remarks>
internal sealed class SqliteWriteLane : IDbTransactionInterceptor, IDbConnectionInterceptor
{
    public static readonly SqliteWriteLane Instance = new();

    private const int SqliteBusy = 5;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<DbConnection, Turn> _turns = [];

    // A committed SqliteTransaction no longer knows its connection, so the turn is found through the transaction.
    private readonly ConditionalWeakTable<DbTransaction, Turn> _byTransaction = [];

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (Pending(connection) is not { } turn) return result;
        try
        {
            if (turn.Lane.Wait(Timeout(connection))) return Entered(turn, result);
        }
        catch
        {
            Abandon(turn);
            throw;
        }
        throw Busy(connection, turn);
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (Pending(connection) is not { } turn) return result;
        try
        {
            if (await turn.Lane.WaitAsync(Timeout(connection), cancellationToken)) return Entered(turn, result);
        }
        catch
        {
            Abandon(turn);
            throw;
        }
        throw Busy(connection, turn);
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        if (_turns.TryGetValue(connection, out var turn)) _byTransaction.AddOrUpdate(result, turn);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
        CancellationToken cancellationToken = default) => ValueTask.FromResult(TransactionStarted(connection, eventData, result));

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(transaction);
        return Task.CompletedTask;
    }

    // A transaction disposed without commit or rollback (an exception on the way, a failed BEGIN or COMMIT) ends
    // with its connection: EF closes the connection it opened for the transaction, a pooled context on reset.
    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release(connection);

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release(connection);
        return Task.CompletedTask;
    }

    public void ConnectionDisposed(DbConnection connection, ConnectionEndEventData eventData) => Release(connection);

    public Task ConnectionDisposedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release(connection);
        return Task.CompletedTask;
    }

    /// <summary>The turn this connection must wait for, or null when it has one already or the store has no lane.</summary>
    private Turn? Pending(DbConnection connection)
    {
        if (connection is not SqliteConnection { DataSource: { Length: > 0 } file } || file == ":memory:") return null;
        var turn = _turns.GetValue(connection, _ => new Turn(_lanes.GetOrAdd(file, _ => new SemaphoreSlim(1, 1))));
        lock (turn)
        {
            if (turn.State != TurnState.None) return null;
            turn.State = TurnState.Waiting;
        }
        return turn;
    }

    private static InterceptionResult<DbTransaction> Entered(Turn turn, InterceptionResult<DbTransaction> result)
    {
        lock (turn) turn.State = TurnState.Held;
        return result;
    }

    private void Release(DbTransaction transaction)
    {
        if (_byTransaction.TryGetValue(transaction, out var turn)) Release(turn);
    }

    private void Release(DbConnection connection)
    {
        if (_turns.TryGetValue(connection, out var turn)) Release(turn);
    }

    /// <summary>Hands the turn on; only a turn actually held (not one still waiting) releases the lane.</summary>
    private static void Release(Turn turn)
    {
        lock (turn)
        {
            if (turn.State != TurnState.Held) return;
            turn.State = TurnState.None;
        }
        turn.Lane.Release();
    }

    private static void Abandon(Turn turn)
    {
        lock (turn) turn.State = TurnState.None;
    }

    private static TimeSpan Timeout(DbConnection connection) =>
        TimeSpan.FromSeconds(connection is SqliteConnection { DefaultTimeout: > 0 } c ? c.DefaultTimeout : 30);

    private static SqliteException Busy(DbConnection connection, Turn turn)
    {
        Abandon(turn);
        return new SqliteException($"database is locked: no write turn within {Timeout(connection).TotalSeconds:0} s (in-process write lane)", SqliteBusy);
    }

    private enum TurnState
    {
        None,
        Waiting,
        Held,
    }

    private sealed class Turn(SemaphoreSlim lane)
    {
        public SemaphoreSlim Lane { get; } = lane;
        public TurnState State { get; set; }
    }
}

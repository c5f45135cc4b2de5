using CoServe.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Data;

/// <summary>
/// The in-process write lane for SQLite: writers of one process queue for the database's single write lock in
/// arrival order and wait without blocking a thread, instead of sleeping in SQLite's busy handler.
/// </summary>
public sealed class SqliteWriteLaneTests : IDisposable
{
    // Guards against a hang only; nothing here asserts how long anything takes.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coserve-tests", "lane-" + Guid.NewGuid().ToString("N"));

    public SqliteWriteLaneTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Writers_TakeTurnsInArrivalOrder_WithoutBlockingTheCaller()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await using var c = await OpenAsync();

        var txA = await a.Database.BeginTransactionAsync();
        a.Rows.Add(new Row { Who = "a" });
        await a.SaveChangesAsync();

        // Without the lane, BEGIN IMMEDIATE would block this thread in SQLite's busy handler until A commits.
        var beginB = b.Database.BeginTransactionAsync();
        Assert.False(beginB.IsCompleted);
        var beginC = c.Database.BeginTransactionAsync();
        Assert.False(beginC.IsCompleted);

        await txA.CommitAsync();
        await using var txB = await beginB.WaitAsync(Hang);
        Assert.False(beginC.IsCompleted); // C arrived after B and waits for B, not only for A
        b.Rows.Add(new Row { Who = "b" });
        await b.SaveChangesAsync();
        await txB.CommitAsync();

        await using var txC = await beginC.WaitAsync(Hang);
        c.Rows.Add(new Row { Who = "c" });
        await c.SaveChangesAsync();
        await txC.CommitAsync();
        await txA.DisposeAsync();

        await using var check = await OpenAsync();
        Assert.Equal(["a", "b", "c"], await check.Rows.OrderBy(r => r.Id).Select(r => r.Who).ToListAsync());
    }

    [Fact]
    public async Task ATransactionDisposedWithoutCommit_HandsTheTurnOn()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        var txA = await a.Database.BeginTransactionAsync();
        a.Rows.Add(new Row { Who = "lost" });
        await a.SaveChangesAsync();
        var beginB = b.Database.BeginTransactionAsync();
        Assert.False(beginB.IsCompleted);

        await txA.DisposeAsync(); // an exception on the way: no commit, no rollback call

        await using var txB = await beginB.WaitAsync(Hang);
        b.Rows.Add(new Row { Who = "kept" });
        await b.SaveChangesAsync();
        await txB.CommitAsync();
        Assert.Equal(["kept"], await b.Rows.Select(r => r.Who).ToListAsync());
    }

    [Fact]
    public async Task AWriterThatWaitsTooLong_FailsAsBusy_AndTheLaneStillWorks()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        ((SqliteConnection)b.Database.GetDbConnection()).DefaultTimeout = 1; // the app's is EF's command timeout
        var txA = await a.Database.BeginTransactionAsync();

        var busy = await Assert.ThrowsAsync<SqliteException>(() => b.Database.BeginTransactionAsync().WaitAsync(Hang));
        Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY, as SQLite's own busy timeout would answer
        Assert.Contains("write lane", busy.Message, StringComparison.Ordinal);

        // The failed wait left no turn behind: B still queues behind A, then gets its turn.
        var again = b.Database.BeginTransactionAsync();
        Assert.False(again.IsCompleted);
        await txA.CommitAsync();
        await txA.DisposeAsync();
        await using var txB = await again.WaitAsync(Hang);
        await txB.CommitAsync();
    }

    [Fact]
    public async Task ACancelledWait_LeavesNoTurnBehind()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        var txA = await a.Database.BeginTransactionAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = b.Database.BeginTransactionAsync(cancel.Token);
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Hang));

        var again = b.Database.BeginTransactionAsync();
        Assert.False(again.IsCompleted); // had the cancelled wait kept a turn, B would now write beside A
        await txA.CommitAsync();
        await txA.DisposeAsync();
        await using var txB = await again.WaitAsync(Hang);
        await txB.CommitAsync();
    }

    [Fact]
    public async Task AConnectionThatHoldsTheTurn_BeginsAgainWithoutWaitingForItself()
    {
        await using var a = await OpenAsync();
        await a.Database.OpenConnectionAsync(); // kept open: disposing the transaction does not close it
        var first = await a.Database.BeginTransactionAsync();
        await first.DisposeAsync();

        await using var second = await a.Database.BeginTransactionAsync().WaitAsync(Hang);
        a.Rows.Add(new Row { Who = "retry" });
        await a.SaveChangesAsync();
        await second.CommitAsync();
        await a.Database.CloseConnectionAsync();

        await using var b = await OpenAsync();
        await using var txB = await b.Database.BeginTransactionAsync().WaitAsync(Hang); // the close handed the turn on
        await txB.CommitAsync();
    }

    [Fact]
    public async Task SaveChangesOwnTransaction_OnAConnectionKeptOpen_HandsTheTurnOnAtCommit()
    {
        await using var a = await OpenAsync();
        await a.Database.OpenConnectionAsync(); // stays open: only the commit can hand the turn on
        a.Rows.AddRange(new Row { Who = "one" }, new Row { Who = "two" }); // two rows: EF wraps them in its own transaction
        await a.SaveChangesAsync();

        await using var b = await OpenAsync();
        await using var txB = await b.Database.BeginTransactionAsync().WaitAsync(Hang);
        await txB.CommitAsync();
        await a.Database.CloseConnectionAsync();
    }

    private async Task<LaneDb> OpenAsync()
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, "lane.db"), Pooling = false }.ToString();
        var options = new DbContextOptionsBuilder<LaneDb>();
        DatabaseSetup.ConfigureSqlite(options, cs);
        var db = new LaneDb(options.Options);
        await db.Database.EnsureCreatedAsync();
        return db;
    }

    private sealed class LaneDb(DbContextOptions<LaneDb> options) : DbContext(options)
    {
        public DbSet<Row> Rows => Set<Row>();
    }

    private sealed class Row
    {
        public int Id { get; set; }
        public string Who { get; set; } = "";
    }
}

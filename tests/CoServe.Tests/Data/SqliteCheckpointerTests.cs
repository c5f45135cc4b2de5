using CoServe.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoServe.Tests.Data;

/// <summary>
/// WAL checkpoints of the SQLite store run in the background: the store's connections (as AddCoServeDatabase
/// configures them) do not checkpoint inside a commit until the log reaches the fallback size, and the checkpointer
/// copies the log into the database file.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    // Guards against a hang only; nothing here asserts how long anything takes.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);
    private const int PageSize = 4096;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coserve-tests", "checkpoint-" + Guid.NewGuid().ToString("N"));

    public SqliteCheckpointerTests() => Directory.CreateDirectory(_dir);

    private string DbFile => Path.Combine(_dir, "coserve.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task CommittingConnections_DoNotCheckpoint_BelowTheFallback()
    {
        await using var sp = Services();
        await using var db = await OpenAsync(sp);
        var before = new FileInfo(DbFile).Length;

        // About 3,000 pages in 30 commits: SQLite's default would have checkpointed in a commit twice or more.
        await WriteAsync(db, commits: 30, rowsPerCommit: 100);

        Assert.Equal(before, new FileInfo(DbFile).Length);
        Assert.True(new FileInfo(DbFile + "-wal").Length > 2000L * PageSize);
    }

    [Fact]
    public async Task CommittingConnections_CheckpointAtTheFallback_SoTheLogIsBounded()
    {
        await using var sp = Services(new() { ["Database:SqliteCheckpoint:FallbackPages"] = "1000" });
        await using var db = await OpenAsync(sp);
        var before = new FileInfo(DbFile).Length;

        await WriteAsync(db, commits: 30, rowsPerCommit: 100);

        // No checkpointer ran: the committing connection copied the log into the database file itself.
        Assert.True(new FileInfo(DbFile).Length > before + 1000L * PageSize);
    }

    [Fact]
    public async Task Checkpointer_CopiesTheLog_WhileWritesGoOn()
    {
        await using var sp = Services();
        await using var db = await OpenAsync(sp);
        await using var writer = await OpenAsync(sp);
        var checkpointer = sp.GetRequiredService<SqliteCheckpointer>();
        var before = new FileInfo(DbFile).Length;

        // Passes run beside the writer and never make it wait (the writes finish). A pass may report busy while the
        // writer restarts the log at that moment (seen in a full test run): it copied what it could, the next pass goes on.
        var writes = Task.Run(() => WriteAsync(writer, commits: 50, rowsPerCommit: 20));
        while (!writes.IsCompleted) checkpointer.Checkpoint();
        await writes.WaitAsync(Hang);
        var last = checkpointer.Checkpoint();

        Assert.False(last.Busy);

        Assert.True(last.LogPages > 0);
        Assert.Equal(last.LogPages, last.CheckpointedPages); // everything written is in the database file now
        Assert.True(new FileInfo(DbFile).Length > before + 900L * PageSize);
        Assert.Equal(50 * 20, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Filler" """).SingleAsync());
    }

    [Fact]
    public async Task CheckpointerService_CheckpointsInTheBackground_AndStopsCleanly()
    {
        await using var sp = Services(new() { ["Database:SqliteCheckpoint:IntervalMilliseconds"] = "10" });
        await using var db = await OpenAsync(sp);
        var checkpointer = sp.GetRequiredService<SqliteCheckpointer>();
        var before = new FileInfo(DbFile).Length;
        await WriteAsync(db, commits: 10, rowsPerCommit: 100);
        Assert.Equal(before, new FileInfo(DbFile).Length);

        await checkpointer.StartAsync(CancellationToken.None);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (new FileInfo(DbFile).Length <= before + 900L * PageSize && waited.Elapsed < Hang) await Task.Delay(20);
        await checkpointer.StopAsync(CancellationToken.None).WaitAsync(Hang);

        Assert.True(new FileInfo(DbFile).Length > before + 900L * PageSize);
        Assert.True(checkpointer.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Theory]
    [InlineData("IntervalMilliseconds", "0")]
    [InlineData("IntervalMilliseconds", "60001")]
    [InlineData("FallbackPages", "999")]
    [InlineData("FallbackPages", "1000001")]
    public async Task BadSettings_AreRejected_NamingTheKey(string key, string value)
    {
        await using var sp = Services(new() { ["Database:SqliteCheckpoint:" + key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<SqliteCheckpointOptions>>().Value);
        Assert.Contains("Database:SqliteCheckpoint:" + key, ex.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Services(Dictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "sqlite",
            ["ConnectionStrings:CoServe"] = $"Data Source={DbFile};Pooling=False;Default Timeout=30",
            ["Storage:DataDirectory"] = _dir,
        };
        foreach (var (k, v) in settings ?? []) config[k] = v;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddCoServeDatabase(configuration).BuildServiceProvider();
    }

    /// <summary>
    /// A context of the store whose connection stays open for the test: the last connection to close would
    /// checkpoint the log and remove it.
    /// </summary>
    private static async Task<CoServeDb> OpenAsync(IServiceProvider sp)
    {
        var db = await sp.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("""CREATE TABLE IF NOT EXISTS "Filler" ("Id" INTEGER PRIMARY KEY, "Data" BLOB NOT NULL)""");
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        return db;
    }

    /// <summary>Rows of about a page each, in transactions through the store's own context.</summary>
    private static async Task WriteAsync(CoServeDb db, int commits, int rowsPerCommit)
    {
        for (var c = 0; c < commits; c++)
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            for (var r = 0; r < rowsPerCommit; r++)
            {
                await db.Database.ExecuteSqlRawAsync("""INSERT INTO "Filler" ("Data") VALUES (randomblob(3500))""");
            }
            await tx.CommitAsync();
        }
    }
}

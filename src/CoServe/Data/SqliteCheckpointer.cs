using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CoServe.Data;

/// <summary>When the SQLite store copies its write-ahead log back into the database file (a WAL checkpoint).</summary>
public sealed class SqliteCheckpointOptions
{
    public const string Section = "Database:SqliteCheckpoint";
    public const int DefaultFallbackPages = 50_000;

    /// <summary>How often the background checkpointer copies the log into the database file (a pass with nothing new costs nothing).</summary>
    public int IntervalMilliseconds { get; set; } = 250;

    /// <summary>
    /// A committing connection checkpoints itself (SQLite's autocheckpoint) once the log holds this many pages: the
    /// bound on the log when the background checkpointer has stopped, or cannot catch up under sustained writes.
    /// </summary>
    public int FallbackPages { get; set; } = DefaultFallbackPages;
}

internal sealed class SqliteCheckpointOptionsValidator : IValidateOptions<SqliteCheckpointOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteCheckpointOptions o)
    {
        var errors = new List<string>();
        if (o.IntervalMilliseconds is < 10 or > 60_000) errors.Add($"{SqliteCheckpointOptions.Section}:IntervalMilliseconds must be 10..60000");
        // Below SQLite's own default (1000) committing connections would checkpoint more often than they did before.
        if (o.FallbackPages is < 1000 or > 1_000_000) errors.Add($"{SqliteCheckpointOptions.Section}:FallbackPages must be 1000..1000000");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What one checkpoint pass found: the pages in the log and how many of them are now in the database file.</summary>
public readonly record struct WalCheckpointResult(bool Busy, int LogPages, int CheckpointedPages);

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background, so that a committing statement does not.
/// By default SQLite checkpoints inside the commit that takes the log past 1000 pages: that statement then syncs
/// the log, copies the pages and syncs the database file before it returns, tens of milliseconds on this disk,
/// and every writer queued behind it waits too (the stored WeCom callback bench saw one such checkpoint every 100 ms
/// or so, and they were its p99). Connections therefore checkpoint only past <see cref="SqliteCheckpointOptions.FallbackPages"/>
/// (see <see cref="SqlitePragmas"/>), and this service runs a PASSIVE checkpoint on its own connection every
/// interval: PASSIVE never waits for or blocks a writer or reader, it copies what it can.
/// </summary>
/// <remarks>
/// Under writes that never pause, a PASSIVE checkpoint cannot let SQLite start the log again from the beginning
/// (that needs every page of the log copied at the moment a writer begins), so the log grows until the writes pause
/// or it reaches the fallback, where a committing connection checkpoints as before; most of its pages are then copied
/// already. If a pass fails, the service logs a warning (SQLite's error code only) and tries again next interval
/// with a new connection; meanwhile the fallback bounds the log.
/// </remarks>
public sealed class SqliteCheckpointer(string connectionString, IOptions<SqliteCheckpointOptions> options, TimeProvider clock,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private bool _failing;

    /// <summary>One PASSIVE checkpoint on the checkpointer's connection (opened on first use).</summary>
    public WalCheckpointResult Checkpoint()
    {
        lock (_gate) return CheckpointLocked();
    }

    private WalCheckpointResult CheckpointLocked()
    {
        if (_connection is null)
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                connection.Open();
                SqlitePragmas.For(options.Value.FallbackPages).Apply(connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
            _connection = connection;
        }
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return new WalCheckpointResult(reader.GetInt32(0) != 0, reader.GetInt32(1), reader.GetInt32(2));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.IntervalMilliseconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Pass();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Close();
        }
    }

    private void Pass()
    {
        try
        {
            Checkpoint();
            if (_failing) logger.LogInformation("SQLite WAL checkpoints run again in the background");
            _failing = false;
        }
        catch (SqliteException ex)
        {
            Close();
            if (!_failing)
            {
                logger.LogWarning("SQLite WAL checkpoint failed (SQLite error {Code}); committing connections checkpoint the log once it holds {Pages} pages until it works again",
                    ex.SqliteErrorCode, options.Value.FallbackPages);
            }
            _failing = true;
        }
    }

    private void Close()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    public override void Dispose()
    {
        Close();
        base.Dispose();
    }
}

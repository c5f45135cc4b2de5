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

    /// <summary>
    /// Once a pass finds the log at this many pages or more, the checkpointer copies the last pages while no writer of
    /// this process runs (in the store's write lane), so that the next write starts the log again from the beginning
    /// instead of letting it grow to <see cref="FallbackPages"/> under writes that never pause. 0 turns this off.
    /// </summary>
    public int RestartPages { get; set; } = 8_192;
}

internal sealed class SqliteCheckpointOptionsValidator : IValidateOptions<SqliteCheckpointOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteCheckpointOptions o)
    {
        var errors = new List<string>();
        if (o.IntervalMilliseconds is < 10 or > 60_000) errors.Add($"{SqliteCheckpointOptions.Section}:IntervalMilliseconds must be 10..60000");
        // Below SQLite's own default (1000) committing connections would checkpoint more often than they did before.
        if (o.FallbackPages is < 1000 or > 1_000_000) errors.Add($"{SqliteCheckpointOptions.Section}:FallbackPages must be 1000..1000000");
        if (o.RestartPages != 0 && (o.RestartPages < 100 || o.RestartPages >= o.FallbackPages))
            errors.Add($"{SqliteCheckpointOptions.Section}:RestartPages must be 0 (off) or 100..FallbackPages-1 ({o.FallbackPages - 1})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Passes in the write lane since start: how many, and how long writers of this process were held up by them.</summary>
public readonly record struct LanePassStats(int Passes, long HeldTicks, long LongestTicks)
{
    public TimeSpan Held => System.Diagnostics.Stopwatch.GetElapsedTime(0, HeldTicks);
    public TimeSpan Longest => System.Diagnostics.Stopwatch.GetElapsedTime(0, LongestTicks);
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
/// Under writes that never pause, a PASSIVE checkpoint alone cannot let SQLite start the log again from the
/// beginning: that needs every page of the log copied at the moment a writer begins, and by the time a pass ends new
/// pages are there. The log would grow until the writes pause or it reaches the fallback, where a committing
/// connection checkpoints inside its commit (the stored callback bench saw that every 2.3 s, 60 to 320 ms each, with
/// every writer queued behind it). So once a pass leaves the log past <see cref="SqliteCheckpointOptions.RestartPages"/>,
/// the checkpointer catches up outside the lane (each pass copies what came in during the one before), then takes the
/// store's write lane (<see cref="SqliteWriteLane"/>, which the EF transactions and the WeCom inbox of this process
/// queue in) and copies the last few pages there: the next writer then starts the log from the beginning. Writers
/// wait only for that short pass, in the lane, not in SQLite's sleeping busy handler. Writers in other processes
/// and single statements outside a transaction do not queue in the lane; one of them writing at that moment only
/// means the log starts again a pass later.
/// If a pass fails, the service logs a warning (SQLite's error code only) and tries again next interval
/// with a new connection; meanwhile the fallback bounds the log.
/// </remarks>
public sealed class SqliteCheckpointer(string connectionString, IOptions<SqliteCheckpointOptions> options, TimeProvider clock,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    private const int MaxCatchUpPasses = 4;

    /// <summary>How long the pass that restarts the log waits for its turn in the write lane before it tries again next interval.</summary>
    private static readonly TimeSpan LaneWait = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private bool _failing;

    /// <summary>One PASSIVE checkpoint on the checkpointer's connection (opened on first use).</summary>
    public WalCheckpointResult Checkpoint()
    {
        lock (_gate) return CheckpointLocked();
    }

    /// <summary>
    /// One PASSIVE checkpoint in the store's write lane, once no writer of this process is running; the next writer
    /// starts the log from the beginning when it copied every page. Null if the turn did not come within a second.
    /// </summary>
    public async Task<WalCheckpointResult?> CheckpointInLaneAsync(CancellationToken ct)
    {
        var lane = Lane();
        if (lane is null) return Checkpoint();
        if (!await lane.WaitAsync(LaneWait, ct)) return null;
        var held = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return Checkpoint();
        }
        finally
        {
            lane.Release();
            var ticks = System.Diagnostics.Stopwatch.GetTimestamp() - held;
            lock (_gate) _laneStats = new(_laneStats.Passes + 1, _laneStats.HeldTicks + ticks, Math.Max(_laneStats.LongestTicks, ticks));
        }
    }

    private LanePassStats _laneStats;

    /// <summary>How many passes held the write lane and for how long (for benchmarks and diagnostics).</summary>
    public LanePassStats LaneStats
    {
        get { lock (_gate) return _laneStats; }
    }

    /// <summary>
    /// What the background service does every interval: a PASSIVE checkpoint and, once the log has grown past
    /// <see cref="SqliteCheckpointOptions.RestartPages"/>, catch-up passes until one copies everything there was when
    /// it began, then one pass in the write lane for what came in meanwhile, so that the log starts again. (A complete
    /// pass outside the lane is not enough under writes that never pause: the writer that began during it appends to
    /// the log instead of starting it again.)
    /// </summary>
    public async Task<WalCheckpointResult?> PassAsync(CancellationToken ct)
    {
        var result = Checkpoint();
        var restartPages = options.Value.RestartPages;
        if (restartPages == 0 || result.LogPages < restartPages) return result;
        for (var i = 0; i < MaxCatchUpPasses && !Complete(result); i++) result = Checkpoint();
        return await CheckpointInLaneAsync(ct);
    }

    private static bool Complete(WalCheckpointResult r) => !r.Busy && r.CheckpointedPages == r.LogPages;

    private SemaphoreSlim? Lane()
    {
        lock (_gate)
        {
            Open();
            return SqliteWriteLane.Instance.LaneOf(_connection!);
        }
    }

    private void Open()
    {
        if (_connection is not null) return;
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

    private WalCheckpointResult CheckpointLocked()
    {
        Open();
        using var cmd = _connection!.CreateCommand();
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
            while (await timer.WaitForNextTickAsync(stoppingToken)) await PassOrWarnAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Close();
        }
    }

    private async Task PassOrWarnAsync(CancellationToken ct)
    {
        try
        {
            await PassAsync(ct);
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

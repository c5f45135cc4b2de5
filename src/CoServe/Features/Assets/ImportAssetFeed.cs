using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Text;
using System.Threading.Channels;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Platform.Csv;
using CoServe.Platform.Storage;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Assets;

public sealed record AssetImportSettings(Encoding Encoding, bool SkipBadRows, string? RejectsPath = null);

public sealed record AssetImportReport(
    long RowsRead,
    long RowsImported,
    long RowsRejected,
    int Clients,
    int NewPlaceholderClients,
    IReadOnlyList<string> Months,
    long DuplicateRowsInFile,
    long ValuesReplaced,
    string? RejectsFile,
    IReadOnlyList<string> IgnoredColumns,
    bool SpilledToDisk,
    TimeSpan Elapsed);

/// <summary>
/// Imports a daily asset feed (one row per client and day). Strict by default: any bad row rejects the
/// whole file and nothing is written. The file is validated completely before the single write
/// transaction starts, so an interrupted import leaves the store as it was.
/// </summary>
/// <remarks>
/// A month-end feed has tens of millions of rows, so the work is spread over the cores: the file is cut into
/// chunks at line ends, chunks are parsed in parallel, and their rows are put back in file order (the last
/// occurrence of a (client, date) pair wins) into a spool partitioned by client. While the store writes,
/// another core folds the spool into one packed row per client and month (see docs/decisions/0002).
/// </remarks>
public sealed partial class ImportAssetFeed(
    IDbContextFactory<CoServeDb> dbFactory,
    IOptions<AssetsOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    ILogger<ImportAssetFeed> logger)
{
    /// <summary>SQLite page cache for the write transaction: index pages stay in memory instead of being spilled to the WAL repeatedly.</summary>
    private const long SqliteImportCacheBytes = 256L << 20;

    public async Task<AssetImportReport> RunAsync(Stream input, string fileName, AssetImportSettings settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var o = options.Value;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await db.Database.OpenConnectionAsync(ct);

        var clients = await ClientIndex.LoadAsync(db, ct);
        using var spool = new SnapshotSpool(o.ImportMemoryBudgetBytes, Path.Combine(storage.Value.ResolveDataDirectory(), "tmp"));
        var problems = new ImportProblems();
        RejectsFile? rejects = null;
        long rowsRead = 0;
        IReadOnlyList<string> ignored;
        try
        {
            using var chunks = CsvChunks.Read(input, o.MaxLineBytes, ct: ct).GetEnumerator();
            var (header, headerChunk, headerReader) = ReadHeader(chunks, fileName, settings.Encoding, o.MaxLineBytes);
            ignored = header.IgnoredColumns;
            if (settings.SkipBadRows) rejects = new RejectsFile(settings.RejectsPath ?? fileName + ".rejects.csv");
            var today = BusinessTime.Today(clock);
            var parse = new ParseContext(header, o, today, settings, clients);

            // Commits a parsed chunk in file order: new client numbers get their index in order of first appearance.
            void Commit(ChunkResult r)
            {
                rowsRead += r.RowsRead;
                foreach (var (problem, raw) in r.Problems)
                {
                    problems.Add(problem);
                    rejects?.Write(problem, raw ?? "");
                }
                // In strict mode a bad row means nothing is written: stop spooling, keep validating.
                if (problems.Any && !settings.SkipBadRows)
                {
                    r.Return();
                    return;
                }
                var newIndexes = new int[r.NewClients.Count];
                for (var k = 0; k < newIndexes.Length; k++) newIndexes[k] = clients.GetOrAdd(r.NewClients[k]);
                for (var i = 0; i < r.Count; i++)
                {
                    ref readonly var rec = ref r.Records[i];
                    var ci = rec.Client >= 0 ? rec.Client : newIndexes[~rec.Client];
                    spool.Add(ci, rec.DayNumber, r.Snapshots is { } s ? s[i] : new AssetSnapshot(rec.Total));
                }
                r.Return();
            }

            using (headerReader)
            {
                Commit(parse.Parse(headerChunk, headerReader.ChunkOffset, headerReader.LineNumber, new ChunkState(parse)));
            }
            headerChunk.Return();
            await ParseInParallelAsync(chunks, parse, Commit, ct);

            if (rowsRead == 0) throw new ImportRejectedException($"{fileName}: the file has a header but no data rows", []);
            if (problems.Any && !settings.SkipBadRows) throw new ImportRejectedException(problems.Describe(fileName), problems.Listed);
        }
        finally
        {
            rejects?.Dispose();
        }

        var parsed = Stopwatch.GetElapsedTime(started);
        var report = await WriteAsync(db, clients, spool, ct);
        LogImported(logger, spool.Records, problems.Count, report.NewPlaceholderClients, report.Months.Count);
        LogPhases(logger, parsed.TotalSeconds, (Stopwatch.GetElapsedTime(started) - parsed).TotalSeconds);
        return report with
        {
            RowsRead = rowsRead,
            RowsRejected = problems.Count,
            RejectsFile = rejects?.Path,
            IgnoredColumns = ignored,
            SpilledToDisk = spool.Spilled,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
    }

    /// <summary>Finds the header row (the first non-blank line) and leaves its reader positioned after it.</summary>
    private static (CsvHeader Header, CsvChunk Chunk, CsvLineReader Reader) ReadHeader(IEnumerator<CsvChunk> chunks, string fileName, Encoding encoding, int maxLineBytes) =>
        CsvParallel.ReadHeader(chunks, fileName, encoding, maxLineBytes, AssetFeedRow.Columns, AssetFeedRow.HeaderProblem);

    private static Task ParseInParallelAsync(IEnumerator<CsvChunk> chunks, ParseContext parse, Action<ChunkResult> commit, CancellationToken ct) =>
        CsvParallel.ParseInOrderAsync(chunks, () => new ChunkState(parse), parse.Parse, commit, ct);

    private async Task<AssetImportReport> WriteAsync(CoServeDb db, ClientIndex clients, SnapshotSpool spool, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var connection = db.Database.GetDbConnection();
        long? previousCache = null;
        if (db.IsSqlite)
        {
            previousCache = await ScalarAsync(connection, "PRAGMA cache_size", ct);
            await ScalarAsync(connection, $"PRAGMA cache_size = -{SqliteImportCacheBytes / 1024}", ct);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fold = Task.CompletedTask;
        try
        {
            // Folding the spool into packed months runs on another core while the store writes clients and months.
            var batches = Channel.CreateBounded<PartitionBatch>(4);
            var totals = new FoldTotals();
            fold = Task.Run(() => FoldSpool(spool, batches.Writer, totals, stop.Token), stop.Token);

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var newClients = await clients.InsertPlaceholdersAsync(db, now, ct);

            var monthsTouched = new SortedSet<int>();
            var monthsWithRows = new Dictionary<int, bool>();
            long replaced = 0;
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                foreach (var (month, rows) in batch.Months)
                {
                    monthsTouched.Add(month);
                    if (!monthsWithRows.TryGetValue(month, out var hasRows))
                    {
                        monthsWithRows[month] = hasRows = await db.AssetMonths.AnyAsync(a => a.Month == month, ct);
                    }
                    clients.MapToIds(rows);
                    if (hasRows) replaced += await MergeExistingAsync(db, month, rows, ct);

                    // Reads for this batch are done before the bulk write starts: PostgreSQL's COPY holds the connection.
                    await using var upsert = await BulkWriter.StartAsync(db, "AssetMonths", ["Month", "ClientId", "DayMask", "Values", "UpdatedAt"], ["Month", "ClientId"], ct);
                    var values = new object?[5];
                    foreach (var r in rows)
                    {
                        values[0] = month;
                        values[1] = r.ClientId;
                        values[2] = r.DayMask;
                        values[3] = r.Values;
                        values[4] = now;
                        await upsert.AddAsync(values, ct);
                    }
                    await upsert.CompleteAsync(ct);
                }
            }
            await fold;
            await tx.CommitAsync(ct);

            return new AssetImportReport(0, totals.Imported, 0, totals.Clients, newClients,
                monthsTouched.Select(m => CalendarMonth.FromKey(m).ToString()).ToList(), totals.Duplicates, replaced, null, [], false, TimeSpan.Zero);
        }
        finally
        {
            // On failure, stop folding before the spool is disposed.
            await stop.CancelAsync();
            await fold.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            if (previousCache is { } cache) await ScalarAsync(connection, $"PRAGMA cache_size = {cache}", CancellationToken.None);
        }
    }

    private static async Task<long?> ScalarAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync(ct) is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Folds each spool partition into dense day arrays (one per month: 65,536 clients x 31 days) and emits one
    /// packed row per client and month, partition by partition, releasing each partition's spool memory.
    /// </summary>
    private static async Task FoldSpool(SnapshotSpool spool, ChannelWriter<PartitionBatch> output, FoldTotals totals, CancellationToken ct)
    {
        try
        {
            var slabs = new Dictionary<int, MonthSlab>();
            var free = new Stack<MonthSlab>();
            for (var p = 0; p < spool.PartitionCount; p++)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var buffer in spool.ReadPartition(p)) FoldRecords(buffer.Span, slabs, free, totals);
                spool.Release(p);
                var touched = new int[SnapshotSpool.ClientsPerPartition];
                foreach (var slab in slabs.Values)
                {
                    for (var i = 0; i < touched.Length; i++) touched[i] |= slab.Masks[i];
                }
                totals.Clients += touched.Count(m => m != 0);
                var baseIndex = p << SnapshotSpool.PartitionShift;
                var months = slabs.Values.OrderBy(s => s.Month).Select(s => (s.Month, s.Emit(baseIndex))).ToList();
                foreach (var slab in slabs.Values)
                {
                    slab.Clear();
                    free.Push(slab);
                }
                slabs.Clear();
                if (months.Count > 0) await output.WriteAsync(new PartitionBatch(months), ct);
            }
            output.Complete();
        }
        catch (Exception ex)
        {
            output.Complete(ex);
            throw;
        }
    }

    private static void FoldRecords(ReadOnlySpan<byte> data, Dictionary<int, MonthSlab> slabs, Stack<MonthSlab> free, FoldTotals totals)
    {
        var pos = 0;
        var lastDayNumber = int.MinValue;
        MonthSlab? slab = null;
        var day = 0;
        long records = 0, duplicates = 0;
        while (pos < data.Length)
        {
            SnapshotSpool.Next(data, ref pos, out var clientIndex, out var dayNumber, out var snapshot);
            if (dayNumber != lastDayNumber)
            {
                var (y, m, d) = DateOnly.FromDayNumber(dayNumber);
                var key = (y * 100) + m;
                if (!slabs.TryGetValue(key, out slab))
                {
                    slab = free.TryPop(out var reused) ? reused : new MonthSlab();
                    slab.Month = key;
                    slabs[key] = slab;
                }
                day = d;
                lastDayNumber = dayNumber;
            }
            if (slab!.Set(clientIndex & (SnapshotSpool.ClientsPerPartition - 1), day, snapshot)) duplicates++;
            records++;
        }
        totals.Imported += records;
        totals.Duplicates += duplicates;
    }

    /// <summary>Folds stored days into the new rows (new values win) and counts values the file replaces.</summary>
    private static async Task<long> MergeExistingAsync(CoServeDb db, int month, PendingRow[] rows, CancellationToken ct)
    {
        long replaced = 0;
        for (var i = 0; i < rows.Length; i += 500)
        {
            var batch = rows.AsMemory(i, Math.Min(500, rows.Length - i));
            var batchIds = new List<long>(batch.Length);
            foreach (var r in batch.Span) batchIds.Add(r.ClientId);
            var existing = await db.AssetMonths.AsNoTracking()
                .Where(a => a.Month == month && batchIds.Contains(a.ClientId))
                .Select(a => new { a.ClientId, a.DayMask, a.Values })
                .ToDictionaryAsync(a => a.ClientId, ct);
            foreach (ref var r in batch.Span)
            {
                if (!existing.TryGetValue(r.ClientId, out var old)) continue;
                var stored = DailyAssetSeries.Decode(old.DayMask, old.Values);
                var s = DailyAssetSeries.Decode(r.DayMask, r.Values.Span);
                for (var d = 1; d <= 31; d++)
                {
                    if (s.Has(d) && stored.Has(d) && stored.Get(d) != s.Get(d)) replaced++;
                }
                s.FillMissingFrom(stored);
                r = r with { DayMask = s.DayMask, Values = s.Encode() };
            }
        }
        return replaced;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset feed imported: {Rows} rows, {Rejected} rejected, {NewClients} placeholder clients, {Months} months")]
    private static partial void LogImported(ILogger logger, long rows, long rejected, int newClients, int months);

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset feed phases: read and validated in {ParseSeconds:0.00} s, written in {WriteSeconds:0.00} s")]
    private static partial void LogPhases(ILogger logger, double parseSeconds, double writeSeconds);

    /// <summary>A packed row waiting to be written: dense client index until mapped to the stored client id.</summary>
    internal record struct PendingRow(int ClientIndex, long ClientId, int DayMask, ReadOnlyMemory<byte> Values);

    private sealed record PartitionBatch(List<(int Month, PendingRow[] Rows)> Months);

    private sealed class FoldTotals
    {
        public long Imported;
        public long Duplicates;
        public int Clients;
    }

    /// <summary>One month of one spool partition: day totals in a dense array, full series only for clients with components.</summary>
    private sealed class MonthSlab
    {
        private const int Days = 31;
        private readonly long[] _totals = new long[SnapshotSpool.ClientsPerPartition * Days];
        private DailyAssetSeries?[]? _series;

        public int Month;
        public readonly int[] Masks = new int[SnapshotSpool.ClientsPerPartition];

        /// <summary>Sets a day; returns whether the day was already set (a duplicate row: the later one wins).</summary>
        public bool Set(int local, int day, in AssetSnapshot snapshot)
        {
            var bit = 1 << (day - 1);
            var duplicate = (Masks[local] & bit) != 0;
            if (_series?[local] is { } series)
            {
                series.Set(day, snapshot);
            }
            else if (snapshot.HasComponents)
            {
                // First components for this client and month: switch to a full series with the same history,
                // exactly as if every row had gone into a DailyAssetSeries.
                series = new DailyAssetSeries();
                for (var d = 1; d <= Days; d++)
                {
                    if ((Masks[local] & (1 << (d - 1))) != 0) series.Set(d, new AssetSnapshot(_totals[(local * Days) + d - 1]));
                }
                series.Set(day, snapshot);
                (_series ??= new DailyAssetSeries?[SnapshotSpool.ClientsPerPartition])[local] = series;
            }
            else
            {
                _totals[(local * Days) + day - 1] = snapshot.TotalFen;
            }
            Masks[local] |= bit;
            return duplicate;
        }

        /// <summary>The packed rows of this month, encoded into one shared buffer (millions of small arrays would each live until written).</summary>
        public PendingRow[] Emit(int baseIndex)
        {
            var count = 0;
            var bytes = 0;
            for (var local = 0; local < Masks.Length; local++)
            {
                var mask = Masks[local];
                if (mask == 0 || _series?[local] is not null) continue;
                count++;
                bytes += 1 + (8 * BitOperations.PopCount((uint)mask));
            }
            var arena = GC.AllocateUninitializedArray<byte>(bytes);
            var rows = new List<PendingRow>(count);
            var pos = 0;
            for (var local = 0; local < Masks.Length; local++)
            {
                var mask = Masks[local];
                if (mask == 0) continue;
                if (_series?[local] is { } series)
                {
                    rows.Add(new PendingRow(baseIndex + local, 0, mask, series.Encode()));
                    continue;
                }
                var length = DailyAssetSeries.EncodeTotals(mask, _totals.AsSpan(local * Days, Days), arena.AsSpan(pos));
                rows.Add(new PendingRow(baseIndex + local, 0, mask, arena.AsMemory(pos, length)));
                pos += length;
            }
            return [.. rows];
        }

        public void Clear()
        {
            Array.Clear(Masks);
            if (_series is not null) Array.Clear(_series);
        }
    }

    /// <summary>Parser settings shared by the workers.</summary>
    private sealed class ParseContext(CsvHeader header, AssetsOptions options, DateOnly today, AssetImportSettings settings, ClientIndex clients)
    {
        public CsvHeader Header { get; } = header;
        public AssetsOptions Options { get; } = options;
        public DateOnly Today { get; } = today;
        public AssetImportSettings Settings { get; } = settings;
        public ClientIndex Clients { get; } = clients;
        public bool HasComponents { get; } = header.Has("cash") || header.Has("securities") || header.Has("products") || header.Has("margin_net");

        public ChunkResult Parse(CsvChunk chunk, ChunkState state)
        {
            if (chunk.IsOverlongLine)
            {
                var result = new ChunkResult(0, false) { RowsRead = 1 };
                result.Problems.Add((new LineProblem(chunk.LinesBefore + 1, null, $"line is longer than {Options.MaxLineBytes} bytes"), ""));
                return result;
            }
            return Parse(chunk, 0, chunk.LinesBefore, state);
        }

        /// <summary>Reads the chunk's lines from <paramref name="offset"/>; the first of them is line <paramref name="linesBefore"/> + 1.</summary>
        public ChunkResult Parse(CsvChunk chunk, int offset, long linesBefore, ChunkState state)
        {
            // About 31 bytes a line in a typical feed: one rented array holds a whole chunk.
            var result = new ChunkResult(CsvChunks.DefaultChunkBytes / 24, HasComponents);
            state.NewClients.Clear();
            var bytes = chunk.Buffer;
            var end = chunk.Length;
            var reader = state.LineReader;
            if (!FastPath)
            {
                reader.Reset(bytes, offset, end - offset, linesBefore);
                while (reader.Read()) ReadSlow(reader, state, result);
                return result;
            }
            Span<char> clientNo = stackalloc char[ClientNumber.MaxLength];
            var line = linesBefore;
            var pos = offset;
            var maxLine = Options.MaxLineBytes + 1;
            while (pos < end)
            {
                var nl = bytes.AsSpan(pos, end - pos).IndexOf((byte)'\n');
                var lineEnd = nl < 0 ? end : pos + nl;
                var next = nl < 0 ? end : lineEnd + 1;
                line++;
                if (lineEnd - pos <= maxLine
                    && state.Rows.TryReadFast(bytes.AsSpan(pos, lineEnd - pos), clientNo, out var length, out var date, out var total))
                {
                    result.RowsRead++;
                    Add(result, state, clientNo[..length], date, new AssetSnapshot(total));
                }
                else
                {
                    // Anything unusual goes through the general reader, which decides and explains.
                    reader.Reset(bytes, pos, next - pos, line - 1);
                    while (reader.Read()) ReadSlow(reader, state, result);
                }
                pos = next;
            }
            return result;
        }

        private bool FastPath { get; } = header.IndexOf("total_assets") >= 0 && !(header.Has("cash") || header.Has("securities") || header.Has("products") || header.Has("margin_net"))
            && settings.Encoding.CodePage is 65001 or 936 or 54936;

        private void ReadSlow(CsvLineReader reader, ChunkState state, ChunkResult result)
        {
            result.RowsRead++;
            if (!state.Rows.TryRead(reader, Header, out var clientNo, out var date, out var snapshot, out var problem))
            {
                result.Problems.Add((problem!, Settings.SkipBadRows ? reader.RawLine() : null));
                return;
            }
            Add(result, state, clientNo, date, snapshot);
        }

        private void Add(ChunkResult result, ChunkState state, ReadOnlySpan<char> clientNo, DateOnly date, in AssetSnapshot snapshot)
        {
            if (!Clients.TryFind(clientNo, ref state.LastClient, out var ci))
            {
                // Not known yet: numbered when the chunk is committed in file order (first appearance order).
                if (!state.NewClientLookup.TryGetValue(clientNo, out var k))
                {
                    k = result.NewClients.Count;
                    var no = clientNo.ToString();
                    state.NewClients.Add(no, k);
                    result.NewClients.Add(no);
                }
                ci = ~k;
            }
            result.Add(ci, date.DayNumber, snapshot);
        }
    }

    /// <summary>Per-worker scratch: the row validator and the chunk's not-yet-known client numbers.</summary>
    private sealed class ChunkState
    {
        public ChunkState(ParseContext parse)
        {
            Rows = new AssetFeedRow(parse.Header, parse.Options, parse.Today);
            NewClientLookup = NewClients.GetAlternateLookup<ReadOnlySpan<char>>();
            LineReader = new CsvLineReader([], 0, 0, atFileStart: false, parse.Settings.Encoding, parse.Options.MaxLineBytes);
        }

        /// <summary>Reused for the lines the fast path leaves to the general reader.</summary>
        public CsvLineReader LineReader { get; }

        /// <summary>Index of the client on the previous line, to guess the next one (see <see cref="ClientIndex.TryFind"/>).</summary>
        public int LastClient = -1;

        public AssetFeedRow Rows { get; }
        public Dictionary<string, int> NewClients { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> NewClientLookup { get; }
    }

    internal readonly record struct SpoolRecord(int Client, int DayNumber, long Total);

    /// <summary>
    /// The rows of one chunk: client index (or ~k for the chunk's k-th new client number), day, values. Arrays come
    /// from the shared pool and go back when the chunk is committed: a month-end feed has hundreds of chunks.
    /// </summary>
    private sealed class ChunkResult(int capacity, bool hasComponents)
    {
        public SpoolRecord[] Records = capacity == 0 ? [] : ArrayPool<SpoolRecord>.Shared.Rent(capacity);
        public AssetSnapshot[]? Snapshots = hasComponents && capacity > 0 ? ArrayPool<AssetSnapshot>.Shared.Rent(capacity) : null;
        public int Count;
        public long RowsRead;
        public List<string> NewClients { get; } = [];
        public List<(LineProblem Problem, string? Raw)> Problems { get; } = [];

        public void Add(int client, int dayNumber, in AssetSnapshot snapshot)
        {
            if (Count == Records.Length)
            {
                Records = Grow(Records, Count);
                if (Snapshots is not null) Snapshots = Grow(Snapshots, Count);
            }
            Records[Count] = new SpoolRecord(client, dayNumber, snapshot.TotalFen);
            if (Snapshots is not null) Snapshots[Count] = snapshot;
            Count++;
        }

        private static T[] Grow<T>(T[] array, int count)
        {
            var bigger = ArrayPool<T>.Shared.Rent(Math.Max(1024, count * 2));
            array.AsSpan(0, count).CopyTo(bigger);
            if (array.Length > 0) ArrayPool<T>.Shared.Return(array);
            return bigger;
        }

        public void Return()
        {
            if (Records.Length > 0) ArrayPool<SpoolRecord>.Shared.Return(Records);
            if (Snapshots is not null) ArrayPool<AssetSnapshot>.Shared.Return(Snapshots);
            Records = [];
            Snapshots = null;
        }
    }
}

/// <summary>
/// Dense indexes for client numbers during an import: known clients first, then new numbers in order of first
/// appearance. Parser threads look numbers up without allocating; only the in-order commit adds.
/// </summary>
internal sealed class ClientIndex
{
    private readonly ConcurrentDictionary<string, int> _index;
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<long> _ids;
    private readonly int _known;
    private string?[] _names;

    private ClientIndex(ConcurrentDictionary<string, int> index, List<long> ids, string?[] names)
    {
        _index = index;
        _ids = ids;
        _known = ids.Count;
        _names = names;
        _lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// Finds a client number's index. Feeds list clients in the same order every day (or all days of one client
    /// together), so the client on the next line is usually the one after (or the same as) the previous line's:
    /// that guess is checked first and saves a hash lookup on tens of millions of lines. Safe to call from any
    /// thread while <see cref="GetOrAdd"/> runs: a number added concurrently may be missed, and is then treated
    /// as new and resolved at commit.
    /// </summary>
    public bool TryFind(ReadOnlySpan<char> clientNo, ref int last, out int index)
    {
        var names = Volatile.Read(ref _names);
        var next = last + 1;
        if ((uint)next < (uint)names.Length && names[next] is { } n && clientNo.SequenceEqual(n))
        {
            index = last = next;
            return true;
        }
        if ((uint)last < (uint)names.Length && names[last] is { } same && clientNo.SequenceEqual(same))
        {
            index = last;
            return true;
        }
        if (!_lookup.TryGetValue(clientNo, out index)) return false;
        last = index;
        return true;
    }

    public static async Task<ClientIndex> LoadAsync(CoServeDb db, CancellationToken ct)
    {
        var index = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<long>();
        var names = new List<string?>();
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = "SELECT \"Id\", \"ClientNo\" FROM \"Clients\" ORDER BY \"ClientNo\"";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var no = reader.GetString(1);
            index[no] = ids.Count;
            names.Add(no);
            ids.Add(reader.GetInt64(0));
        }
        names.Add(null);
        return new ClientIndex(index, ids, [.. names]);
    }

    /// <summary>Called only by the in-order commit: the index of a number, adding it when new.</summary>
    public int GetOrAdd(string clientNo)
    {
        if (_index.TryGetValue(clientNo, out var i)) return i;
        i = _ids.Count;
        var names = _names;
        if (i >= names.Length)
        {
            Array.Resize(ref names, names.Length * 2);
            Volatile.Write(ref _names, names);
        }
        names[i] = clientNo;
        _index[clientNo] = i;
        _ids.Add(0);
        return i;
    }

    /// <summary>Inserts placeholder clients (flagged incomplete) for the new numbers, in index order, and learns their ids.</summary>
    public async Task<int> InsertPlaceholdersAsync(CoServeDb db, DateTimeOffset now, CancellationToken ct)
    {
        var count = _ids.Count - _known;
        if (count == 0) return 0;
        var names = _names.AsSpan(_known, count).ToArray();
        var maxBefore = await db.Clients.MaxAsync(c => (long?)c.Id, ct) ?? 0;
        await using (var writer = await BulkWriter.StartAsync(db, "Clients", ["ClientNo", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            var values = new object?[6];
            foreach (var no in names)
            {
                values[0] = no;
                values[1] = true;
                values[2] = false;
                values[3] = now;
                values[4] = now;
                values[5] = 0;
                await writer.AddAsync(values, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = "SELECT \"Id\", \"ClientNo\" FROM \"Clients\" WHERE \"Id\" > @max";
        var p = cmd.CreateParameter();
        p.ParameterName = "@max";
        p.Value = maxBefore;
        cmd.Parameters.Add(p);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            _ids[_lookup[reader.GetString(1)]] = reader.GetInt64(0);
        }
        return count;
    }

    /// <summary>Sets each row's client id and sorts the rows by it (the store's key order).</summary>
    public void MapToIds(ImportAssetFeed.PendingRow[] rows)
    {
        var sorted = true;
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i].ClientId = _ids[rows[i].ClientIndex];
            if (i > 0 && rows[i].ClientId < rows[i - 1].ClientId) sorted = false;
        }
        if (!sorted) Array.Sort(rows, (a, b) => a.ClientId.CompareTo(b.ClientId));
    }
}

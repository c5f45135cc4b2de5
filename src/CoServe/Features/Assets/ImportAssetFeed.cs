using System.Diagnostics;
using System.Text;
using CoServe.Data;
using CoServe.Platform.Csv;
using CoServe.Platform.Storage;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
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
public sealed partial class ImportAssetFeed(
    IDbContextFactory<CoServeDb> dbFactory,
    IOptions<AssetsOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    ILogger<ImportAssetFeed> logger)
{
    public async Task<AssetImportReport> RunAsync(Stream input, string fileName, AssetImportSettings settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var o = options.Value;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        // Every known client number gets a dense index; unknown numbers are appended as placeholders later.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<long>();
        await foreach (var c in db.Clients.AsNoTracking().Select(c => new { c.Id, c.ClientNo }).AsAsyncEnumerable().WithCancellation(ct))
        {
            index[c.ClientNo] = ids.Count;
            ids.Add(c.Id);
        }
        var knownClients = ids.Count;

        using var spool = new SnapshotSpool(o.ImportMemoryBudgetBytes, Path.Combine(storage.Value.ResolveDataDirectory(), "tmp"));
        var problems = new ImportProblems();
        RejectsFile? rejects = null;
        long rowsRead = 0;
        IReadOnlyList<string> ignored;
        try
        {
            using (var reader = new CsvLineReader(input, settings.Encoding, o.MaxLineBytes))
            {
                if (!reader.Read())
                {
                    throw new ImportRejectedException(reader.FileError is { } fe ? $"{fileName}: {fe}" : $"{fileName}: file is empty (a header row is required)", []);
                }
                if (reader.Error is not null)
                {
                    throw new ImportRejectedException($"{fileName}: line {reader.LineNumber}: header row cannot be read: {reader.Error}", []);
                }
                var header = CsvHeader.Parse(reader, AssetFeedRow.Columns, out var headerErrors);
                if (AssetFeedRow.HeaderProblem(header) is { } hp) headerErrors.Add(hp);
                if (headerErrors.Count > 0)
                {
                    var list = headerErrors.Select(e => new LineProblem(reader.LineNumber, null, e)).ToList();
                    throw new ImportRejectedException($"{fileName}: header (line {reader.LineNumber}) is not usable:\n  " + string.Join("\n  ", headerErrors), list);
                }
                ignored = header.IgnoredColumns;
                var rows = new AssetFeedRow(header, o, BusinessTime.Today(clock));
                if (settings.SkipBadRows) rejects = new RejectsFile(settings.RejectsPath ?? fileName + ".rejects.csv");

                while (reader.Read())
                {
                    ct.ThrowIfCancellationRequested();
                    rowsRead++;
                    if (!rows.TryRead(reader, header, out var clientNo, out var date, out var snapshot, out var problem))
                    {
                        problems.Add(problem!);
                        rejects?.Write(problem!, reader.RawLine());
                        continue;
                    }
                    if (!index.TryGetValue(clientNo, out var ci))
                    {
                        ci = ids.Count;
                        index.Add(clientNo, ci);
                        ids.Add(0);
                    }
                    spool.Add(ci, date, snapshot);
                }
                if (reader.FileError is { } fileError) throw new ImportRejectedException($"{fileName}: {fileError}", []);
            }
            if (rowsRead == 0) throw new ImportRejectedException($"{fileName}: the file has a header but no data rows", []);
            if (problems.Any && !settings.SkipBadRows) throw new ImportRejectedException(problems.Describe(fileName), problems.Listed);
        }
        finally
        {
            rejects?.Dispose();
        }

        var report = await WriteAsync(db, index, ids, knownClients, spool, ct);
        LogImported(logger, spool.Records, problems.Count, report.NewPlaceholderClients, report.Months.Count);
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

    private async Task<AssetImportReport> WriteAsync(CoServeDb db, Dictionary<string, int> index, List<long> ids, int knownClients, SnapshotSpool spool, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // Placeholder clients for unknown numbers, flagged incomplete until the client book fills them in.
        var newClients = ids.Count - knownClients;
        if (newClients > 0)
        {
            var maxBefore = await db.Clients.MaxAsync(c => (long?)c.Id, ct) ?? 0;
            await using (var writer = await BulkWriter.StartAsync(db, "Clients", ["ClientNo", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
            {
                foreach (var (no, i) in index)
                {
                    if (i >= knownClients) await writer.AddAsync([no, true, false, now, now, 0], ct);
                }
                await writer.CompleteAsync(ct);
            }
            await foreach (var c in db.Clients.AsNoTracking().Where(c => c.Id > maxBefore).Select(c => new { c.Id, c.ClientNo }).AsAsyncEnumerable().WithCancellation(ct))
            {
                ids[index[c.ClientNo]] = c.Id;
            }
        }

        var monthsTouched = new SortedSet<int>();
        var monthsWithRows = new Dictionary<int, bool>();
        var clientsTouched = 0;
        long duplicates = 0, replaced = 0, imported = 0;
        for (var p = 0; p < SnapshotSpool.Partitions; p++)
        {
            var series = new Dictionary<long, DailyAssetSeries>();
            var clientsInPartition = new HashSet<int>();
            foreach (var (ci, date, snapshot) in spool.Read(p))
            {
                var month = (date.Year * 100) + date.Month;
                var key = ((long)ci << 20) | (uint)month;
                if (!series.TryGetValue(key, out var s)) series[key] = s = new DailyAssetSeries();
                if (s.Has(date.Day)) duplicates++;
                s.Set(date.Day, snapshot);
                clientsInPartition.Add(ci);
                imported++;
            }
            clientsTouched += clientsInPartition.Count;

            foreach (var byMonth in series.GroupBy(kv => (int)(kv.Key & 0xFFFFF)))
            {
                var month = byMonth.Key;
                monthsTouched.Add(month);
                if (!monthsWithRows.TryGetValue(month, out var hasRows))
                {
                    monthsWithRows[month] = hasRows = await db.AssetMonths.AnyAsync(a => a.Month == month, ct);
                }
                var rows = byMonth.Select(kv => (ClientId: ids[(int)(kv.Key >> 20)], Series: kv.Value)).OrderBy(r => r.ClientId).ToList();
                if (hasRows) replaced += await MergeExistingAsync(db, month, rows, ct);

                // Reads for this batch are done before the bulk write starts: PostgreSQL's COPY holds the connection.
                await using var upsert = await BulkWriter.StartAsync(db, "AssetMonths", ["Month", "ClientId", "DayMask", "Values", "UpdatedAt"], ["Month", "ClientId"], ct);
                foreach (var (clientId, s) in rows)
                {
                    await upsert.AddAsync([month, clientId, s.DayMask, s.Encode(), now], ct);
                }
                await upsert.CompleteAsync(ct);
            }
        }
        await tx.CommitAsync(ct);

        return new AssetImportReport(0, imported, 0, clientsTouched, newClients,
            monthsTouched.Select(m => CalendarMonth.FromKey(m).ToString()).ToList(), duplicates, replaced, null, [], false, TimeSpan.Zero);
    }

    /// <summary>Folds stored days into the new series (new values win) and counts values the file replaces.</summary>
    private static async Task<long> MergeExistingAsync(CoServeDb db, int month, List<(long ClientId, DailyAssetSeries Series)> rows, CancellationToken ct)
    {
        long replaced = 0;
        for (var i = 0; i < rows.Count; i += 500)
        {
            var batch = rows.Skip(i).Take(500).ToList();
            var batchIds = batch.Select(r => r.ClientId).ToList();
            var existing = await db.AssetMonths.AsNoTracking()
                .Where(a => a.Month == month && batchIds.Contains(a.ClientId))
                .Select(a => new { a.ClientId, a.DayMask, a.Values })
                .ToDictionaryAsync(a => a.ClientId, ct);
            foreach (var (clientId, s) in batch)
            {
                if (!existing.TryGetValue(clientId, out var old)) continue;
                var stored = DailyAssetSeries.Decode(old.DayMask, old.Values);
                for (var d = 1; d <= 31; d++)
                {
                    if (s.Has(d) && stored.Has(d) && stored.Get(d) != s.Get(d)) replaced++;
                }
                s.FillMissingFrom(stored);
            }
        }
        return replaced;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset feed imported: {Rows} rows, {Rejected} rejected, {NewClients} placeholder clients, {Months} months")]
    private static partial void LogImported(ILogger logger, long rows, long rejected, int newClients, int months);
}

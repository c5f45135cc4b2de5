using System.Diagnostics;
using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Csv;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Aml;

public sealed record AmlImportReport(
    long RowsRead,
    long RowsRejected,
    long Transactions,
    int ClientDays,
    IReadOnlyList<DateOnly> Days,
    int ReportItemsAdded,
    int ReportItemsUpdated,
    int CasesAdded,
    string? RejectsFile,
    IReadOnlyList<string> IgnoredColumns,
    TimeSpan ReadAndDetect,
    TimeSpan Elapsed);

/// <summary>
/// `coserve aml import`: reads a transaction feed strictly (a bad line rejects the whole file with line and column
/// reasons, unless bad rows are skipped into FILE.rejects.csv), detects large-value transactions and suspicious
/// patterns per client and day, and records report items and cases for Compliance in one transaction. Re-importing
/// a day never duplicates: items and cases are unique per client, day and category or rule. The transactions
/// themselves stay in the source system; only findings are stored. Cases are confidential timeline events.
/// </summary>
public sealed partial class ImportAmlFeed(
    CoServeDb db,
    DutyCalendar calendar,
    DutyPeople people,
    TimelineWriter timeline,
    Notifier notifier,
    IOptions<DutiesOptions> options,
    TimeProvider clock,
    ILogger<ImportAmlFeed> logger)
{
    public async Task<AmlImportReport> RunAsync(Stream input, string fileName, DutyImportSettings settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var o = options.Value.Aml;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<long>();
        await foreach (var c in db.Clients.AsNoTracking().Select(c => new { c.Id, c.ClientNo }).AsAsyncEnumerable().WithCancellation(ct))
        {
            index[c.ClientNo] = ids.Count;
            ids.Add(c.Id);
        }

        var detector = new AmlDetector(o);
        var problems = new ImportProblems();
        // Transaction ids are kept as 64-bit hashes, not strings: five million ids fit in 100 MB instead of 500.
        var seen = new HashSet<ulong>(input.CanSeek ? (int)Math.Min(input.Length / 60, 50_000_000) : 1 << 16);
        RejectsFile? rejects = null;
        long rowsRead = 0;
        IReadOnlyList<string> ignored;
        try
        {
            using var chunks = CsvChunks.Read(input, o.MaxLineBytes, ct: ct).GetEnumerator();
            var (header, headerChunk, headerReader) = CsvParallel.ReadHeader(chunks, fileName, settings.Encoding, o.MaxLineBytes, AmlFeedRow.Columns);
            ignored = header.IgnoredColumns;
            var rows = new AmlFeedRow(header, index, BusinessTime.Today(clock));
            if (settings.SkipBadRows) rejects = new RejectsFile(settings.RejectsPath ?? fileName + ".rejects.csv");

            // In file order: the first occurrence of a transaction id wins, problems are listed by line.
            void Commit(AmlChunk chunk)
            {
                rowsRead += chunk.LinesRead;
                var p = 0;
                foreach (var row in chunk.Rows)
                {
                    for (; p < chunk.Problems.Count && chunk.Problems[p].Problem.Line < row.Line; p++) Reject(chunk.Problems[p]);
                    if (row.IdLength == 0) continue;
                    var fresh = seen.Add(row.IdHash);
                    if (!row.Valid) continue;
                    if (fresh)
                    {
                        detector.Add(row.Transaction);
                        continue;
                    }
                    var id = new string(chunk.Ids, row.IdStart, row.IdLength);
                    Reject((new LineProblem(row.Line, "txn_id", $"'{id}' appears more than once in the file"), chunk.RawLines?.GetValueOrDefault(row.Line)));
                }
                for (; p < chunk.Problems.Count; p++) Reject(chunk.Problems[p]);
            }

            void Reject((LineProblem Problem, string? Raw) bad)
            {
                problems.Add(bad.Problem);
                rejects?.Write(bad.Problem, bad.Raw ?? "");
            }

            using (headerReader)
            {
                Commit(AmlChunk.Parse(headerReader, rows, settings.SkipBadRows));
            }
            headerChunk.Return();
            await CsvParallel.ParseInOrderAsync(chunks, () => 0, (chunk, _) =>
            {
                if (chunk.IsOverlongLine) return AmlChunk.Overlong(chunk.LinesBefore + 1, o.MaxLineBytes);
                using var reader = chunk.OpenReader(settings.Encoding, o.MaxLineBytes);
                return AmlChunk.Parse(reader, rows, settings.SkipBadRows);
            }, Commit, ct);
        }
        finally
        {
            rejects?.Dispose();
        }
        if (rowsRead == 0) throw new ImportRejectedException($"{fileName}: the file has a header but no data rows", []);
        if (problems.Any && !settings.SkipBadRows) throw new ImportRejectedException(problems.Describe(fileName), problems.Listed);

        var (large, cases) = detector.Finish();
        var detected = Stopwatch.GetElapsedTime(started);
        var days = large.Select(f => f.Day).Concat(cases.Select(c => c.Day)).Distinct().Order().ToList();
        var (added, updated, casesAdded) = await WriteAsync(Path.GetFileName(fileName), ids, large, cases, rowsRead, problems.Count, ct);
        LogImported(logger, detector.Transactions, problems.Count, added, updated, casesAdded);
        return new AmlImportReport(rowsRead, problems.Count, detector.Transactions, detector.ClientDays, days, added, updated, casesAdded,
            rejects?.Path, ignored, detected, Stopwatch.GetElapsedTime(started));
    }

    private async Task<(int Added, int Updated, int Cases)> WriteAsync(string fileName, List<long> ids, List<LargeValueFinding> large, List<CaseFinding> cases, long rows, long rejected, CancellationToken ct)
    {
        var o = options.Value.Aml;
        var now = clock.GetUtcNow();
        var days = large.Select(f => f.Day).Concat(cases.Select(c => c.Day)).Distinct().ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        var existingItems = await db.Set<AmlReportItem>().Where(i => days.Contains(i.Day)).ToDictionaryAsync(i => (i.ClientId, i.Day, i.Category), ct);
        int added = 0, updated = 0;
        foreach (var f in large)
        {
            var clientId = ids[f.Client];
            if (existingItems.TryGetValue((clientId, f.Day, f.Category), out var item))
            {
                if (item.Refresh(f.TotalFen / 100m, f.LargestFen / 100m, f.Count)) updated++;
                continue;
            }
            var due = calendar.AddBusinessDays(BusinessTime.ToInstant(f.Day, calendar.Hours.End), o.ReportBusinessDays);
            db.Add(new AmlReportItem(clientId, f.Day, f.Category, f.TotalFen / 100m, f.LargestFen / 100m, f.Count, now, due));
            added++;
        }

        var existingCases = (await db.Set<AmlCase>().Where(c => days.Contains(c.Day) && c.Rule != AmlRule.Manual).Select(c => new { c.ClientId, c.Day, c.Rule }).ToListAsync(ct))
            .Select(c => (c.ClientId, c.Day, c.Rule)).ToHashSet();
        var newCases = new List<AmlCase>();
        foreach (var f in cases)
        {
            var clientId = ids[f.Client];
            if (existingCases.Contains((clientId, f.Day, f.Rule))) continue;
            var details = JsonSerializer.Serialize(f.Facts, DetailsJson.Options);
            newCases.Add(new AmlCase(clientId, f.Rule, f.Day, details, now, calendar.AddBusinessDays(now, o.CaseBusinessDays)));
        }
        db.AddRange(newCases);
        db.Add(new AmlFeedRun(fileName, days.Count > 0 ? days.Min() : null, days.Count > 0 ? days.Max() : null, rows, rejected, added, newCases.Count, now));
        await db.SaveChangesAsync(ct);

        // Confidential timeline events: only the AML duty owner and Compliance ever read them (TimelineQueries).
        var owners = new Dictionary<int, int>();
        foreach (var c in newCases)
        {
            timeline.Append(c.ClientId, TimelineKind.Note, ActorKind.System, null, "system", EventVisibility.Confidential,
                details: new { duty = "aml", action = "case opened", amlCase = c.Id, rule = c.Rule.ToString(), day = c.Day });
            if (await people.HolderAsync(c.ClientId, DutyScope.Aml, ct) is { } owner) owners[owner] = owners.GetValueOrDefault(owner) + 1;
        }
        if (newCases.Count > 0 || added > 0)
        {
            foreach (var id in await people.InRoleAsync(StaffRole.Compliance, null, ct))
            {
                notifier.Add(id, NotificationKind.DutyTask, $"反洗钱监测：新增可疑案件 {newCases.Count} 件，大额交易报告 {added} 条", "/duties/aml");
            }
        }
        foreach (var (owner, count) in owners) notifier.Add(owner, NotificationKind.DutyTask, $"反洗钱：您负责的客户新增 {count} 件待合规审查的案件", "/duties/aml");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        timeline.Publish();
        await notifier.FlushAsync(ct);
        return (added, updated, newCases.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AML feed: {Transactions} transactions, {Rejected} rejected, {Added} report items added, {Updated} updated, {Cases} cases")]
    private static partial void LogImported(ILogger logger, long transactions, long rejected, int added, int updated, int cases);
}

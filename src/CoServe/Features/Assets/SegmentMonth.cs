using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CoServe.Data;
using CoServe.Platform.Money;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Assets;

public sealed record SegmentResult(
    CalendarMonth Month,
    MadaMode Mode,
    int Clients,
    int BaseClients,
    int HighEndClients,
    IReadOnlyDictionary<string, int> ByReportingTier,
    int CountedDays,
    TimeSpan Elapsed);

/// <summary>A client's result for the month, for callers that react to tiers (reports, transfers).</summary>
public readonly record struct ClientSegment(long ClientId, long MadaFen, AssetTier Tier);

/// <summary>
/// Month close: computes every client's MADA and tier for a month from the stored daily snapshots, replaces
/// the month's stored segments in one transaction and optionally writes client_no,month,mada,tier sorted by
/// client_no (ordinal), two decimals, invariant culture.
/// </summary>
public sealed partial class SegmentMonth(
    IDbContextFactory<CoServeDb> dbFactory,
    IOptions<AssetsOptions> options,
    TimeProvider clock,
    ILogger<SegmentMonth> logger)
{
    public async Task<SegmentResult> RunAsync(CalendarMonth month, MadaMode? requestedMode, TextWriter? output, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var o = options.Value;
        var mode = requestedMode ?? o.DefaultMode;
        var key = month.Key;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));

        if (!await db.AssetMonths.AnyAsync(a => a.Month <= key, ct))
        {
            throw new InvalidOperationException($"no asset snapshots on or before {month}; import the asset feed first");
        }

        var countedDays = MadaCalculator.AllDays(month);
        if (mode == MadaMode.Trading)
        {
            var masks = await db.AssetMonths.Where(a => a.Month == key).Select(a => a.DayMask).Distinct().ToListAsync(ct);
            countedDays = masks.Aggregate(0, (acc, m) => acc | m);
            if (countedDays == 0)
            {
                throw new InvalidOperationException($"trading mode needs snapshots dated within {month}; the store has none");
            }
        }

        await db.Database.OpenConnectionAsync(ct);
        var carry = await LoadCarryInAsync(db, key, ct);
        var thresholdFen = Fen.FromYuan(o.TierThreshold);
        var bands = o.ReportingTiers.OrderByDescending(t => t.Minimum).Select(t => (t.Name, Fen.FromYuan(t.Minimum))).ToList();

        // Month rows and carried-in values both come in client id order: one merge pass, no lookups, and the
        // results are already in the order they are stored in.
        var results = new List<ClientSegment>(carry.Count + 1024);
        var reporting = new Dictionary<long, string>();
        var totals = new long[31];
        var next = 0;
        await using (var cmd = Command(db, "SELECT \"ClientId\", \"DayMask\", \"Values\" FROM \"AssetMonths\" WHERE \"Month\" = @month ORDER BY \"ClientId\"", ("@month", key)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var clientId = reader.GetInt64(0);
                var dayMask = reader.GetInt32(1);
                while (next < carry.Count && carry.Ids[next] < clientId)
                {
                    Add(carry.Ids[next], MadaCalculator.MadaFen(month, carry.Totals[next], 0, totals, countedDays));
                    next++;
                }
                long? carryIn = null;
                if (next < carry.Count && carry.Ids[next] == clientId) carryIn = carry.Totals[next++];
                DailyAssetSeries.DecodeTotals(dayMask, reader.GetFieldValue<byte[]>(2), totals);
                Add(clientId, MadaCalculator.MadaFen(month, carryIn, dayMask, totals, countedDays));
            }
        }
        for (; next < carry.Count; next++) Add(carry.Ids[next], MadaCalculator.MadaFen(month, carry.Totals[next], 0, totals, countedDays));

        var now = clock.GetUtcNow();
        var baseCount = results.Count(r => r.Tier == AssetTier.Base);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.MonthlySegments.Where(s => s.Month == key).ExecuteDeleteAsync(ct);
            await using (var writer = await BulkWriter.StartAsync(db, "MonthlySegments", ["Month", "ClientId", "Mada", "Tier", "ReportingTier", "Mode", "ComputedAt"], null, ct))
            {
                var modeText = mode.ToString();
                var tierText = Enum.GetValues<AssetTier>().ToDictionary(t => t, t => t.ToString());
                var values = new object?[7];
                foreach (var r in results)
                {
                    reporting.TryGetValue(r.ClientId, out var band);
                    values[0] = key;
                    values[1] = r.ClientId;
                    values[2] = r.MadaFen;
                    values[3] = tierText[r.Tier];
                    values[4] = band;
                    values[5] = modeText;
                    values[6] = now;
                    await writer.AddAsync(values, ct);
                }
                await writer.CompleteAsync(ct);
            }
            db.SegmentationRuns.Add(new SegmentationRun(key, mode, o.TierThreshold, results.Count, baseCount, now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        if (output is not null) await WriteOutputAsync(db, month, results, output, ct);

        var byBand = reporting.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        LogSegmented(logger, month.ToString(), mode, results.Count, baseCount);
        return new SegmentResult(month, mode, results.Count, baseCount, results.Count - baseCount, byBand,
            System.Numerics.BitOperations.PopCount((uint)countedDays), Stopwatch.GetElapsedTime(started));

        void Add(long clientId, long madaFen)
        {
            results.Add(new ClientSegment(clientId, madaFen, MadaCalculator.TierOf(madaFen, thresholdFen)));
            if (MadaCalculator.ReportingTierOf(madaFen, bands) is { } band) reporting[clientId] = band;
        }
    }

    private static DbCommand Command(CoServeDb db, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    /// <summary>Each client's latest total before the month (the value carried into its first days), in client id order.</summary>
    private sealed class CarryIn(List<long> ids, List<long> totals)
    {
        public List<long> Ids { get; } = ids;
        public List<long> Totals { get; } = totals;
        public int Count => Ids.Count;
    }

    /// <summary>
    /// Most clients carry in from the month just before (read in one ordered range scan); clients whose latest
    /// snapshot is older are found with one grouped query and read month by month.
    /// </summary>
    private static async Task<CarryIn> LoadCarryInAsync(CoServeDb db, int monthKey, CancellationToken ct)
    {
        var ids = new List<long>();
        var totals = new List<long>();
        var previous = await db.AssetMonths.Where(a => a.Month < monthKey).MaxAsync(a => (int?)a.Month, ct);
        if (previous is not { } prev) return new CarryIn(ids, totals);

        await using (var cmd = Command(db, "SELECT \"ClientId\", \"DayMask\", \"Values\" FROM \"AssetMonths\" WHERE \"Month\" = @month ORDER BY \"ClientId\"", ("@month", prev)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (DailyAssetSeries.LastTotal(reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)) is not { } last) continue;
                ids.Add(reader.GetInt64(0));
                totals.Add(last);
            }
        }

        var older = await db.AssetMonths.AsNoTracking()
            .Where(a => a.Month < prev && !db.AssetMonths.Any(b => b.Month == prev && b.ClientId == a.ClientId))
            .GroupBy(a => a.ClientId)
            .Select(g => new { ClientId = g.Key, Month = g.Max(a => a.Month) })
            .ToListAsync(ct);
        if (older.Count == 0) return new CarryIn(ids, totals);

        var found = new Dictionary<long, long>();
        foreach (var group in older.GroupBy(x => x.Month))
        {
            var wanted = group.Select(x => x.ClientId).ToHashSet();
            var m = group.Key;
            await foreach (var row in db.AssetMonths.AsNoTracking().Where(a => a.Month == m)
                               .Select(a => new { a.ClientId, a.DayMask, a.Values }).AsAsyncEnumerable().WithCancellation(ct))
            {
                if (wanted.Contains(row.ClientId) && DailyAssetSeries.LastTotal(row.DayMask, row.Values) is { } last)
                {
                    found[row.ClientId] = last;
                }
            }
        }
        var merged = ids.Select((id, i) => (Id: id, Total: totals[i])).Concat(found.Select(kv => (Id: kv.Key, Total: kv.Value))).OrderBy(x => x.Id).ToList();
        return new CarryIn(merged.Select(x => x.Id).ToList(), merged.Select(x => x.Total).ToList());
    }

    /// <summary>
    /// Client numbers come from the client_no index in byte order, which is ordinal order for client numbers
    /// (ASCII by rule); should a store ever hold one that is not, the lines are sorted in memory instead.
    /// </summary>
    private static async Task WriteOutputAsync(CoServeDb db, CalendarMonth month, List<ClientSegment> results, TextWriter output, CancellationToken ct)
    {
        var positions = new Dictionary<long, int>(results.Count);
        for (var i = 0; i < results.Count; i++) positions[results[i].ClientId] = i;
        var lines = new List<(string No, int Result)>(results.Count);
        var ordered = true;
        string? previous = null;
        await using (var cmd = Command(db, "SELECT \"Id\", \"ClientNo\" FROM \"Clients\" ORDER BY \"ClientNo\""))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (!positions.TryGetValue(reader.GetInt64(0), out var at)) continue;
                var no = reader.GetString(1);
                if (previous is not null && string.CompareOrdinal(previous, no) > 0) ordered = false;
                previous = no;
                lines.Add((no, at));
            }
        }
        if (!ordered) lines.Sort((a, b) => string.CompareOrdinal(a.No, b.No));

        var monthText = month.ToString();
        await output.WriteLineAsync("client_no,month,mada,tier".AsMemory(), ct);
        var buffer = new StringBuilder(1 << 16);
        foreach (var (no, at) in lines)
        {
            var r = results[at];
            buffer.Append(no).Append(',').Append(monthText).Append(',');
            AppendYuan(buffer, r.MadaFen);
            buffer.Append(',').Append(r.Tier == AssetTier.Base ? "Base" : "HighEnd").Append(output.NewLine);
            if (buffer.Length < 60_000) continue;
            await output.WriteAsync(buffer, ct);
            buffer.Clear();
        }
        await output.WriteAsync(buffer, ct);
        await output.FlushAsync(ct);
    }

    /// <summary>Fen as yuan with exactly two decimals, as <see cref="Fen.Format"/> writes it, without a decimal per line.</summary>
    private static void AppendYuan(StringBuilder sb, long fen)
    {
        if (fen < 0) sb.Append('-');
        var abs = Math.Abs(fen);
        sb.Append((abs / 100).ToString(CultureInfo.InvariantCulture)).Append('.');
        var cents = abs % 100;
        sb.Append((char)('0' + (cents / 10))).Append((char)('0' + (cents % 10)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Segmented {Month} ({Mode}): {Clients} clients, {BaseClients} below the threshold")]
    private static partial void LogSegmented(ILogger logger, string month, MadaMode mode, int clients, int baseClients);
}

using System.Diagnostics;
using System.Globalization;
using CoServe.Data;
using CoServe.Platform.Money;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
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

        var carry = await LoadCarryInAsync(db, key, ct);
        var thresholdFen = Fen.FromYuan(o.TierThreshold);
        var bands = o.ReportingTiers.OrderByDescending(t => t.Minimum).Select(t => (t.Name, Fen.FromYuan(t.Minimum))).ToList();

        var results = new List<ClientSegment>(carry.Count + 1024);
        var reporting = new Dictionary<long, string>();
        var totals = new long[31];
        var seen = new HashSet<long>();
        await foreach (var row in db.AssetMonths.AsNoTracking().Where(a => a.Month == key)
                           .Select(a => new { a.ClientId, a.DayMask, a.Values }).AsAsyncEnumerable().WithCancellation(ct))
        {
            DailyAssetSeries.DecodeTotals(row.DayMask, row.Values, totals);
            long? carryIn = carry.TryGetValue(row.ClientId, out var c) ? c : null;
            var mada = MadaCalculator.MadaFen(month, carryIn, row.DayMask, totals, countedDays);
            Add(row.ClientId, mada);
            seen.Add(row.ClientId);
        }
        foreach (var (clientId, carryIn) in carry)
        {
            if (seen.Contains(clientId)) continue;
            Add(clientId, MadaCalculator.MadaFen(month, carryIn, 0, totals, countedDays));
        }
        results.Sort((a, b) => a.ClientId.CompareTo(b.ClientId));

        var now = clock.GetUtcNow();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.MonthlySegments.Where(s => s.Month == key).ExecuteDeleteAsync(ct);
            await using (var writer = await BulkWriter.StartAsync(db, "MonthlySegments", ["Month", "ClientId", "Mada", "Tier", "ReportingTier", "Mode", "ComputedAt"], null, ct))
            {
                var modeText = mode.ToString();
                foreach (var r in results)
                {
                    reporting.TryGetValue(r.ClientId, out var band);
                    await writer.AddAsync([key, r.ClientId, r.MadaFen, r.Tier.ToString(), band, modeText, now], ct);
                }
                await writer.CompleteAsync(ct);
            }
            var baseCount = results.Count(r => r.Tier == AssetTier.Base);
            db.SegmentationRuns.Add(new SegmentationRun(key, mode, o.TierThreshold, results.Count, baseCount, now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        if (output is not null) await WriteOutputAsync(db, month, results, output, ct);

        var byBand = reporting.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        var baseClients = results.Count(r => r.Tier == AssetTier.Base);
        LogSegmented(logger, month.ToString(), mode, results.Count, baseClients);
        return new SegmentResult(month, mode, results.Count, baseClients, results.Count - baseClients, byBand,
            System.Numerics.BitOperations.PopCount((uint)countedDays), Stopwatch.GetElapsedTime(started));

        void Add(long clientId, long madaFen)
        {
            results.Add(new ClientSegment(clientId, madaFen, MadaCalculator.TierOf(madaFen, thresholdFen)));
            if (MadaCalculator.ReportingTierOf(madaFen, bands) is { } band) reporting[clientId] = band;
        }
    }

    /// <summary>Each client's latest total before the month: the value carried into its first days.</summary>
    private static async Task<Dictionary<long, long>> LoadCarryInAsync(CoServeDb db, int monthKey, CancellationToken ct)
    {
        var lastMonths = await db.AssetMonths.AsNoTracking()
            .Where(a => a.Month < monthKey)
            .GroupBy(a => a.ClientId)
            .Select(g => new { ClientId = g.Key, Month = g.Max(a => a.Month) })
            .ToListAsync(ct);
        var carry = new Dictionary<long, long>(lastMonths.Count);
        foreach (var group in lastMonths.GroupBy(x => x.Month))
        {
            var wanted = group.Select(x => x.ClientId).ToHashSet();
            var m = group.Key;
            await foreach (var row in db.AssetMonths.AsNoTracking().Where(a => a.Month == m)
                               .Select(a => new { a.ClientId, a.DayMask, a.Values }).AsAsyncEnumerable().WithCancellation(ct))
            {
                if (wanted.Contains(row.ClientId) && DailyAssetSeries.LastTotal(row.DayMask, row.Values) is { } last)
                {
                    carry[row.ClientId] = last;
                }
            }
        }
        return carry;
    }

    private static async Task WriteOutputAsync(CoServeDb db, CalendarMonth month, List<ClientSegment> results, TextWriter output, CancellationToken ct)
    {
        var numbers = new Dictionary<long, string>(results.Count);
        await foreach (var c in db.Clients.AsNoTracking().Select(c => new { c.Id, c.ClientNo }).AsAsyncEnumerable().WithCancellation(ct))
        {
            numbers[c.Id] = c.ClientNo;
        }
        var lines = results.Select(r => (No: numbers[r.ClientId], r.MadaFen, r.Tier)).ToList();
        lines.Sort((a, b) => string.CompareOrdinal(a.No, b.No));
        var monthText = month.ToString();
        await output.WriteLineAsync("client_no,month,mada,tier".AsMemory(), ct);
        foreach (var (no, mada, tier) in lines)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{no},{monthText},{Fen.Format(mada)},{tier}").AsMemory(), ct);
        }
        await output.FlushAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Segmented {Month} ({Mode}): {Clients} clients, {BaseClients} below the threshold")]
    private static partial void LogSegmented(ILogger logger, string month, MadaMode mode, int clients, int baseClients);
}

using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Platform.Auth;
using CoServe.Platform.Money;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Assets;

public sealed record DailyAssetPoint(DateOnly Date, decimal Total, decimal? Cash, decimal? Securities, decimal? Products, decimal? MarginNet);

public sealed record MonthlySegmentPoint(string Month, decimal Mada, AssetTier Tier, string? ReportingTier, MadaMode Mode);

public sealed record SegmentRunInfo(string Month, MadaMode Mode, decimal Threshold, int Clients, int BaseClients, DateTimeOffset ComputedAt);

/// <summary>Scoped reads of asset history: daily snapshots and monthly MADA/tier per client.</summary>
public sealed class AssetQueries(CoServeDb db)
{
    /// <returns>null when the client is not visible to the caller.</returns>
    public async Task<IReadOnlyList<DailyAssetPoint>?> DailyAsync(CurrentStaff staff, string clientNo, DateOnly from, DateOnly to, CancellationToken ct)
    {
        if (to < from) throw new ArgumentException("'to' is before 'from'", nameof(to));
        if (to.DayNumber - from.DayNumber > 800) throw new ArgumentException("ask for at most about two years at a time", nameof(to));
        var clientId = await VisibleClientIdAsync(staff, clientNo, ct);
        if (clientId is null) return null;
        var first = CalendarMonth.Of(from).Key;
        var last = CalendarMonth.Of(to).Key;
        var rows = await db.AssetMonths.AsNoTracking()
            .Where(a => a.ClientId == clientId && a.Month >= first && a.Month <= last)
            .OrderBy(a => a.Month)
            .Select(a => new { a.Month, a.DayMask, a.Values })
            .ToListAsync(ct);
        var points = new List<DailyAssetPoint>();
        foreach (var row in rows)
        {
            var month = CalendarMonth.FromKey(row.Month);
            var series = DailyAssetSeries.Decode(row.DayMask, row.Values);
            for (var d = 1; d <= month.Days; d++)
            {
                if (!series.Has(d)) continue;
                var date = new DateOnly(month.Year, month.Month, d);
                if (date < from || date > to) continue;
                var s = series.Get(d);
                points.Add(new DailyAssetPoint(date, Fen.ToYuan(s.TotalFen), Y(s.CashFen), Y(s.SecuritiesFen), Y(s.ProductsFen), Y(s.MarginNetFen)));
            }
        }
        return points;
    }

    public async Task<IReadOnlyList<MonthlySegmentPoint>?> MonthlyAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var clientId = await VisibleClientIdAsync(staff, clientNo, ct);
        if (clientId is null) return null;
        var rows = await db.MonthlySegments.AsNoTracking()
            .Where(s => s.ClientId == clientId)
            .OrderBy(s => s.Month)
            .ToListAsync(ct);
        return rows.Select(s => new MonthlySegmentPoint(CalendarMonth.FromKey(s.Month).ToString(), s.Mada, s.Tier, s.ReportingTier, s.Mode)).ToList();
    }

    public async Task<IReadOnlyList<SegmentRunInfo>> RunsAsync(CancellationToken ct)
    {
        var runs = await db.SegmentationRuns.AsNoTracking().OrderByDescending(r => r.Month).ThenByDescending(r => r.Id).ToListAsync(ct);
        return runs.GroupBy(r => r.Month).Select(g => g.First())
            .Select(r => new SegmentRunInfo(CalendarMonth.FromKey(r.Month).ToString(), r.Mode, r.Threshold, r.Clients, r.BaseClients, r.ComputedAt))
            .ToList();
    }

    /// <summary>Tier counts of the latest month among the clients the caller can see.</summary>
    public async Task<(string? Month, int Base, int HighEnd)> TierCountsAsync(CurrentStaff staff, CancellationToken ct)
    {
        var month = await db.SegmentationRuns.MaxAsync(r => (int?)r.Month, ct);
        if (month is null) return (null, 0, 0);
        var visible = db.Clients.VisibleTo(staff).Select(c => c.Id);
        var counts = await db.MonthlySegments.AsNoTracking()
            .Where(s => s.Month == month && visible.Contains(s.ClientId))
            .GroupBy(s => s.Tier)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        return (CalendarMonth.FromKey(month.Value).ToString(),
            counts.FirstOrDefault(c => c.Key == AssetTier.Base)?.Count ?? 0,
            counts.FirstOrDefault(c => c.Key == AssetTier.HighEnd)?.Count ?? 0);
    }

    private async Task<long?> VisibleClientIdAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        return await db.Clients.AsNoTracking().VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
    }

    private static decimal? Y(long? fen) => fen is { } f ? Fen.ToYuan(f) : null;
}

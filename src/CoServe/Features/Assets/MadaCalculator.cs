using CoServe.Platform.Money;
using CoServe.Platform.Time;

namespace CoServe.Features.Assets;

public enum AssetTier
{
    /// <summary>两基客户: MADA below the threshold.</summary>
    Base = 1,
    /// <summary>高端客户: MADA at or above the threshold.</summary>
    HighEnd = 2,
}

/// <summary>
/// Monthly average daily assets (月日均资产), exactly as the policy defines it:
/// A(c,d) = total of the client's latest snapshot dated on or before day d (looking back into earlier
/// months), 0 before the first snapshot; MADA = sum of A over the month's days / number of days, rounded
/// half away from zero to whole fen. In trading mode the days are the distinct dates of the month present
/// in the store, with the same carry-forward.
/// </summary>
public static class MadaCalculator
{
    /// <param name="month">The month.</param>
    /// <param name="carryInFen">Total of the latest snapshot before the month's first day, if any.</param>
    /// <param name="dayMask">Days of the month with a snapshot (bit d-1).</param>
    /// <param name="totals">Totals indexed by day-1; only entries in <paramref name="dayMask"/> are read.</param>
    /// <param name="countedDays">Days that count (bit d-1): all days in natural mode, the store's trading dates otherwise.</param>
    public static long MadaFen(CalendarMonth month, long? carryInFen, int dayMask, ReadOnlySpan<long> totals, int countedDays)
    {
        var days = month.Days;
        var denominator = 0;
        long sum = 0;
        var current = carryInFen ?? 0;
        for (var i = 0; i < days; i++)
        {
            var bit = 1 << i;
            if ((dayMask & bit) != 0) current = totals[i];
            if ((countedDays & bit) == 0) continue;
            sum += current;
            denominator++;
        }
        if (denominator == 0) throw new InvalidOperationException($"month {month} has no days to average over");
        return Fen.DivideRounded(sum, denominator);
    }

    public static int AllDays(CalendarMonth month) => month.Days == 31 ? -1 >>> 1 : (1 << month.Days) - 1;

    public static AssetTier TierOf(long madaFen, long thresholdFen) => madaFen < thresholdFen ? AssetTier.Base : AssetTier.HighEnd;

    /// <summary>The highest reporting band whose minimum the MADA reaches, or null.</summary>
    public static string? ReportingTierOf(long madaFen, IReadOnlyList<(string Name, long MinimumFen)> bandsDescending)
    {
        foreach (var (name, min) in bandsDescending)
        {
            if (madaFen >= min) return name;
        }
        return null;
    }
}

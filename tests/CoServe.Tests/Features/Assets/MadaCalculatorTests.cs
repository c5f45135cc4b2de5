using CoServe.Features.Assets;
using CoServe.Platform.Time;

namespace CoServe.Tests.Features.Assets;

public class MadaCalculatorTests
{
    private static readonly CalendarMonth Feb2024 = new(2024, 2);

    private static (int Mask, long[] Totals) Days(params (int Day, long Fen)[] snapshots)
    {
        var totals = new long[31];
        var mask = 0;
        foreach (var (day, fen) in snapshots)
        {
            mask |= 1 << (day - 1);
            totals[day - 1] = fen;
        }
        return (mask, totals);
    }

    [Fact]
    public void Natural_LeapFebruary_DividesBy29_AndCarriesJanuaryIn()
    {
        var (mask, totals) = Days((29, 20_050));
        var mada = MadaCalculator.MadaFen(Feb2024, carryInFen: 10_000, mask, totals, MadaCalculator.AllDays(Feb2024));
        Assert.Equal(10_347, mada); // (28 x 100.00 + 200.50) / 29 = 103.4655 -> 103.47
    }

    [Fact]
    public void Natural_ClientOpeningMidMonth_CountsEarlierDaysAsZero()
    {
        var (mask, totals) = Days((15, 58_000_000));
        Assert.Equal(30_000_000, MadaCalculator.MadaFen(Feb2024, null, mask, totals, MadaCalculator.AllDays(Feb2024)));
    }

    [Fact]
    public void Natural_NoSnapshotThisMonth_CarriesTheLastValueAllMonth()
    {
        Assert.Equal(100_000_000, MadaCalculator.MadaFen(Feb2024, 100_000_000, 0, new long[31], MadaCalculator.AllDays(Feb2024)));
    }

    [Theory]
    [InlineData(49_999_985, 50_000_000, AssetTier.HighEnd)] // 499,999.995 rounds half away from zero onto the line
    [InlineData(49_999_984, 49_999_999, AssetTier.Base)]    // 499,999.9946 stays below it
    public void Natural_HalfCentAtTheThreshold_RoundsAwayFromZero(long lastDayFen, long expectedMada, AssetTier expectedTier)
    {
        var april = new CalendarMonth(2024, 4);
        var (mask, totals) = Days((1, 50_000_000), (30, lastDayFen));
        var mada = MadaCalculator.MadaFen(april, null, mask, totals, MadaCalculator.AllDays(april));
        Assert.Equal(expectedMada, mada);
        Assert.Equal(expectedTier, MadaCalculator.TierOf(mada, 50_000_000));
    }

    [Fact]
    public void Trading_CountsOnlyStoreDates_WithCarryForwardBetweenThem()
    {
        // Store dates: 1st, 2nd and 29th. This client changed value on the 10th (not a counted day).
        var counted = (1 << 0) | (1 << 1) | (1 << 28);
        var (mask, totals) = Days((1, 100), (10, 400));
        Assert.Equal(200, MadaCalculator.MadaFen(Feb2024, null, mask, totals, counted)); // (100 + 100 + 400) / 3
    }

    [Fact]
    public void AllDays_HasOneBitPerDay()
    {
        Assert.Equal(29, System.Numerics.BitOperations.PopCount((uint)MadaCalculator.AllDays(Feb2024)));
        Assert.Equal(31, System.Numerics.BitOperations.PopCount((uint)MadaCalculator.AllDays(new CalendarMonth(2024, 1))));
    }

    [Fact]
    public void ReportingTier_PicksHighestReachedBand()
    {
        var bands = new List<(string, long)> { ("Private", 600_000_000), ("Wealth", 200_000_000) };
        Assert.Equal("Wealth", MadaCalculator.ReportingTierOf(200_000_000, bands));
        Assert.Equal("Private", MadaCalculator.ReportingTierOf(900_000_000, bands));
        Assert.Null(MadaCalculator.ReportingTierOf(199_999_999, bands));
    }
}

public class DailyAssetSeriesTests
{
    [Fact]
    public void EncodeDecode_RoundTripsTotalsAndComponents()
    {
        var s = new DailyAssetSeries();
        s.Set(1, new AssetSnapshot(100));
        s.Set(31, new AssetSnapshot(500, CashFen: 100, SecuritiesFen: 400, MarginNetFen: -5));
        var back = DailyAssetSeries.Decode(s.DayMask, s.Encode());
        Assert.Equal(new AssetSnapshot(100), back.Get(1));
        Assert.Equal(new AssetSnapshot(500, 100, 400, null, -5), back.Get(31));
        Assert.Equal(500, DailyAssetSeries.LastTotal(s.DayMask, s.Encode()));
    }

    [Fact]
    public void Decode_LengthNotMatchingMask_Throws() =>
        Assert.Throws<InvalidDataException>(() => DailyAssetSeries.Decode(0b11, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0 }));

    [Fact]
    public void FillMissingFrom_KeepsNewerValues()
    {
        var older = new DailyAssetSeries();
        older.Set(1, new AssetSnapshot(1));
        older.Set(2, new AssetSnapshot(2));
        var newer = new DailyAssetSeries();
        newer.Set(2, new AssetSnapshot(20));
        newer.FillMissingFrom(older);
        Assert.Equal(1, newer.Get(1).TotalFen);
        Assert.Equal(20, newer.Get(2).TotalFen);
    }
}

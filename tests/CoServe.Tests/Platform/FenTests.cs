using CoServe.Platform.Money;

namespace CoServe.Tests.Platform;

public class FenTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1234.5", 123450)]
    [InlineData("1234.50", 123450)]
    [InlineData("-12.01", -1201)]
    [InlineData("+7", 700)]
    [InlineData(".5", 50)]
    [InlineData("  499999.99 ", 49999999)]
    [InlineData("999999999999.99", 99999999999999)]
    public void TryParse_PlainDecimals_GivesExactFen(string text, long expected)
    {
        Assert.True(Fen.TryParse(text, out var fen, out var error), error);
        Assert.Equal(expected, fen);
    }

    [Theory]
    [InlineData("1,234.50", "thousands separator")]
    [InlineData("--", "not a number")]
    [InlineData("NaN", "not a number")]
    [InlineData("1e309", "exponent")]
    [InlineData("1.234", "more than 2 decimal places")]
    [InlineData("", "empty")]
    [InlineData("¥100", "not a number")]
    [InlineData("1000000000000", "out of range")]
    [InlineData("12.3.4", "not a number")]
    public void TryParse_Malformed_SaysWhy(string text, string reason)
    {
        Assert.False(Fen.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 4, 3)]      // 2.5 -> 3
    [InlineData(-10, 4, -3)]    // -2.5 -> -3 (away from zero)
    [InlineData(9, 4, 2)]       // 2.25 -> 2
    [InlineData(11, 4, 3)]      // 2.75 -> 3
    [InlineData(1_499_999_985, 30, 50_000_000)]  // 49,999,999.5 fen: 499,999.995 yuan rounds up to the line
    public void DivideRounded_RoundsHalfAwayFromZero(long numerator, long divisor, long expected) =>
        Assert.Equal(expected, Fen.DivideRounded(numerator, divisor));

    [Fact]
    public void Format_AlwaysTwoDecimalsInvariant() => Assert.Equal("1234567.80", Fen.Format(123456780));
}

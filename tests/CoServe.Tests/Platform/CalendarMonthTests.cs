using CoServe.Platform.Time;

namespace CoServe.Tests.Platform;

public class CalendarMonthTests
{
    [Theory]
    [InlineData("2024-02", 2024, 2, 29)]
    [InlineData("202302", 2023, 2, 28)]
    [InlineData("2024-12", 2024, 12, 31)]
    public void Parse_AcceptsBothForms(string text, int year, int month, int days)
    {
        var m = CalendarMonth.Parse(text);
        Assert.Equal((year, month, days), (m.Year, m.Month, m.Days));
    }

    [Theory]
    [InlineData("2024-13")]
    [InlineData("2024-1")]
    [InlineData("24-01")]
    [InlineData("")]
    [InlineData("2024/01")]
    public void TryParse_RejectsOtherShapes(string text) => Assert.False(CalendarMonth.TryParse(text, out _));

    [Fact]
    public void AddMonths_CrossesYears() => Assert.Equal("2025-01", CalendarMonth.Parse("2024-12").AddMonths(1).ToString());

    [Fact]
    public void BusinessTime_DateOfInstant_IsShanghaiDate()
    {
        // 2024-01-31 17:30 UTC is already 2024-02-01 01:30 in Shanghai.
        var instant = new DateTimeOffset(2024, 1, 31, 17, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2024, 2, 1), BusinessTime.DateOf(instant));
        Assert.Equal(new DateTimeOffset(2024, 1, 31, 16, 0, 0, TimeSpan.Zero), BusinessTime.StartOfDay(new DateOnly(2024, 2, 1)));
    }
}

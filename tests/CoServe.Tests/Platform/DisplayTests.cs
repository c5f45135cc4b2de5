using CoServe.Platform.Web;

namespace CoServe.Tests.Platform;

public class DisplayTests
{
    [Fact]
    public void Due_ADayDeadlineReadsAsItsDate_AnInstantKeepsItsTime_InShanghaiTime()
    {
        // Midnight in Shanghai is 16:00 UTC the day before.
        Assert.Equal("2026-10-18", Display.Due(new DateTimeOffset(2026, 10, 17, 16, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2026-10-18 08:00:00", Display.Due(new DateTimeOffset(2026, 10, 18, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2026-11-26 20:23:43", Display.Due(new DateTimeOffset(2026, 11, 26, 12, 23, 43, TimeSpan.Zero)));
    }
}

using CoServe.Features.Conversations;

namespace CoServe.Tests.Features.Conversations;

public class WaitPromiseTests
{
    // Shanghai is UTC+8; the service hours in these cases are 08:30-21:30.
    private static DateTimeOffset Shanghai(int day, int hour, int minute) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(25, 10, 0, 25, 10, 15, 15, "预计等待15分钟")]
    [InlineData(25, 10, 0, 25, 10, 0, 15, "预计等待1分钟")] // already due (an SLA of zero left): never "0 minutes"
    [InlineData(25, 22, 0, 26, 8, 45, 15, "人工客服将在明天08:45前回复您")]
    [InlineData(25, 21, 25, 26, 8, 35, 10, "人工客服将在明天08:35前回复您")] // the deadline runs past closing time
    [InlineData(26, 1, 0, 26, 8, 45, 15, "人工客服将在今天08:45前回复您")]
    [InlineData(27, 22, 0, 30, 8, 45, 15, "人工客服将在11月30日08:45前回复您")] // a weekend without service
    public void Phrase_TheMinutesWhenTheDeadlineIsWithinThem_ElseTheHour(int day, int hour, int minute, int dueDay, int dueHour, int dueMinute, int slaMinutes, string expected) =>
        Assert.Equal(expected, WaitPromise.Phrase(Shanghai(day, hour, minute), Shanghai(dueDay, dueHour, dueMinute), TimeSpan.FromMinutes(slaMinutes)));

    [Fact]
    public void Fill_PutsTheWaitWhereTheTokenIs_AndLeavesOtherTextAlone()
    {
        Assert.Equal("已为您转接，预计等待5分钟，请稍候。", WaitPromise.Fill("已为您转接，" + WaitPromise.Token + "，请稍候。", "预计等待5分钟"));
        Assert.Equal("已为您转接，请稍候。", WaitPromise.Fill("已为您转接，请稍候。", "预计等待5分钟"));
    }
}

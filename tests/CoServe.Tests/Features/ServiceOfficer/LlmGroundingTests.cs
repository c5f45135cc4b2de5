using CoServe.Features.ServiceOfficer.Llm;
using Microsoft.Extensions.Time.Testing;

namespace CoServe.Tests.Features.ServiceOfficer;

public sealed class LlmGroundingTests
{
    private const string Source = "{客户称呼}您好，逆回购手续费按成交金额和期限收取，1 天期为成交金额的十万分之一，交易日 9:15-9:25 为集合竞价，最低 1000 元起，详询{营业部电话}。";

    [Theory]
    [InlineData("{客户称呼}您好，1天期逆回购的手续费是成交金额的十万分之一。")]
    [InlineData("<NAME_1>您好，最低1,000元起，9：15开始集合竞价，可致电{营业部电话}。")]
    [InlineData("您好，逆回购按金额和期限收费。")]
    public void Grounded_RepliesStatingOnlySourceFacts(string reply) =>
        Assert.Empty(GroundingCheck.Ungrounded(reply, [Source]));

    [Theory]
    [InlineData("1天期手续费为成交金额的万分之五。", "万分之五")]
    [InlineData("手续费是0.001%。", "0.001%")]
    [InlineData("最低 100 元起。", "100")]
    [InlineData("请致电 95566 咨询。", "95566")]
    [InlineData("2026年12月1日起调整。", "2026")]
    [InlineData("年化收益约 2.5%。", "2.5%")]
    [InlineData("三天内到账。", "三天")]
    public void Ungrounded_NumbersRatesPhonesDatesNotInTheSource(string reply, string fact) =>
        Assert.Contains(fact, GroundingCheck.Ungrounded(reply, [Source]));

    [Fact]
    public void Breaker_OpensAfterConsecutiveFailures_TrialClosesIt()
    {
        var clock = new FakeTimeProvider();
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(30), clock);
        Assert.True(breaker.TryEnter());
        breaker.Failure();
        breaker.Success();
        Assert.False(breaker.Failure());
        Assert.False(breaker.Failure());
        Assert.True(breaker.Failure());
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryEnter());
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryEnter());
        Assert.False(breaker.TryEnter());
        Assert.True(breaker.Failure());
        Assert.False(breaker.TryEnter());
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryEnter());
        breaker.Success();
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryEnter());
    }
}

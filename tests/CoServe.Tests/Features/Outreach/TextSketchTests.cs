using CoServe.Features.Channels.WeCom;
using CoServe.Features.Outreach;

namespace CoServe.Tests.Features.Outreach;

/// <summary>Exact and near-duplicate detection on Chinese text: paraphrases match, other news does not.</summary>
public class TextSketchTests
{
    private static readonly GateRules Rules = new(new GateOptions(), 24, GroupMessageCapMode.DaysInMonthPerMonth);

    private static TextSimilarity Compare(string a, string b)
    {
        var x = TextSketch.Of(a);
        var y = TextSketch.Of(b);
        return x.Compare(y.Fingerprint, y.NumbersHash, y.Shingles, y.MinHashes);
    }

    [Theory]
    [InlineData("本周五晚上8点，我们将举办ETF定投入门直播讲座，欢迎您参加！", "本周五晚上8点 我们将举办 ETF 定投入门直播讲座 欢迎您参加")]
    [InlineData("【风险提示】请勿向任何人透露您的交易密码。", "[风险提示]请勿向任何人透露您的交易密码")]
    [InlineData("ＥＴＦ定投入门直播讲座本周五晚上８点开讲，欢迎参加。", "etf定投入门直播讲座本周五晚上8点开讲，欢迎参加。")]
    [InlineData("您已開通科創板交易權限，請注意投資風險。", "您已开通科创板交易权限，请注意投资风险。")]
    public void SameTextWithOtherPunctuationSpacingWidthOrScript_IsExact(string a, string b)
    {
        var s = Compare(a, b);
        Assert.True(s.Exact);
        Assert.True(Rules.IsDuplicate(s));
    }

    [Theory]
    [InlineData("【投教直播】本周五（11月29日）晚上8点，我们将在线举办《ETF定投入门》直播讲座，欢迎您准时参加。", "本周五11月29日晚8点将举办ETF定投入门在线直播讲座，欢迎准时参加！")]
    [InlineData("尊敬的客户，本周五晚上8点我们将举办ETF定投入门直播讲座，欢迎您参加。", "您好！ETF定投入门直播讲座将于本周五晚上8点举行，诚邀您参加。")]
    [InlineData("新发基金华夏稳健增利债券A今日起认购，风险等级R2，认购期至12月5日。", "华夏稳健增利债券A新基金今天开始认购，认购截止12月5日，产品风险等级R2。")]
    [InlineData("国债逆回购是一种短期低风险的理财方式，您可以在交易软件的国债逆回购专区操作。", "国债逆回购属于短期、低风险的理财工具，可在交易软件国债逆回购专区进行操作。")]
    [InlineData("温馨提示：本周六系统升级，期间暂停网上交易服务，给您带来不便敬请谅解。", "温馨提示：本周六系统维护，网上交易服务暂停，给您带来的不便敬请谅解。")]
    public void ParaphrasedChinese_IsANearDuplicate(string a, string b)
    {
        var s = Compare(a, b);
        Assert.False(s.Exact);
        Assert.True(Rules.IsDuplicate(s), $"jaccard {s.Jaccard:F2} containment {s.Containment:F2} same numbers {s.SameNumbers}");
    }

    [Theory]
    [InlineData("本周五晚上8点我们将举办ETF定投入门直播讲座，欢迎您参加。", "新发基金华夏稳健增利债券A今日起认购，风险等级R2，认购期至12月5日。")]
    [InlineData("您好，关于您咨询的两融业务开通条件，需要资产满50万元且交易满半年。", "您好，本周市场回顾：沪指上涨1.2%，成交额放大，欢迎关注我们的研报。")]
    [InlineData("今日早报（11月25日）：沪指上涨1.2%，半导体板块领涨。", "今日早报（11月26日）：沪指下跌0.8%，半导体板块领跌。")]
    [InlineData("新发基金稳健增利债券A今日起认购，风险等级R2，认购期至12月5日。", "新发基金稳健增利债券A今日起认购，风险等级R3，认购期至12月12日。")]
    [InlineData("沪指上涨1.2%", "沪指上涨12%")]
    public void OtherContent_OrTheSameTemplateWithOtherFigures_IsNotADuplicate(string a, string b)
    {
        var s = Compare(a, b);
        Assert.False(Rules.IsDuplicate(s), $"jaccard {s.Jaccard:F2} containment {s.Containment:F2} same numbers {s.SameNumbers}");
    }

    [Fact]
    public void LongTexts_AreSketchedWithKHashes_AndStillCompared()
    {
        var para = string.Concat(Enumerable.Range(0, 40).Select(i => $"第{i}条：市场波动加大，请关注持仓风险，合理控制仓位。"));
        var a = TextSketch.Of(para);
        Assert.Equal(TextSketch.K, a.MinHashes.Length);
        Assert.True(a.Shingles > TextSketch.K);
        Assert.True(a.MinHashes.SequenceEqual(a.MinHashes.Order()));
        var roundTrip = TextSketch.Read(a.SketchBytes);
        Assert.True(roundTrip.SequenceEqual(a.MinHashes));
        var edited = TextSketch.Of(para.Replace("合理控制仓位", "谨慎操作", StringComparison.Ordinal));
        var s = edited.Compare(a.Fingerprint, a.NumbersHash, a.Shingles, a.MinHashes);
        Assert.False(s.Exact);
        Assert.True(s.Jaccard > 0.5);
    }

    [Fact]
    public void EmptyAndOneCharacterTexts_HaveNoBigrams()
    {
        Assert.Equal(0, TextSketch.Of("").Shingles);
        Assert.Equal(0, TextSketch.Of("好！").Shingles);
        Assert.True(Compare("好", "好").Exact);
        Assert.False(Compare("好", "坏").Exact);
    }
}

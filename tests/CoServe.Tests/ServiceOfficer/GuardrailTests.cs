using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Knowledge;

namespace CoServe.Tests.ServiceOfficer;

public sealed class GuardrailTests
{
    private static readonly GuardrailRuleSet Rules = GuardrailRuleSet.Default();

    [Fact]
    public void Check_EveryFixtureViolation_IsBlockedByItsRule()
    {
        foreach (var v in SeedFiles.ReadLabelled(OfficerFixtures.File("guardrail-violations.jsonl"), "rule"))
        {
            var verdict = Rules.Check(v.Text);
            Assert.True(verdict.Blocked, v.Text);
            Assert.Contains(verdict.Violations, x => x.Kind.ToString() == v.Label);
        }
    }

    [Fact]
    public void Check_NegatedAndMaskedTexts_AreAllowed()
    {
        foreach (var text in SeedFiles.ReadTexts(OfficerFixtures.File("guardrail-allowed.jsonl")))
        {
            Assert.False(Rules.Check(text).Blocked, text);
        }
    }

    [Fact]
    public void Check_PromiseInAnotherClauseThanTheNegation_IsBlocked() =>
        Assert.Equal(GuardrailKind.ReturnPromise, Assert.Single(Rules.Check("这款产品不保本，但是稳赚").Violations).Kind);

    [Fact]
    public void Check_FullWidthDigitsOfAMobileNumber_AreStillCaught() =>
        Assert.True(Rules.Check("您的手机是１３８１２３４５６７８").Blocked);

    [Theory]
    [InlineData("“保本理财”这种说法是违规宣传，请提高警惕")]
    [InlineData("您问这只股票是否会上涨：我无法判断，建议咨询投资顾问")]
    [InlineData("关于目标价的问题，我无法提供预测")]
    [InlineData("请在节假日前将可取资金转回银行")]
    public void Check_MentionsThatAreNotClaims_AreAllowed(string text) => Assert.False(Rules.Check(text).Blocked, text);

    [Theory]
    [InlineData("建议您把手里的那只基金赎回，换成债基", GuardrailKind.SecurityRecommendation)]
    [InlineData("这只票可以继续拿着，别卖", GuardrailKind.SecurityRecommendation)]
    [InlineData("下个月大盘肯定涨到3600点", GuardrailKind.PriceForecast)]
    [InlineData("亏了的部分由我们补足，您放心", GuardrailKind.ReturnPromise)]
    [InlineData("这款产品年化可达6%，起购1万", GuardrailKind.MissingRiskDisclosure)]
    [InlineData("您的手机号138-1234-5678已登记", GuardrailKind.PersonalDataEcho)]
    [InlineData("您的资金已被列入反洗钱重点监控名单", GuardrailKind.AmlTipOff)]
    public void Check_KindsOfViolation_AreBlocked(string text, GuardrailKind kind) =>
        Assert.Contains(Rules.Check(text).Violations, v => v.Kind == kind);

    [Fact]
    public void Check_ForecastFollowedByADisclaimer_IsStillBlocked() =>
        Assert.True(Rules.Check("这只股票明天会涨，以上不构成投资建议").Blocked);
}

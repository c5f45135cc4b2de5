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
}

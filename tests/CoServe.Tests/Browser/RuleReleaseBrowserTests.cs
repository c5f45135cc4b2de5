using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Tests.Features.ServiceOfficer;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class RuleReleaseBrowserTests
{
    [SkippableFact]
    public async Task ComplianceSeesTheReleaseNotice_AcceptsOneOfTwoShippedRules_ApprovesTheDraft_ReleaseIsApplied()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c => c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory);
        var real = s.App.Get<GuardrailRulesInForce>();
        Assert.Equal(1, await real.CurrentVersionAsync(default));
        // A new build ships one more rule and a changed description of another.
        var shipped = GuardrailRuleSet.DefaultRules.Select(GuardrailRuleData.From)
            .Select(r => r.Id == "aml.tip-off" ? r with { Description = "不得以任何形式透露反洗钱监控" } : r)
            .Append(new GuardrailRuleData("return-promise.release-test", GuardrailKind.ReturnPromise, "稳稳当当赚", Description: "new in this release"))
            .ToList();
        var found = await ShippedGuardrails.In(s.App.Services, shipped).CheckReleaseAsync(default);
        Assert.Equal((true, 2), (found.Created, found.Offered));

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/guardrails");
        await Expect(compliance.GetByTestId("release-notice")).ToContainTextAsync("2");
        await Expect(compliance.GetByTestId("bell-count")).ToBeVisibleAsync();
        await compliance.GetByTestId("release-notice-link").ClickAsync();

        await Expect(compliance.GetByTestId("release-status")).ToContainTextAsync("待审核");
        await Expect(compliance.GetByTestId("release-item")).ToHaveCountAsync(2);
        await Expect(compliance.Locator("[data-testid=release-item][data-rule='return-promise.release-test']")).ToContainTextAsync("新增");
        await Expect(compliance.Locator("[data-testid=release-item][data-rule='aml.tip-off']")).ToContainTextAsync("description");
        // Accept some: untick the changed description.
        await compliance.Locator("[data-testid=release-item][data-rule='aml.tip-off'] [data-testid=release-accept]").UncheckAsync();
        await Expect(compliance.GetByTestId("release-draft")).ToContainTextAsync("1");
        await compliance.GetByTestId("release-draft").ClickAsync();

        await Expect(compliance.GetByTestId("gr-list-status")).ToContainTextAsync("草稿");
        await Expect(compliance.Locator("[data-testid=gr-rule][data-rule='return-promise.release-test']")).ToBeVisibleAsync();
        await compliance.GetByTestId("gr-review-note").FillAsync("接受新规则");
        await compliance.GetByTestId("gr-approve").ClickAsync();
        await Expect(compliance.GetByTestId("gr-message")).ToContainTextAsync("v2");

        await compliance.GotoAsync("/guardrails/release");
        await Expect(compliance.GetByTestId("release-none")).ToBeVisibleAsync();
        await Expect(compliance.GetByTestId("release-history")).ToContainTextAsync("已采纳");
        await using var db = s.NewDb();
        var release = await db.Set<RuleListRelease>().SingleAsync();
        Assert.Equal((RuleReleaseStatus.Applied, "compliance"), (release.Status, release.DecidedBy));
        Assert.Equal(2, await real.CurrentVersionAsync(default));
    }
}

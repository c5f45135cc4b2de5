using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class IntentRulesBrowserTests
{
    [SkippableFact]
    public async Task ComplianceAddsComplaintWord_SeesPreview_Approves_TheAskBoxHandsTheMessageToComplaint()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c =>
        {
            c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
            c["KnowledgeBase:ReloadDebounceMilliseconds"] = "0";
        });
        await s.App.Get<DbKnowledgeSource>().EnsureSeededAsync(default);
        const string ruleId = "complaint.platform";

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/intents");
        await Expect(compliance.GetByTestId("in-in-force-version")).ToContainTextAsync("v1");
        await Expect(compliance.Locator("[data-testid=in-rule][data-rule='complaint.keyword']")).ToBeVisibleAsync();
        await compliance.GetByTestId("in-start-draft").ClickAsync();
        await Expect(compliance.GetByTestId("in-list-status")).ToContainTextAsync("草稿");

        // A keyword the engine could never see (upper case) is named with its rule and field, and nothing is stored.
        await compliance.GetByTestId("in-rule-id").FillAsync(ruleId);
        await compliance.GetByTestId("in-rule-intent").SelectOptionAsync("Complaint");
        await compliance.GetByTestId("in-rule-keywords").FillAsync("逆回购\nABC");
        await compliance.GetByTestId("in-rule-save").ClickAsync();
        await Expect(compliance.GetByTestId("in-errors")).ToContainTextAsync(ruleId);
        await Expect(compliance.GetByTestId("in-errors")).ToContainTextAsync("keywords");
        await compliance.GetByTestId("in-rule-keywords").FillAsync("逆回购");
        await compliance.GetByTestId("in-rule-save").ClickAsync();
        await Expect(compliance.Locator($"[data-testid=in-rule][data-rule='{ruleId}']")).ToBeVisibleAsync();
        await Expect(compliance.GetByTestId("in-diff")).ToContainTextAsync(ruleId);

        await compliance.GetByTestId("in-test-text").FillAsync("国债逆回购在哪里买？");
        await compliance.GetByTestId("in-test-submit").ClickAsync();
        await Expect(compliance.GetByTestId("in-test-intent")).ToContainTextAsync("投诉");

        // The preview lists the ordinary questions that would now go to a complaint handler.
        await compliance.GetByTestId("in-preview-run").ClickAsync();
        await Expect(compliance.GetByTestId("in-preview-figures")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Expect(compliance.GetByTestId("in-changed")).ToContainTextAsync("逆回购怎么买");

        await compliance.GetByTestId("in-review-note").FillAsync("测试");
        await compliance.GetByTestId("in-approve").ClickAsync();
        await Expect(compliance.GetByTestId("in-message")).ToContainTextAsync("v2");

        var engine = s.App.Get<ServiceOfficerEngine>();
        for (var i = 0; i < 600 && engine.Current is { } current && current.Rules.Version != 2; i++) await Task.Delay(100);
        Assert.True(engine.Current is null || engine.Current.Rules.Version == 2, "the engine never picked up v2");
        await compliance.GotoAsync("/kb/ask");
        await compliance.GetByTestId("kb-ask-text").FillAsync("国债逆回购在哪里买？");
        await compliance.GetByTestId("kb-ask-submit").ClickAsync();
        await Expect(compliance.GetByTestId("kb-ask-why")).ToContainTextAsync(ruleId, new() { Timeout = 60_000 });
    }
}

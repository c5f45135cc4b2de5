using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class GuardrailRulesBrowserTests
{
    [SkippableFact]
    public async Task ComplianceAddsRule_SeesPreview_Approves_TheOfficerIsBlockedByIt_AndTheBlockLogListsIt()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c =>
        {
            c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
            c["KnowledgeBase:ReloadDebounceMilliseconds"] = "0";
        });
        await s.App.Get<DbKnowledgeSource>().EnsureSeededAsync(default);
        const string ruleId = "return-promise.principal-back";

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/guardrails");
        await Expect(compliance.GetByTestId("gr-in-force-version")).ToContainTextAsync("v1");
        await compliance.GetByTestId("gr-start-draft").ClickAsync();
        await Expect(compliance.GetByTestId("gr-list-status")).ToContainTextAsync("草稿");

        // A pattern that cannot compile is named with its rule and field, and nothing is stored.
        await compliance.GetByTestId("gr-rule-id").FillAsync(ruleId);
        await compliance.GetByTestId("gr-rule-kind").SelectOptionAsync(nameof(GuardrailKind.ReturnPromise));
        await compliance.GetByTestId("gr-rule-pattern").FillAsync("返还(本息");
        await compliance.GetByTestId("gr-rule-description").FillAsync("“到期返还本息”读起来像保本承诺");
        await compliance.GetByTestId("gr-rule-save").ClickAsync();
        await Expect(compliance.GetByTestId("gr-errors")).ToContainTextAsync(ruleId);
        await Expect(compliance.GetByTestId("gr-errors")).ToContainTextAsync("pattern");
        await compliance.GetByTestId("gr-rule-pattern").FillAsync("返还本息");
        await compliance.GetByTestId("gr-rule-save").ClickAsync();
        await Expect(compliance.Locator($"[data-testid=gr-rule][data-rule='{ruleId}']")).ToBeVisibleAsync();
        await Expect(compliance.GetByTestId("gr-diff")).ToContainTextAsync(ruleId);

        // Test a text against the draft: the rule and the span.
        await compliance.GetByTestId("gr-test-text").FillAsync("逆回购到期后自动返还本息");
        await compliance.GetByTestId("gr-test-submit").ClickAsync();
        await Expect(compliance.GetByTestId("gr-test-hit")).ToContainTextAsync(ruleId);
        await Expect(compliance.GetByTestId("gr-test-hit").Locator("mark")).ToHaveTextAsync("返还本息");

        // The preview names the approved answer that would stop being sent.
        await compliance.GetByTestId("gr-preview-run").ClickAsync();
        await Expect(compliance.GetByTestId("gr-preview-figures")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(compliance.GetByTestId("gr-newly-blocked")).ToContainTextAsync("KB-0010");
        await Expect(compliance.GetByTestId("gr-changed-outcomes")).ToContainTextAsync("逆回购到期自动返还本息");

        await compliance.GetByTestId("gr-review-note").FillAsync("逆回购答案改写前先转人工");
        await compliance.GetByTestId("gr-approve").ClickAsync();
        await Expect(compliance.GetByTestId("gr-message")).ToContainTextAsync("v2");
        await Expect(compliance.GetByTestId("gr-list-status")).ToContainTextAsync("v2");

        // The reload runs in the background; a snapshot built before it still has v1.
        var engine = s.App.Get<ServiceOfficerEngine>();
        for (var i = 0; i < 600 && engine.Current is { } current && current.Guardrails.Version != 2; i++) await Task.Delay(100);
        Assert.True(engine.Current is null || engine.Current.Guardrails.Version == 2, "the engine never picked up v2");

        // The ask box shows the blocked outcome and names the rule.
        await compliance.GotoAsync("/kb/ask");
        await compliance.GetByTestId("kb-ask-text").FillAsync("国债逆回购在哪里买？");
        await compliance.GetByTestId("kb-ask-submit").ClickAsync();
        await Expect(compliance.GetByTestId("kb-ask-outcome")).ToContainTextAsync("转人工", new() { Timeout = 60_000 });
        await Expect(compliance.GetByTestId("kb-ask-why")).ToContainTextAsync(ruleId);

        // A client asking the same in the web chat is handed to a human; the block log lists it with the conversation.
        var chat = await CoServiceBrowserTests.OpenChatAsync(browser, s, "P400");
        await CoServiceBrowserTests.SayAsync(chat, "国债逆回购在哪里买？");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("转接", new() { Timeout = 120_000 });
        await compliance.GotoAsync("/guardrails/blocks");
        await Expect(compliance.Locator($"[data-testid=gr-block-count][data-rule='{ruleId}']")).ToContainTextAsync("1");
        var recent = compliance.Locator($"[data-testid=gr-recent-block][data-rule='{ruleId}']");
        await Expect(recent).ToContainTextAsync("v2");
        await Expect(recent.Locator("a[href^='/conversations/']")).ToBeVisibleAsync();

        await using var db = s.NewDb();
        var block = await db.GuardrailBlocks.SingleAsync(b => b.RuleId == ruleId);
        Assert.Equal((2, GuardrailBlockSource.Answer), (block.RuleSetVersion, block.Source));
        Assert.NotNull(block.TicketId);
    }
}

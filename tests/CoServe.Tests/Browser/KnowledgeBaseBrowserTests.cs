using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class KnowledgeBaseBrowserTests
{
    [SkippableFact]
    public async Task OpsDraftsEntry_ComplianceApproves_AskTheEngineAnswersFromIt()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c =>
        {
            c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
            c["KnowledgeBase:ReloadDebounceMilliseconds"] = "0";
        });

        // What the start-up warm-up does in production: the seed knowledge base lands in the empty store.
        await s.App.Get<DbKnowledgeSource>().EnsureSeededAsync(default);
        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/kb");
        await ops.GetByTestId("kb-new").ClickAsync();
        // Validation first: an empty question, a duplicate paraphrase and an unknown variable are named.
        await ops.GetByTestId("kb-category").FillAsync("App 使用");
        await ops.GetByTestId("kb-paraphrases").FillAsync("数字人民币钱包在哪里签约\n数字人民币钱包在哪里签约！\n数币钱包怎么绑定证券账户");
        await ops.GetByTestId("kb-answer").FillAsync("{客户称呼}您好，请致电{客服热线}。");
        await ops.GetByTestId("kb-save").ClickAsync();
        var errors = ops.GetByTestId("kb-errors");
        await Expect(errors).ToContainTextAsync("标准问题");
        await Expect(errors).ToContainTextAsync("duplicates paraphrase 1");
        await Expect(errors).ToContainTextAsync("{客服热线}");

        await ops.GetByTestId("kb-question").FillAsync("怎么签约数字人民币钱包？");
        await ops.GetByTestId("kb-paraphrases").FillAsync("数字人民币钱包在哪里签约\n数币钱包怎么绑定证券账户\n数字人民币怎么开通签约");
        await ops.GetByTestId("kb-answer").FillAsync("{客户称呼}您好，数字人民币钱包签约请在App首页点击“数字人民币”，按提示完成签约。如有疑问请致电{营业部电话}。");
        await ops.GetByTestId("kb-save").ClickAsync();
        await Expect(ops.GetByTestId("kb-entry-status")).ToContainTextAsync("草稿");
        var entryId = ops.Url.Split('/').Last();
        await ops.GetByTestId("kb-submit").ClickAsync();
        await Expect(ops.GetByTestId("kb-entry-status")).ToContainTextAsync("待审核");

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/kb/review");
        var item = compliance.Locator($"[data-testid=kb-review-item][data-entry={entryId}]");
        await Expect(item).ToContainTextAsync("数币钱包怎么绑定证券账户");
        await item.GetByTestId("kb-approve").ClickAsync();
        await Expect(compliance.GetByTestId("kb-review-message")).ToContainTextAsync(entryId);

        // The engine reloads in the background; the ask box answers from the live snapshot once it is swapped in.
        await compliance.GotoAsync("/kb/ask");
        var answered = false;
        for (var attempt = 0; attempt < 60 && !answered; attempt++)
        {
            await compliance.GetByTestId("kb-ask-text").FillAsync("数字人民币钱包怎么签约");
            await compliance.GetByTestId("kb-ask-submit").ClickAsync();
            await Expect(compliance.GetByTestId("kb-ask-result")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            answered = await compliance.GetByTestId("kb-ask-entry").CountAsync() > 0 && await compliance.GetByTestId("kb-ask-entry").InnerTextAsync() == entryId;
            if (!answered) await Task.Delay(500);
        }
        Assert.True(answered, "the ask box never answered from the approved entry");
        await Expect(compliance.GetByTestId("kb-ask-outcome")).ToContainTextAsync("作答");
        await Expect(compliance.GetByTestId("kb-ask-ranking").Locator("tbody tr").First).ToContainTextAsync(entryId);
        await Expect(compliance.GetByTestId("kb-ask-why")).ToContainTextAsync("answer " + entryId);

        await using var db = s.NewDb();
        var changes = await db.KnowledgeChanges.Where(c => db.KnowledgeItems.Any(i => i.Id == c.ItemId && i.EntryId == entryId)).OrderBy(c => c.Id).Select(c => new { c.Action, c.Actor }).ToListAsync();
        Assert.Equal([(KnowledgeAction.Created, "ops"), (KnowledgeAction.Submitted, "ops"), (KnowledgeAction.Approved, "compliance")], changes.Select(c => (c.Action, c.Actor)));
    }
}

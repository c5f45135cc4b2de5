using CoServe.Features.Channels.WeCom;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class CoverageBrowserTests
{
    [SkippableFact]
    public async Task ClientManager_SeesOwnCoverageAndWorklist_LinksAClientByHand_CoverageRises()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        await s.App.Get<IWeComContactStore>().UpsertAsync(
            [new WeComExternalContact("wmManual01", "wx_cm1", null, 1, null, [], [], null)], CancellationToken.None);

        var page = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await page.GotoAsync("/wecom/coverage");
        var managers = page.GetByTestId("coverage-managers");
        await Expect(managers.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(managers).ToContainTextAsync("0%");
        var worklist = page.GetByTestId("coverage-unlinked");
        await Expect(worklist).ToContainTextAsync("C101");
        await Expect(worklist).Not.ToContainTextAsync("C200");

        await page.GetByTestId("link-client").FillAsync("C101");
        await page.GetByTestId("link-external").FillAsync("wmManual01");
        await page.GetByTestId("link-reason").FillAsync("客户当面确认");
        await page.GetByTestId("link-button").ClickAsync();
        await Expect(page.GetByTestId("coverage-message")).ToContainTextAsync("已关联");
        await Expect(worklist).Not.ToContainTextAsync("C101");
        await Expect(managers).ToContainTextAsync("50%");

        // Another manager's client is not in scope.
        await page.GetByTestId("link-client").FillAsync("C200");
        await page.GetByTestId("link-external").FillAsync("wmManual01");
        await page.GetByTestId("link-button").ClickAsync();
        await Expect(page.GetByTestId("coverage-message")).ToContainTextAsync("C200");

        await using var db = s.NewDb();
        Assert.Equal("wmManual01", await db.Clients.Where(c => c.ClientNo == "C101").Select(c => c.WeComExternalUserId).SingleAsync());
        var audit = await db.WeComLinkAudits.SingleAsync();
        Assert.Equal((s.Org.Cm1.Id, "客户当面确认"), (audit.StaffId!.Value, audit.Reason!));
    }
}

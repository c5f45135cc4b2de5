using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Transfers;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class TransferBrowserTests
{
    [SkippableFact]
    public async Task ManagerAppeals_BranchHeadGrants_OpsApprovesAndExecutes_MovedClientShowsTransferAndStaysCoServed()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        await using (var db = s.NewDb())
        {
            var protector = s.App.Get<FieldProtector>();
            var now = s.App.Clock.GetUtcNow();
            foreach (var m in new[] { 202609, 202610 }) db.SegmentationRuns.Add(new SegmentationRun(m, MadaMode.Natural, 500_000m, 2, 2, now));
            foreach (var no in new[] { "KEEPME", "MOVEME" })
            {
                var c = await TestOrg.AddClientAsync(db, protector, no, s.Org.North, s.Org.Cm1, now, "周" + no[..1]);
                db.MonthlySegments.Add(new MonthlySegment(c.Id, 202609, 120_000m, AssetTier.Base, null, MadaMode.Natural, now));
                db.MonthlySegments.Add(new MonthlySegment(c.Id, 202610, 110_000m, AssetTier.Base, null, MadaMode.Natural, now));
            }
            await db.SaveChangesAsync();
        }

        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/transfers");
        await ops.GetByTestId("plan-form").Locator("button[type=submit]").ClickAsync();
        await ops.GetByTestId("open-plan").First.ClickAsync();
        await Expect(ops.GetByTestId("plan-status")).ToContainTextAsync("复核中");
        var planUrl = ops.Url;

        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync(planUrl);
        var keepRow = cm.GetByTestId("item-row").Filter(new() { HasText = "KEEPME" });
        await keepRow.GetByTestId("appeal").ClickAsync();
        await cm.GetByTestId("appeal-form").Locator("input[name=reason]").FillAsync("客户下月有大额资金转入，由我继续跟进");
        await cm.GetByTestId("appeal-form").Locator("button[type=submit]").ClickAsync();
        await Expect(keepRow).ToContainTextAsync("申诉中");

        var head = await browser.SignInAsync(s.App.BaseAddress, "head");
        await head.GotoAsync(planUrl);
        await head.GetByTestId("item-row").Filter(new() { HasText = "KEEPME" }).GetByTestId("grant").ClickAsync();
        await Expect(head.GetByTestId("item-row").Filter(new() { HasText = "KEEPME" })).ToContainTextAsync("申诉通过保留");

        await ops.ReloadAsync();
        await ops.GetByTestId("approve-plan").ClickAsync();
        await Expect(ops.GetByTestId("plan-status")).ToContainTextAsync("已批准");
        await ops.GetByTestId("execute-plan").ClickAsync();
        await Expect(ops.GetByTestId("plan-status")).ToContainTextAsync("已执行", new() { Timeout = 30_000 });
        await Expect(ops.GetByTestId("moved-count")).ToHaveTextAsync("1");

        await cm.GotoAsync("/clients/MOVEME");
        var timeline = cm.GetByTestId("timeline");
        await Expect(timeline.GetByTestId("event-TransferEvent")).ToHaveCountAsync(1);
        await Expect(timeline.GetByTestId("event-Push")).ToContainTextAsync("服务官");
        await Expect(cm.GetByTestId("servicers")).ToContainTextAsync("服务官");
        await cm.GotoAsync("/co-served");
        await Expect(cm.GetByTestId("co-served-table")).ToContainTextAsync("MOVEME");
        await Expect(cm.GetByTestId("co-served-table")).Not.ToContainTextAsync("KEEPME");

        await using var check = s.NewDb();
        var items = await check.TransferItems.ToListAsync();
        Assert.Equal(TransferItemStatus.Kept, items.Single(i => i.AppealReason != null).Status);
        Assert.Contains(items, i => i.Status == TransferItemStatus.Moved);
        Assert.Equal(DutyScopes.KeptByManager, (await check.ClientServicers.SingleAsync(x => x.StaffId == s.Org.Cm1.Id && !x.IsPrimary && check.Clients.Any(c => c.Id == x.ClientId && c.ClientNo == "MOVEME"))).Duties);
    }
}

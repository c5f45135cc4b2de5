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

    [SkippableFact]
    public async Task ArchiveLagPastTheBound_AndUnreadableRecords_AreShownToOperators_NotToManagers()
    {
        await using var browser = await BrowserSession.StartAsync();
        var sim = new CoServe.Features.Channels.WeCom.Simulator.SimulatorOptions();
        using var key = System.Security.Cryptography.RSA.Create(2048);
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c =>
        {
            c["WeCom:Apps:main:CorpId"] = sim.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.EncodingAesKey;
            c["WeCom:ApiBaseAddress"] = "http://127.0.0.1:9/";
            c["WeCom:Archive:LagAlertMinutes"] = "360";
            c["WeCom:Archive:Apps:main:Secret"] = sim.ArchiveSecret;
            c["WeCom:Archive:Apps:main:PrivateKeys:1"] = key.ExportPkcs8PrivateKeyPem();
        });
        var now = s.App.Clock.GetUtcNow();
        await using (var db = s.NewDb())
        {
            // The archive was last read to its end seven hours ago; one record did not decrypt.
            db.ArchiveCursors.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveCursor { App = "main", Seq = 41, StartedAt = now.AddDays(-1), LastPullAt = now.AddHours(-7), CaughtUpAt = now.AddHours(-7), Written = 40, Failed = 1 });
            db.ArchiveFailures.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveFailure { App = "main", Seq = 41, MsgId = "msgBad41", PublicKeyVersion = 9, Reason = CoServe.Features.Channels.WeCom.Archive.ArchiveFailureReason.UnknownKeyVersion, At = now.AddHours(-7) });
            await db.SaveChangesAsync();
        }

        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/wecom/coverage");
        await Expect(ops.GetByTestId("archive-status")).ToContainTextAsync("已落后 7.0 小时");
        await Expect(ops.GetByTestId("archive-failures")).ToContainTextAsync("msgBad41");
        await Expect(ops.GetByTestId("archive-failures")).ToContainTextAsync("未配置该版本私钥");

        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/wecom/coverage");
        await Expect(cm.GetByTestId("coverage-managers")).ToBeVisibleAsync();
        await Expect(cm.GetByTestId("archive-status")).ToHaveCountAsync(0);
    }
}

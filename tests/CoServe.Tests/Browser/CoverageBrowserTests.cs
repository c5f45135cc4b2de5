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
        using var key = System.Security.Cryptography.RSA.Create(2048);
        await using var s = await StartWithArchiveAsync(key);
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

    [SkippableFact]
    public async Task Operators_SeeQuarantinedRecordsAndLostRecords_RetryTheOnesThatNowDecrypt_AndAcknowledgeTheGaps()
    {
        await using var browser = await BrowserSession.StartAsync();
        using var key = System.Security.Cryptography.RSA.Create(2048);
        await using var s = await StartWithArchiveAsync(key);
        var now = s.App.Clock.GetUtcNow();
        // A record quarantined while key 1 was not yet installed (it reads now), and a seq jump of 3 lost records.
        var randomKey = CoServe.Features.Channels.WeCom.Archive.SimulatorArchiveCipher.NewRandomKey();
        var plaintext = "{\"msgid\":\"msgLate42\",\"action\":\"send\",\"from\":\"wx_x\",\"tolist\":[\"wx_y\"],\"roomid\":\"\",\"msgtime\":1764000000000,\"msgtype\":\"text\",\"text\":{\"content\":\"内部\"}}";
        await using (var db = s.NewDb())
        {
            db.ArchiveCursors.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveCursor { App = "main", Seq = 46, StartedAt = now, LastPullAt = now, CaughtUpAt = now, Written = 40, Failed = 2 });
            db.ArchiveFailures.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveFailure { App = "main", Seq = 41, MsgId = "msgBad41", PublicKeyVersion = 9, Reason = CoServe.Features.Channels.WeCom.Archive.ArchiveFailureReason.MalformedMessage, At = now });
            db.ArchiveFailures.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveFailure
            {
                App = "main", Seq = 42, MsgId = "msgLate42", PublicKeyVersion = 1, Reason = CoServe.Features.Channels.WeCom.Archive.ArchiveFailureReason.UnknownKeyVersion, At = now,
                EncryptRandomKey = Convert.ToBase64String(key.Encrypt(System.Text.Encoding.UTF8.GetBytes(randomKey), System.Security.Cryptography.RSAEncryptionPadding.Pkcs1)),
                EncryptChatMsg = CoServe.Features.Channels.WeCom.Archive.SimulatorArchiveCipher.Encrypt(randomKey, plaintext),
                KeysTried = "before-key-1",
            });
            db.ArchiveGaps.Add(new CoServe.Features.Channels.WeCom.Archive.ArchiveGap { App = "main", Kind = CoServe.Features.Channels.WeCom.Archive.ArchiveGapKind.SeqJump, AfterSeq = 42, BeforeSeq = 46, Missing = 3, DetectedAt = now });
            await db.SaveChangesAsync();
        }

        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/wecom/coverage");
        await Expect(ops.GetByTestId("archive-quarantined")).ToContainTextAsync("隔离待重试 2");
        await Expect(ops.GetByTestId("archive-gap-alert")).ToContainTextAsync("已知缺少 3 条");
        await Expect(ops.GetByTestId("archive-gaps")).ToContainTextAsync("序号 42 与 46 之间缺少 3 条");

        await ops.GetByTestId("archive-retry").ClickAsync();
        await Expect(ops.GetByTestId("archive-message")).ToContainTextAsync("已重试 1 条隔离记录：写入 0 条，仍无法读取 0 条");
        await Expect(ops.GetByTestId("archive-quarantined")).ToContainTextAsync("隔离待重试 1");
        await Expect(ops.GetByTestId("archive-failures")).Not.ToContainTextAsync("msgLate42");

        await ops.GetByTestId("archive-ack-gaps").ClickAsync();
        await Expect(ops.GetByTestId("archive-message")).ToContainTextAsync("已确认 1 处断档");
        await Expect(ops.GetByTestId("archive-gap-alert")).ToHaveCountAsync(0);
        await using (var db = s.NewDb())
        {
            Assert.Equal("ops", await db.ArchiveGaps.Select(g => g.AcknowledgedBy).SingleAsync());
            Assert.Equal(CoServe.Features.Channels.WeCom.Archive.ArchiveResolution.SkippedNoClient, await db.ArchiveFailures.Where(f => f.Seq == 42).Select(f => f.Resolution).SingleAsync());
        }
    }

    /// <summary>The web app with the WeCom app and its conversation archive configured (archive key version 1 = <paramref name="key"/>).</summary>
    private static Task<ApiScenario> StartWithArchiveAsync(System.Security.Cryptography.RSA key)
    {
        var sim = new CoServe.Features.Channels.WeCom.Simulator.SimulatorOptions();
        return ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c =>
        {
            c["WeCom:Apps:main:CorpId"] = sim.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.EncodingAesKey;
            c["WeCom:ApiBaseAddress"] = "http://127.0.0.1:9/";
            c["WeCom:Archive:LagAlertMinutes"] = "360";
            c["WeCom:Archive:Apps:main:Secret"] = sim.ArchiveSecret;
            c["WeCom:Archive:Apps:main:PrivateKeys:1"] = key.ExportPkcs8PrivateKeyPem();
        });
    }
}

using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CoServe.Features.Channels.WeCom.Archive;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Clients;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoServe.Tests.Channels.WeCom;

/// <summary>
/// The core's services over a real store and the WeCom simulator's archive over loopback HTTP: records encrypted
/// with the enterprise's RSA public key, decrypted by CoServe with the private key of the record's version.
/// </summary>
internal sealed class ArchiveRig : IAsyncDisposable
{
    private ArchiveRig(WeComSimulator sim, CoreHarness core, TestOrg org, Client consented, Client refused, Client other)
    {
        Sim = sim;
        Core = core;
        Org = org;
        Consented = consented;
        Refused = refused;
        Other = other;
    }

    public WeComSimulator Sim { get; }
    public CoreHarness Core { get; }
    public TestOrg Org { get; }
    /// <summary>wmA, served by cm1, consented to the archive.</summary>
    public Client Consented { get; }
    /// <summary>wmB, served by cm1, did not consent.</summary>
    public Client Refused { get; }
    /// <summary>wmC, served by cm2, consented.</summary>
    public Client Other { get; }
    public ArchivePuller Puller => Core.Services.GetRequiredService<ArchivePuller>();

    /// <summary>Key pairs by version; the simulator encrypts with the public halves, CoServe holds the private ones it is configured with.</summary>
    public static Dictionary<int, RSA> Keys { get; } = new() { [1] = RSA.Create(2048), [2] = RSA.Create(2048), [3] = RSA.Create(2048) };

    public static async Task<ArchiveRig> StartAsync(StoreKind kind = StoreKind.Sqlite, Action<Dictionary<string, string?>>? configure = null, int[]? configuredKeys = null)
    {
        var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0 });
        sim.Archive.UsePublicKey(1, Keys[1].ExportSubjectPublicKeyInfoPem());
        var core = await CoreHarness.StartAsync(kind, c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Archive:Enabled"] = "true";
            c["WeCom:Archive:LagAlertMinutes"] = "60";
            c["WeCom:Archive:Apps:main:Secret"] = sim.Options.ArchiveSecret;
            foreach (var v in configuredKeys ?? [1, 2]) c[$"WeCom:Archive:Apps:main:PrivateKeys:{v}"] = Keys[v].ExportPkcs8PrivateKeyPem();
            configure?.Invoke(c);
        });
        await using var db = core.NewDb();
        var org = await TestOrg.CreateAsync(db);
        var protector = core.Services.GetRequiredService<FieldProtector>();
        var now = core.Clock.GetUtcNow();
        async Task<Client> AddAsync(string no, string ext, bool consent, CoServe.Features.Organization.StaffMember cm)
        {
            var c = await TestOrg.AddClientAsync(db, protector, no, org.North, cm, now, mobile: "1380000" + no[1..]);
            c.WeComExternalUserId = ext;
            c.SetConsent(ConsentPurpose.ConversationArchive, consent, "test", now);
            await db.SaveChangesAsync();
            return c;
        }
        var a = await AddAsync("C1001", "wmA", true, org.Cm1);
        var b = await AddAsync("C1002", "wmB", false, org.Cm1);
        var o = await AddAsync("C1003", "wmC", true, org.Cm2);
        return new ArchiveRig(sim, core, org, a, b, o);
    }

    public async Task<List<(TimelineEvent Event, string? Text)>> TimelineAsync(Client client)
    {
        await using var db = Core.NewDb();
        var protector = Core.Services.GetRequiredService<FieldProtector>();
        var events = await db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == client.Id && e.Channel == "wecom").OrderBy(e => e.Id).ToListAsync();
        return [.. events.Select(e => (e, protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher)))];
    }

    public async Task<ArchiveCursor> CursorAsync()
    {
        await using var db = Core.NewDb();
        return await db.ArchiveCursors.AsNoTracking().SingleAsync(x => x.App == "main");
    }

    public async Task<List<ArchiveFailure>> FailuresAsync()
    {
        await using var db = Core.NewDb();
        return await db.ArchiveFailures.AsNoTracking().OrderBy(x => x.Seq).ToListAsync();
    }

    public Task<IReadOnlyList<ArchivePullResult>> PullAllAsync() => Puller.PullAllAsync("main", 100, CancellationToken.None);

    public async Task<List<ArchiveGap>> GapsAsync()
    {
        await using var db = Core.NewDb();
        return await db.ArchiveGaps.AsNoTracking().OrderBy(x => x.Id).ToListAsync();
    }

    public Task<ArchiveStatusReport> StatusAsync() => Core.Services.GetRequiredService<ArchiveStatus>().ReadAsync(20, CancellationToken.None);

    /// <summary>
    /// A puller over a new key ring, as after a restart with other private keys configured (version -> key pair);
    /// dispose the sources when done.
    /// </summary>
    public (ArchiveSources Sources, ArchivePuller Puller) WithKeys(params (int Version, RSA Key)[] keys)
    {
        var configured = Core.Services.GetRequiredService<IOptions<ArchiveOptions>>().Value;
        var app = new ArchiveAppOptions { Secret = configured.Apps["main"].Secret };
        foreach (var (version, key) in keys) app.PrivateKeys[version.ToString(System.Globalization.CultureInfo.InvariantCulture)] = key.ExportPkcs8PrivateKeyPem();
        var restarted = new ArchiveOptions { Enabled = true, LagAlertMinutes = configured.LagAlertMinutes, Apps = new() { ["main"] = app } };
        var cache = new OptionsCache<ArchiveOptions>();
        var monitor = new OptionsMonitor<ArchiveOptions>(
            new OptionsFactory<ArchiveOptions>([new ConfigureOptions<ArchiveOptions>(o => o.Apps = restarted.Apps)], []), [], cache);
        var sources = new ArchiveSources(
            Options.Create(restarted),
            Core.Services.GetRequiredService<IOptions<CoServe.Features.Channels.WeCom.WeComOptions>>(),
            Core.Services.GetRequiredService<IHttpClientFactory>(),
            new ArchiveKeyRings(monitor, cache, [], new ArchiveSignal(), NullLogger<ArchiveKeyRings>.Instance));
        return (sources, ActivatorUtilities.CreateInstance<ArchivePuller>(Core.Services, sources));
    }

    public async ValueTask DisposeAsync()
    {
        await Core.DisposeAsync();
        await Sim.DisposeAsync();
    }
}

public class WeComArchiveTests
{
    private static JsonElement Details(TimelineEvent e) => JsonDocument.Parse(e.Details!).RootElement;

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Pull_WritesStaffAndClientMessagesOnTheTimeline_AndARepullWritesNothingTwice(StoreKind kind)
    {
        await using var rig = await ArchiveRig.StartAsync(kind);
        var staffSays = rig.Sim.Archive.Send("wx_cm1", ["wmA"], "您好，账户已开通两融权限");
        var clientSays = rig.Sim.Archive.Send("wmA", ["wx_cm1"], "谢谢，收到");
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "", msgType: "image");

        var pages = await rig.PullAllAsync();
        Assert.Equal((3, 3, true), (pages.Sum(p => p.Records), pages.Sum(p => p.Written), pages[^1].CaughtUp));
        var timeline = await rig.TimelineAsync(rig.Consented);
        Assert.Equal(
            [
                (TimelineKind.StaffMessage, ActorKind.Staff, (int?)rig.Org.Cm1.Id, "您好，账户已开通两融权限"),
                (TimelineKind.ClientMessage, ActorKind.Client, null, "谢谢，收到"),
                (TimelineKind.ClientMessage, ActorKind.Client, null, null),
            ],
            timeline.Select(t => (t.Event.Kind, t.Event.Actor, t.Event.ActorStaffId, t.Text)).ToArray());
        Assert.Equal([staffSays, clientSays], timeline.Take(2).Select(t => Details(t.Event).GetProperty("msgId").GetString() ?? "").ToArray());
        Assert.Equal("image", Details(timeline[2].Event).GetProperty("msgType").GetString());
        // The event is dated when the message was sent (the simulator's clock), not when it was pulled (the app's fake clock).
        Assert.True(Math.Abs((timeline[0].Event.At - rig.Sim.Clock.GetUtcNow()).TotalMinutes) < 10);
        Assert.Equal(3, (await rig.CursorAsync()).Seq);

        // A lost cursor (restored backup, operator reset) re-reads everything: nothing is written twice.
        await using (var db = rig.Core.NewDb()) await db.ArchiveCursors.ExecuteUpdateAsync(s => s.SetProperty(x => x.Seq, 0L));
        var again = await rig.PullAllAsync();
        Assert.Equal((3, 0), (again.Sum(p => p.Records), again.Sum(p => p.Written)));
        Assert.Equal(3, (await rig.TimelineAsync(rig.Consented)).Count);
        var cursor = await rig.CursorAsync();
        Assert.Equal((3L, 3L, 3L), (cursor.Seq, cursor.Written, cursor.Ignored));
    }

    [Fact]
    public async Task OnlyChatsBetweenStaffAndOneConsentingLinkedClient_AreWritten_TheRestIsCounted()
    {
        await using var rig = await ArchiveRig.StartAsync();
        rig.Sim.Archive.Send("wx_cm1", ["wmB"], "不同意存档的客户");
        rig.Sim.Archive.Send("wx_cm1", ["wx_cm2"], "内部沟通");
        rig.Sim.Archive.Send("wx_cm1", ["wmUnlinked"], "未关联的联系人");
        rig.Sim.Archive.Send("wx_cm1", ["wmA", "wmC"], "两位客户的群", roomId: "wrGroup1");
        rig.Sim.Archive.Send("wmStranger", ["wx_cm1", "wmA"], "群里的第三方", roomId: "wrGroup2");
        rig.Sim.Archive.Send("wx_cm2", ["wmC", "wx_cm1"], "服务群：一位客户和员工", roomId: "wrGroup3");
        rig.Sim.Archive.Switch("wx_cm1");

        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((7, 1, 1, 4, 1, 0), (page.Records, page.Written, page.SkippedNoConsent, page.SkippedNoClient, page.Ignored, page.Failed));
        Assert.Empty(await rig.TimelineAsync(rig.Refused));
        Assert.Empty(await rig.TimelineAsync(rig.Consented));
        var group = Assert.Single(await rig.TimelineAsync(rig.Other));
        Assert.Equal((TimelineKind.StaffMessage, (int?)rig.Org.Cm2.Id, "服务群：一位客户和员工"), (group.Event.Kind, group.Event.ActorStaffId, group.Text));
        Assert.Equal("wrGroup3", Details(group.Event).GetProperty("roomId").GetString());

        // Consent given later covers messages from then on; what was skipped stays skipped.
        await using (var db = rig.Core.NewDb())
        {
            var b = await db.Clients.Include(c => c.Consents).SingleAsync(c => c.Id == rig.Refused.Id);
            b.SetConsent(ConsentPurpose.ConversationArchive, true, "test", rig.Core.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        rig.Sim.Archive.Send("wmB", ["wx_cm1"], "现在同意了");
        Assert.Equal(1, (await rig.PullAllAsync()).Sum(p => p.Written));
        Assert.Equal(["现在同意了"], (await rig.TimelineAsync(rig.Refused)).Select(t => t.Text ?? "").ToArray());
    }

    [Fact]
    public async Task CursorLivesInTheStore_ANewPullerAfterARestartReadsOnlyNewRecords()
    {
        await using var rig = await ArchiveRig.StartAsync();
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "第一条");
        await rig.PullAllAsync();

        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "第二条");
        // A restart: new sources and a new puller; only the store carries over.
        using var sources = ActivatorUtilities.CreateInstance<ArchiveSources>(rig.Core.Services);
        var restarted = ActivatorUtilities.CreateInstance<ArchivePuller>(rig.Core.Services, sources);
        var page = await restarted.PullPageAsync("main", CancellationToken.None);
        Assert.Equal((1, 1, 2L), (page.Records, page.Written, page.Seq));
        Assert.Equal(["第一条", "第二条"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
    }

    [Fact]
    public async Task ArchiveIsReadAtMost1000PerCall_InPagesUntilTheEnd()
    {
        await using var rig = await ArchiveRig.StartAsync();
        for (var i = 0; i < 2_500; i++) rig.Sim.Archive.Send(i % 2 == 0 ? "wx_cm1" : "wmA", [i % 2 == 0 ? "wmA" : "wx_cm1"], $"消息{i}");

        var pages = await rig.PullAllAsync();
        Assert.Equal([(1000, false), (1000, false), (500, true)], pages.Select(p => (p.Records, p.CaughtUp)).ToArray());
        Assert.Equal(2_500, (await rig.TimelineAsync(rig.Consented)).Count);
        Assert.Equal(3, rig.Sim.State.CallCount("finance/getchatdata"));

        // WeCom refuses more than 1000 per call, and so do the options.
        using var http = new HttpClient { BaseAddress = rig.Sim.BaseAddress };
        var refused = await (await http.PostAsJsonAsync("finance/getchatdata", new { corpid = rig.Sim.Options.CorpId, secret = rig.Sim.Options.ArchiveSecret, seq = 0, limit = 1001 })).Content.ReadFromJsonAsync<ChatDataReply>();
        Assert.Equal(SimulatorArchive.ParameterError, refused!.ErrCode);
        var validator = rig.Core.Services.GetRequiredService<IValidateOptions<ArchiveOptions>>();
        var tooMany = validator.Validate(null, new ArchiveOptions { BatchSize = 1001 });
        Assert.Contains(tooMany.Failures!, f => f.Contains("BatchSize", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterFiveDaysWithoutAPull_MessagesHaveExpired_AndTheLagAlertIsRaised()
    {
        await using var rig = await ArchiveRig.StartAsync();
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "读到了");
        await rig.PullAllAsync();
        var status = rig.Core.Services.GetRequiredService<ArchiveStatus>();
        Assert.False(Assert.Single((await status.ReadAsync(10, CancellationToken.None)).Apps).Alert);

        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "没读到");
        // The puller is down for six days.
        rig.Sim.Clock.Advance(TimeSpan.FromDays(6));
        rig.Core.Clock.Advance(TimeSpan.FromDays(6));
        var late = Assert.Single((await status.ReadAsync(10, CancellationToken.None)).Apps);
        Assert.True(late.Alert);
        Assert.True(late.Lag >= TimeSpan.FromDays(6));

        // WeCom no longer returns the message: it is lost, which is what the alert was for.
        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((0, true), (page.Records, page.CaughtUp));
        Assert.Equal(["读到了"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
        var caughtUp = Assert.Single((await status.ReadAsync(10, CancellationToken.None)).Apps);
        Assert.False(caughtUp.Alert);
        // No seq shows the loss yet, but a cursor older than the retention that reads nothing may have lost records: that is recorded and alerted.
        var expired = Assert.Single(await rig.GapsAsync());
        Assert.Equal((ArchiveGapKind.CursorExpired, 1L, (long?)null, (long?)null), (expired.Kind, expired.AfterSeq, expired.BeforeSeq, expired.Missing));
        Assert.True(caughtUp.GapAlert);

        // The next message shows exactly what was lost: seq 2.
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "之后的消息");
        var next = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((1, 1L), (next.Written, next.MissingSeqs));
        var jump = (await rig.GapsAsync())[1];
        Assert.Equal((ArchiveGapKind.SeqJump, 1L, (long?)3, (long?)1), (jump.Kind, jump.AfterSeq, jump.BeforeSeq, jump.Missing));
        var now = Assert.Single((await status.ReadAsync(10, CancellationToken.None)).Apps);
        Assert.Equal((true, 2, 1L), (now.GapAlert, now.OpenGaps, now.MissingSeqs));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task SeqJumps_AreRecordedAsLostRecords_AndAlertedUntilAnOperatorAcknowledges(StoreKind kind)
    {
        await using var rig = await ArchiveRig.StartAsync(kind);
        // The first pull starts wherever WeCom's archive starts: records that expired before CoServe ever read are no gap of the puller's.
        rig.Sim.Archive.SkipSeqs(10);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "第一条");
        Assert.Equal(0L, Assert.Single(await rig.PullAllAsync()).MissingSeqs);
        Assert.Empty(await rig.GapsAsync());

        rig.Sim.Archive.SkipSeqs(3);
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "第二条");
        rig.Sim.Archive.SkipSeqs(2);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "第三条");
        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((2, 2, 5L), (page.Records, page.Written, page.MissingSeqs));
        Assert.Equal([(11L, (long?)15, (long?)3), (15L, 18, 2)], (await rig.GapsAsync()).Select(g => (g.AfterSeq, g.BeforeSeq, g.Missing)).ToArray());

        var report = await rig.StatusAsync();
        var app = Assert.Single(report.Apps);
        Assert.Equal((true, false, 2, 5L), (app.GapAlert, app.Alert, app.OpenGaps, app.MissingSeqs));
        Assert.Equal([18L, 15], report.OpenGaps.Select(g => g.BeforeSeq ?? 0).ToArray());

        // A re-read of the same records (a lost cursor) finds no new gap; contiguous records find none either.
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "第四条");
        Assert.Equal(0L, Assert.Single(await rig.PullAllAsync()).MissingSeqs);
        Assert.Equal(2, (await rig.GapsAsync()).Count);

        var status = rig.Core.Services.GetRequiredService<ArchiveStatus>();
        Assert.Equal(2, await status.AcknowledgeGapsAsync("main", "ops1", CancellationToken.None));
        var after = await rig.StatusAsync();
        Assert.Equal((false, 0, 0L), (after.Apps[0].GapAlert, after.Apps[0].OpenGaps, after.Apps[0].MissingSeqs));
        Assert.Empty(after.OpenGaps);
        Assert.All(await rig.GapsAsync(), g => Assert.Equal("ops1", g.AcknowledgedBy));
    }

    [Fact]
    public async Task AGapSpanningTwoPages_IsFoundBetweenTheCursorAndTheNextPage()
    {
        await using var rig = await ArchiveRig.StartAsync(configure: c => c["WeCom:Archive:BatchSize"] = "2");
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "一");
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "二");
        rig.Sim.Archive.SkipSeqs(4);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "三");

        var pages = await rig.PullAllAsync();
        Assert.Equal([(2, 0L), (1, 4L)], pages.Select(p => (p.Records, p.MissingSeqs)).ToArray());
        var gap = Assert.Single(await rig.GapsAsync());
        Assert.Equal((2L, (long?)7, (long?)4), (gap.AfterSeq, gap.BeforeSeq, gap.Missing));
    }

    [Fact]
    public async Task SeqHoles_UpToTheConfiguredTolerance_AreNotLosses_ALargerJumpIs()
    {
        await using var rig = await ArchiveRig.StartAsync(configure: c => c["WeCom:Archive:SeqGapTolerance"] = "3");
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "一");
        await rig.PullAllAsync();
        rig.Sim.Archive.SkipSeqs(3);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "二");
        rig.Sim.Archive.SkipSeqs(1);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "三");
        rig.Sim.Archive.SkipSeqs(4);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "四");

        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((3, 3, 4L), (page.Records, page.Written, page.MissingSeqs));
        var gap = Assert.Single(await rig.GapsAsync());
        Assert.Equal((7L, (long?)12, (long?)4), (gap.AfterSeq, gap.BeforeSeq, gap.Missing));
        var app = Assert.Single((await rig.StatusAsync()).Apps);
        Assert.Equal((true, 1, 4L), (app.GapAlert, app.OpenGaps, app.MissingSeqs));

        var validator = rig.Core.Services.GetRequiredService<IValidateOptions<ArchiveOptions>>();
        Assert.Contains(validator.Validate(null, new ArchiveOptions { SeqGapTolerance = -1 }).Failures!, f => f.Contains("SeqGapTolerance", StringComparison.Ordinal));
        Assert.Contains(validator.Validate(null, new ArchiveOptions { SeqGapTolerance = 1001 }).Failures!, f => f.Contains("SeqGapTolerance", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task AKeyFileReplacedWhileRunning_IsReloaded_ABrokenOneIsRejectedAndTheOldKeysKept(StoreKind kind)
    {
        // Key version 2 is configured as a file, which by mistake holds the key of version 3.
        var dir = Directory.CreateTempSubdirectory("coserve-keys-");
        try
        {
            var v2 = Path.Combine(dir.FullName, "archive-v2.pem");
            await File.WriteAllTextAsync(v2, ArchiveRig.Keys[3].ExportPkcs8PrivateKeyPem());
            await using var rig = await ArchiveRig.StartAsync(kind, configure: c => c["WeCom:Archive:Apps:main:PrivateKeys:2"] = v2, configuredKeys: [1]);
            rig.Sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
            rig.Sim.Archive.Send("wmA", ["wx_cm1"], "新密钥的消息");
            Assert.Equal(1, Assert.Single(await rig.PullAllAsync()).Failed);
            Assert.Null(Assert.Single(await rig.FailuresAsync()).ResolvedAt);

            // The file is overwritten with something that is not a key: rejected, version 1 and the old version 2 still in use.
            await File.WriteAllTextAsync(v2, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
            Assert.Equal(0, (await rig.Puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None)).Tried);
            var problem = (await rig.StatusAsync()).Apps[0].KeyProblem;
            Assert.Equal("WeCom:Archive:Apps:main:PrivateKeys:2: not an RSA private key in PEM (PKCS#1 or PKCS#8)", problem);
            rig.Sim.Archive.UsePublicKey(1, ArchiveRig.Keys[1].ExportSubjectPublicKeyInfoPem());
            rig.Sim.Archive.Send("wx_cm1", ["wmA"], "旧密钥照常");
            Assert.Equal(1, Assert.Single(await rig.PullAllAsync()).Written);

            // The right key lands in the file: the quarantined record is read, without a restart.
            await File.WriteAllTextAsync(v2, ArchiveRig.Keys[2].ExportPkcs8PrivateKeyPem());
            var retried = await rig.Puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None);
            Assert.Equal((1, 1, 0), (retried.Tried, retried.Written, retried.StillFailing));
            Assert.Equal(["旧密钥照常", "新密钥的消息"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
            Assert.Null((await rig.StatusAsync()).Apps[0].KeyProblem);
            Assert.NotNull(Assert.Single(await rig.FailuresAsync()).ResolvedAt);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task QuarantinedRecords_KeepTheirCiphertext_AndAreReadOnceTheMissingKeyIsInstalled(StoreKind kind)
    {
        // CoServe knows only key 1; WeCom's admin rotated to key 2.
        await using var rig = await ArchiveRig.StartAsync(kind, configuredKeys: [1]);
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "旧密钥的消息");
        rig.Sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "新密钥的秘密");
        rig.Sim.Archive.Send("wx_cm1", ["wmB"], "未授权客户的秘密");

        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((3, 1, 2), (page.Records, page.Written, page.Failed));
        var quarantined = await rig.FailuresAsync();
        Assert.All(quarantined, f =>
        {
            Assert.Equal((ArchiveFailureReason.UnknownKeyVersion, 2, (DateTimeOffset?)null), (f.Reason, f.PublicKeyVersion, f.ResolvedAt));
            Assert.True(f.CanRetry);
            Assert.DoesNotContain("秘密", f.EncryptChatMsg + f.EncryptRandomKey + f.Detail, StringComparison.Ordinal);
        });
        Assert.Equal(2, (await rig.StatusAsync()).Apps[0].Quarantined);

        // Retrying with the same keys reads nothing (the worker does this every round).
        Assert.Equal(0, (await rig.Puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None)).Tried);

        // The operator installs key 2 and restarts: the new key ring retries the quarantined records.
        var (sources, puller) = rig.WithKeys((1, ArchiveRig.Keys[1]), (2, ArchiveRig.Keys[2]));
        using (sources)
        {
            var retried = await puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None);
            Assert.Equal((2, 1, 1, 0, false), (retried.Tried, retried.Written, retried.SkippedNoConsent, retried.StillFailing, retried.Raced));
            Assert.Equal(["旧密钥的消息", "新密钥的秘密"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
            Assert.Empty(await rig.TimelineAsync(rig.Refused));
            var resolved = await rig.FailuresAsync();
            Assert.All(resolved, f => Assert.Equal((true, 2, (string?)null, (string?)null), (f.ResolvedAt is not null, f.Attempts, f.EncryptChatMsg, f.EncryptRandomKey)));
            Assert.Equal([ArchiveResolution.Written, ArchiveResolution.SkippedNoConsent], resolved.Select(f => f.Resolution ?? 0).ToArray());
            var cursor = await rig.CursorAsync();
            Assert.Equal((2L, 1L, 0L), (cursor.Written, cursor.SkippedNoConsent, cursor.Failed));
            var report = await rig.StatusAsync();
            Assert.Equal(0, report.Apps[0].Quarantined);
            Assert.Empty(report.RecentFailures);

            // Nothing is left to retry, not even for the operator.
            Assert.Equal(0, (await puller.RetryQuarantinedAsync("main", all: true, CancellationToken.None)).Tried);
            Assert.Equal(2, (await rig.TimelineAsync(rig.Consented)).Count);
        }
    }

    [Fact]
    public async Task ARetriedRecordAlreadyOnTheTimeline_IsNotWrittenTwice()
    {
        await using var rig = await ArchiveRig.StartAsync(configuredKeys: [1]);
        rig.Sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "只写一次");
        Assert.Equal(1, (await rig.PullAllAsync()).Sum(p => p.Failed));

        var (sources, puller) = rig.WithKeys((1, ArchiveRig.Keys[1]), (2, ArchiveRig.Keys[2]));
        using (sources)
        {
            // The cursor is reset with the new key in place, so the re-read writes the message first.
            await using (var db = rig.Core.NewDb()) await db.ArchiveCursors.ExecuteUpdateAsync(s => s.SetProperty(x => x.Seq, 0L));
            Assert.Equal(1, (await puller.PullAllAsync("main", 10, CancellationToken.None)).Sum(p => p.Written));

            var retried = await puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None);
            Assert.Equal((1, 0, 1), (retried.Tried, retried.Written, retried.Ignored));
            Assert.Equal(["只写一次"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
            Assert.Equal(ArchiveResolution.Ignored, Assert.Single(await rig.FailuresAsync()).Resolution);
        }
    }

    [Fact]
    public async Task AWrongKeyReplaced_IsRetried_ACorruptRecordStaysQuarantined_AndTheOperatorCanRetryAll()
    {
        // Version 2 is configured with the wrong private key (the one of version 3).
        await using var rig = await ArchiveRig.StartAsync(configure: c => c["WeCom:Archive:Apps:main:PrivateKeys:2"] = ArchiveRig.Keys[3].ExportPkcs8PrivateKeyPem());
        var corrupt = rig.Sim.Archive.Send("wx_cm1", ["wmA"], "损坏");
        rig.Sim.Archive.Corrupt(corrupt);
        rig.Sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "错误私钥");
        Assert.Equal(2, (await rig.PullAllAsync()).Sum(p => p.Failed));

        var (sources, puller) = rig.WithKeys((1, ArchiveRig.Keys[1]), (2, ArchiveRig.Keys[2]));
        using (sources)
        {
            var retried = await puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None);
            Assert.Equal((2, 1, 1), (retried.Tried, retried.Written, retried.StillFailing));
            var left = Assert.Single(await rig.FailuresAsync(), f => f.ResolvedAt is null);
            Assert.Equal((corrupt, ArchiveFailureReason.MessageDecryptFailed, 2, true), (left.MsgId, left.Reason, left.Attempts, left.CanRetry));

            // Same keys again: the worker leaves it alone; the operator's retry reads it again (and it still fails).
            Assert.Equal(0, (await puller.RetryQuarantinedAsync("main", all: false, CancellationToken.None)).Tried);
            var again = await puller.RetryQuarantinedAsync("main", all: true, CancellationToken.None);
            Assert.Equal((1, 1), (again.Tried, again.StillFailing));
            Assert.Equal(3, Assert.Single(await rig.FailuresAsync(), f => f.ResolvedAt is null).Attempts);
            Assert.Equal(["错误私钥"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
            Assert.Equal(1L, (await rig.CursorAsync()).Failed);
        }
    }

    [Fact]
    public async Task KeyRotation_RecordsOfBothVersionsDecrypt()
    {
        await using var rig = await ArchiveRig.StartAsync();
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "旧密钥");
        rig.Sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "新密钥");

        Assert.Equal(2, (await rig.PullAllAsync()).Sum(p => p.Written));
        Assert.Equal(["旧密钥", "新密钥"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
        Assert.Empty(await rig.FailuresAsync());
    }

    [Fact]
    public async Task UnreadableRecords_AreRecordedWithSeqAndReason_WithoutText_AndTheCursorMovesPastThem()
    {
        // Version 3 is configured with the wrong private key (the one of version 1).
        await using var rig = await ArchiveRig.StartAsync(configure: c => c["WeCom:Archive:Apps:main:PrivateKeys:3"] = ArchiveRig.Keys[1].ExportPkcs8PrivateKeyPem());
        rig.Sim.Archive.AppendWithVersion(9, "wx_cm1", ["wmA"], "未知版本的秘密");
        var corrupt = rig.Sim.Archive.Send("wx_cm1", ["wmA"], "损坏的秘密");
        rig.Sim.Archive.Corrupt(corrupt);
        rig.Sim.Archive.AppendPlaintext("{\"msgid\":\"x1\",\"action\":\"send\",\"from\":\"wx_cm1\",\"msgtime\":1,\"msgtype\":\"text\",\"text\":{\"content\":\"格式不对的秘密\"}}");
        rig.Sim.Archive.AppendPlaintext("not json at all: 秘密");
        rig.Sim.Archive.UsePublicKey(3, ArchiveRig.Keys[3].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wx_cm1", ["wmA"], "错误密钥的秘密");
        rig.Sim.Archive.UsePublicKey(1, ArchiveRig.Keys[1].ExportSubjectPublicKeyInfoPem());
        rig.Sim.Archive.Send("wmA", ["wx_cm1"], "好的消息");

        var page = Assert.Single(await rig.PullAllAsync());
        Assert.Equal((6, 1, 5), (page.Records, page.Written, page.Failed));
        Assert.Equal(["好的消息"], (await rig.TimelineAsync(rig.Consented)).Select(t => t.Text ?? "").ToArray());
        var failures = await rig.FailuresAsync();
        Assert.Equal([1L, 2, 3, 4, 5], failures.Select(f => f.Seq).ToArray());
        Assert.Equal(ArchiveFailureReason.UnknownKeyVersion, failures[0].Reason);
        Assert.Equal(ArchiveFailureReason.MessageDecryptFailed, failures[1].Reason);
        Assert.Equal([ArchiveFailureReason.MalformedMessage, ArchiveFailureReason.MalformedMessage], failures.Skip(2).Take(2).Select(f => f.Reason).ToArray());
        // A wrong RSA key is either refused by the padding check or yields a random key the message does not open with.
        Assert.Contains(failures[4].Reason, new[] { ArchiveFailureReason.KeyDecryptFailed, ArchiveFailureReason.MessageDecryptFailed });
        Assert.DoesNotContain(failures, f => (f.Detail ?? "").Contains("秘密", StringComparison.Ordinal));
        Assert.Equal((6L, 5L), ((await rig.CursorAsync()).Seq, (await rig.CursorAsync()).Failed));

        var report = await rig.Core.Services.GetRequiredService<ArchiveStatus>().ReadAsync(3, CancellationToken.None);
        Assert.Equal([5L, 4, 3], report.RecentFailures.Select(f => f.Seq).ToArray());
    }

    [Fact]
    public async Task Recall_IsRecordedAgainstTheRecalledMessage()
    {
        await using var rig = await ArchiveRig.StartAsync();
        var sent = rig.Sim.Archive.Send("wx_cm1", ["wmA"], "发错了");
        rig.Sim.Archive.Recall("wx_cm1", ["wmA"], sent);

        await rig.PullAllAsync();
        var timeline = await rig.TimelineAsync(rig.Consented);
        Assert.Equal(2, timeline.Count);
        var recall = Details(timeline[1].Event);
        Assert.Equal(("recall", sent, "revoke"), (recall.GetProperty("action").GetString(), recall.GetProperty("recalledMsgId").GetString(), recall.GetProperty("msgType").GetString()));
        Assert.Null(timeline[1].Text);
        Assert.Equal(TimelineKind.StaffMessage, timeline[1].Event.Kind);
    }

    [Fact]
    public async Task SdkLibrary_ConfiguredButMissingOrNotALibrary_IsAClearError()
    {
        await using var rig = await ArchiveRig.StartAsync();
        var validator = rig.Core.Services.GetRequiredService<IValidateOptions<ArchiveOptions>>();
        var missing = validator.Validate(null, new ArchiveOptions { SdkLibraryPath = "/nonexistent/libWeWorkFinanceSdk_C.so" });
        Assert.Contains(missing.Failures!, f => f.Contains("no file at /nonexistent/libWeWorkFinanceSdk_C.so", StringComparison.Ordinal));

        var notALibrary = Path.Combine(rig.Core.Store.Directory, "libWeWorkFinanceSdk_C.so");
        await File.WriteAllTextAsync(notALibrary, "not an ELF file");
        var error = Assert.Throws<InvalidOperationException>(() => FinanceSdkArchiveSource.Open(notALibrary, "corp", "secret", new ArchiveOptions()));
        Assert.Contains("could not be loaded as a native library", error.Message, StringComparison.Ordinal);

        // A puller whose SDK will not load fails loudly, and its lag still grows into an alert.
        var configured = rig.Core.Services.GetRequiredService<IOptions<ArchiveOptions>>().Value;
        using var sdkSources = new ArchiveSources(
            Options.Create(new ArchiveOptions { SdkLibraryPath = notALibrary, Apps = configured.Apps }),
            rig.Core.Services.GetRequiredService<IOptions<CoServe.Features.Channels.WeCom.WeComOptions>>(),
            rig.Core.Services.GetRequiredService<IHttpClientFactory>(),
            rig.Core.Services.GetRequiredService<ArchiveKeyRings>());
        var puller = ActivatorUtilities.CreateInstance<ArchivePuller>(rig.Core.Services, sdkSources);
        await Assert.ThrowsAsync<InvalidOperationException>(() => puller.PullPageAsync("main", CancellationToken.None));
        rig.Core.Clock.Advance(TimeSpan.FromMinutes(61));
        var status = await rig.Core.Services.GetRequiredService<ArchiveStatus>().ReadAsync(0, CancellationToken.None);
        Assert.True(Assert.Single(status.Apps).Alert);
    }

    [Fact]
    public async Task TheWebAppsBackgroundPuller_ReadsTheArchiveContinuously()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0 });
        sim.Archive.UsePublicKey(1, ArchiveRig.Keys[1].ExportSubjectPublicKeyInfoPem());
        await using var s = await ApiScenario.StartAsync(configure: c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Archive:Enabled"] = "true";
            c["WeCom:Archive:IntervalSeconds"] = "1";
            c["WeCom:Archive:Apps:main:Secret"] = sim.Options.ArchiveSecret;
            c["WeCom:Archive:Apps:main:PrivateKeys:1"] = ArchiveRig.Keys[1].ExportPkcs8PrivateKeyPem();
        });
        long clientId;
        await using (var db = s.NewDb())
        {
            var client = await db.Clients.Include(c => c.Consents).SingleAsync(c => c.ClientNo == "C101");
            client.WeComExternalUserId = "wmW101";
            client.SetConsent(ConsentPurpose.ConversationArchive, true, "test", s.App.Clock.GetUtcNow());
            await db.SaveChangesAsync();
            clientId = client.Id;
        }

        async Task<string[]> TextsAsync()
        {
            await using var db = s.NewDb();
            var protector = s.App.Get<FieldProtector>();
            var cipher = await db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == clientId && e.Channel == "wecom").OrderBy(e => e.Id).Select(e => e.TextCipher).ToListAsync();
            return [.. cipher.Select(c => protector.DecryptOrNull(ProtectedField.MessageText, c) ?? "")];
        }

        async Task EventuallyAsync(string[] expected)
        {
            var until = Environment.TickCount64 + 30_000;
            while (!(await TextsAsync()).SequenceEqual(expected))
            {
                if (Environment.TickCount64 > until) Assert.Equal(expected, await TextsAsync());
                await Task.Delay(100);
            }
        }

        sim.Archive.Send("wx_cm1", ["wmW101"], "后台拉取第一条");
        await EventuallyAsync(["后台拉取第一条"]);
        sim.Archive.Send("wmW101", ["wx_cm1"], "后台拉取第二条");
        await EventuallyAsync(["后台拉取第一条", "后台拉取第二条"]);
    }

    [Fact]
    public async Task TheWebApp_TakesANewKeyVersionFromAReloadedSettingsFile_RetriesTheQuarantined_AndRejectsABrokenKey()
    {
        var dir = Directory.CreateTempSubdirectory("coserve-keys-");
        try
        {
            var settings = Path.Combine(dir.FullName, "appsettings.Archive.json");
            string KeyFile(string name, string pem)
            {
                var path = Path.Combine(dir.FullName, name);
                File.WriteAllText(path, pem);
                return path;
            }
            async Task WriteKeysAsync(params (int Version, string Path)[] keys)
            {
                var json = JsonSerializer.Serialize(new { WeCom = new { Archive = new { Apps = new { main = new { PrivateKeys = keys.ToDictionary(k => k.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), k => k.Path) } } } } });
                // Written aside and moved in, as a deployment would: the watcher never sees a half-written file.
                await File.WriteAllTextAsync(settings + ".new", json);
                File.Move(settings + ".new", settings, overwrite: true);
            }
            var v1 = KeyFile("archive-v1.pem", ArchiveRig.Keys[1].ExportPkcs8PrivateKeyPem());
            var v2 = KeyFile("archive-v2.pem", ArchiveRig.Keys[2].ExportPkcs8PrivateKeyPem());
            var broken = KeyFile("archive-v2-broken.pem", ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
            await WriteKeysAsync((1, v1));

            await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0 });
            await using var s = await ApiScenario.StartAsync(settingsFile: settings, configure: c =>
            {
                c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
                c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
                c["WeCom:Apps:main:Token"] = sim.Options.Token;
                c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
                c["WeCom:Archive:Enabled"] = "true";
                // An hour between rounds: what happens below is the reload waking the puller, or the test's own signal.
                c["WeCom:Archive:IntervalSeconds"] = "3600";
                c["WeCom:Archive:Apps:main:Secret"] = sim.Options.ArchiveSecret;
            });
            long clientId;
            await using (var db = s.NewDb())
            {
                var client = await db.Clients.Include(c => c.Consents).SingleAsync(c => c.ClientNo == "C101");
                client.WeComExternalUserId = "wmW101";
                client.SetConsent(ConsentPurpose.ConversationArchive, true, "test", s.App.Clock.GetUtcNow());
                await db.SaveChangesAsync();
                clientId = client.Id;
            }
            var signal = s.App.Get<ArchiveSignal>();
            var status = s.App.Get<ArchiveStatus>();

            async Task<string[]> TextsAsync()
            {
                await using var db = s.NewDb();
                var protector = s.App.Get<FieldProtector>();
                var cipher = await db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == clientId && e.Channel == "wecom").OrderBy(e => e.Id).Select(e => e.TextCipher).ToListAsync();
                return [.. cipher.Select(c => protector.DecryptOrNull(ProtectedField.MessageText, c) ?? "")];
            }
            async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
            {
                var until = Environment.TickCount64 + 30_000;
                var value = await read();
                while (!done(value) && Environment.TickCount64 < until)
                {
                    await Task.Delay(100);
                    value = await read();
                }
                return value;
            }
            async Task<List<ArchiveFailure>> FailuresAsync()
            {
                await using var db = s.NewDb();
                return await db.ArchiveFailures.AsNoTracking().ToListAsync();
            }

            // WeCom's admin rotates to key 2 before CoServe has it: the record is quarantined.
            sim.Archive.UsePublicKey(2, ArchiveRig.Keys[2].ExportSubjectPublicKeyInfoPem());
            sim.Archive.Send("wmW101", ["wx_cm1"], "轮换后的第一条");
            signal.Notify();
            var quarantined = Assert.Single(await EventuallyAsync(FailuresAsync, f => f.Count == 1));
            Assert.Equal((ArchiveFailureReason.UnknownKeyVersion, 2), (quarantined.Reason, quarantined.PublicKeyVersion));

            // A broken version 2 (a public key) is configured: rejected with the version named, key 1 still reads.
            await WriteKeysAsync((1, v1), (2, broken));
            var rejected = await EventuallyAsync(async () => (await status.ReadAsync(0, CancellationToken.None)).Apps[0].KeyProblem, p => p is not null);
            Assert.Equal("WeCom:Archive:Apps:main:PrivateKeys:2: not an RSA private key in PEM (PKCS#1 or PKCS#8)", rejected);
            sim.Archive.UsePublicKey(1, ArchiveRig.Keys[1].ExportSubjectPublicKeyInfoPem());
            sim.Archive.Send("wx_cm1", ["wmW101"], "旧密钥仍然可用");
            signal.Notify();
            Assert.Equal(["旧密钥仍然可用"], await EventuallyAsync(TextsAsync, t => t.Length == 1));
            Assert.Null(Assert.Single(await FailuresAsync()).ResolvedAt);

            // The right key 2: the reload alone wakes the puller, which retries the quarantined record.
            await WriteKeysAsync((1, v1), (2, v2));
            // Written by the retry, so after the message that came later.
            Assert.Equal(["旧密钥仍然可用", "轮换后的第一条"], await EventuallyAsync(TextsAsync, t => t.Length == 2));
            var resolved = Assert.Single(await FailuresAsync());
            Assert.Equal((true, ArchiveResolution.Written), (resolved.ResolvedAt is not null, resolved.Resolution ?? 0));
            Assert.Null((await status.ReadAsync(0, CancellationToken.None)).Apps[0].KeyProblem);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

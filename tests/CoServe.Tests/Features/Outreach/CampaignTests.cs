using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Clients;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Outreach;

/// <summary>Campaigns: held-back reasons, exactly-once sends through crashes, racing executors and cancellation, quiet hours, A/B, WeCom tasks.</summary>
public class CampaignTests
{
    private const string Launch = "稳健增利债券A今日起认购，认购期至12月5日，详情请咨询您的服务人员。";
    private const string Invitation = "本周六下午2点在北区营业部举办投资者交流会，欢迎您报名参加。";

    private sealed class Rig(CoreHarness h, TestOrg org) : IAsyncDisposable
    {
        public CoreHarness H { get; } = h;
        public TestOrg Org { get; } = org;
        public CampaignExecutor Executor => H.Services.GetRequiredService<CampaignExecutor>();

        public static async Task<Rig> StartAsync(StoreKind kind, Action<Dictionary<string, string?>>? configure = null, DateTimeOffset? now = null, Action<IServiceCollection>? services = null)
        {
            var h = await CoreHarness.StartAsync(kind, configure, now, services);
            await using var db = h.NewDb();
            return new Rig(h, await TestOrg.CreateAsync(db));
        }

        public async Task<long[]> ClientsAsync(int count, string prefix = "K")
        {
            await using var db = H.NewDb();
            var ids = new long[count];
            for (var i = 0; i < count; i++) ids[i] = await OutreachData.ClientAsync(H.Services, db, Org, $"{prefix}{i:000}");
            return ids;
        }

        public async Task<long> CampaignAsync(string body, ContentKind kind = ContentKind.EventInvitation, ProductRisk? risk = null, string channel = "webchat",
            AudienceFilter? filter = null, IReadOnlyList<(string Label, string Body, int Weight)>? variants = null, int throttle = 60_000)
        {
            var list = new List<VariantInput>();
            foreach (var (label, text, weight) in variants ?? [("A", body, 100)])
            {
                var version = await OutreachData.ApprovedContentAsync(H, Org, kind, "活动" + label, text, risk);
                list.Add(new VariantInput(label, version, weight));
            }
            var id = await H.RunAsync<Campaigns, long>(c => c.CreateAsync(As(Org.Ops), new CampaignInput("测试活动", channel, list, null, filter, throttle), CancellationToken.None));
            await H.RunAsync<Campaigns>(c => c.ScheduleAsync(As(Org.Ops), id, null, CancellationToken.None));
            return id;
        }

        /// <summary>Starts due campaigns and steps this one until it finishes or stops making progress.</summary>
        public async Task RunAsync(long campaignId, int batch = 100)
        {
            await Executor.StartDueAsync(CancellationToken.None);
            for (var i = 0; i < 50; i++)
            {
                var step = await Executor.StepAsync(campaignId, batch, CancellationToken.None);
                await Executor.FlushGroupTasksAsync(campaignId, CancellationToken.None);
                if (step.Finished) return;
                if (i > 0 && step.Processed == 0) return;
            }
        }

        public async Task<Dictionary<long, CampaignRecipient>> RecipientsAsync(long campaignId)
        {
            await using var db = H.NewDb();
            return await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == campaignId).ToDictionaryAsync(r => r.ClientId);
        }

        public CampaignExecutor NewExecutor() => new(H.Services.GetRequiredService<IServiceScopeFactory>(), H.Services.GetRequiredService<OutboxSignal>(),
            H.Services.GetRequiredService<OutreachMetrics>(), H.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutreachOptions>>(), H.Clock,
            NullLogger<CampaignExecutor>.Instance);

        public async Task<(int Pushes, int Outbox, int Sends)> WrittenAsync(long campaignId)
        {
            await using var db = H.NewDb();
            var key = CampaignExecutor.CorrelationOf(campaignId);
            return (await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.Push && e.IdempotencyKey == key),
                await db.Outbox.CountAsync(o => o.Message!.IdempotencyKey == key),
                await db.OutboundSends.CountAsync(s => s.CampaignId == campaignId));
        }

        public Task<CampaignReport?> ReportAsync(long id) => H.RunAsync<Campaigns, CampaignReport?>(c => c.ReportAsync(As(Org.Ops), id, 100, CancellationToken.None));

        public ValueTask DisposeAsync() => H.DisposeAsync();
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Campaign_SendsEachAllowedClientOnce_HoldsTheRestBackWithReasons_AndReports(StoreKind kind)
    {
        await using var r = await Rig.StartAsync(kind);
        long ok1, ok2, noConsent, lowest, optedOut, expired;
        await using (var db = r.H.NewDb())
        {
            ok1 = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K001");
            ok2 = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K002", branch: r.Org.South);
            noConsent = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K003", marketing: false);
            lowest = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K004", level: SuitabilityLevel.C1);
            optedOut = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K005");
            expired = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K006", assessed: new DateOnly(2024, 1, 2));
            await OutreachData.ClientAsync(r.H.Services, db, r.Org, "K007", primary: r.Org.Cm2); // outside the digital team's scope
        }
        await r.H.RunAsync<ClientOutreach, bool>(o => o.SetOptOutAsync(As(r.Org.Cm1), "K005", "webchat", OptOutPurposes.Marketing, CancellationToken.None));
        var id = await r.CampaignAsync(Launch, ContentKind.ProductLaunch, ProductRisk.R2);

        var preview = await r.H.RunAsync<Campaigns, PlanSummary>(c => c.PreviewAsync(As(r.Org.Ops), id, CancellationToken.None));
        Assert.Equal((6, 2, 4), (preview.Audience, preview.WouldSend, preview.Blocked));

        await r.RunAsync(id);
        var recipients = await r.RecipientsAsync(id);
        Assert.Equal(6, recipients.Count);
        Assert.Equal(RecipientStatus.Sent, recipients[ok1].Status);
        Assert.Equal(RecipientStatus.Sent, recipients[ok2].Status);
        Assert.Equal((RecipientStatus.Blocked, GateRule.Consent, "客户未同意接收营销及产品信息"), (recipients[noConsent].Status, recipients[noConsent].Rule, recipients[noConsent].Explanation));
        Assert.Equal((GateRule.LowestCategory, "客户属于最低风险承受类别（C1），不得提供高于其等级的产品内容（产品 R2）"), (recipients[lowest].Rule, recipients[lowest].Explanation));
        Assert.Equal((GateRule.OptOut, "客户已退订网页聊天渠道的营销信息"), (recipients[optedOut].Rule, recipients[optedOut].Explanation));
        Assert.Equal(GateRule.SuitabilityExpired, recipients[expired].Rule);

        await using (var db = r.H.NewDb())
        {
            var pushes = await db.TimelineEvents.AsNoTracking().Where(e => e.Kind == TimelineKind.Push).ToListAsync();
            Assert.Equal([ok1, ok2], pushes.Select(e => e.ClientId).Order());
            Assert.All(pushes, e => Assert.Equal(CampaignExecutor.CorrelationOf(id), e.IdempotencyKey));
            Assert.Equal(2, await db.Outbox.CountAsync(o => o.Channel == "webchat"));
            Assert.Equal(4, await db.GateDecisions.CountAsync(d => d.CampaignId == id && d.Verdict == GateVerdict.Block));
            Assert.Equal(2, await db.OutboundSends.CountAsync(s => s.CampaignId == id));
            Assert.Equal(CampaignStatus.Completed, (await db.Campaigns.SingleAsync(c => c.Id == id)).Status);
        }

        await new OutboxDispatcher(r.H.Services.GetRequiredService<IServiceScopeFactory>(), r.H.Services.GetRequiredService<OutboxSignal>(), r.H.Clock, NullLogger<OutboxDispatcher>.Instance)
            .DispatchAsync(CancellationToken.None);
        Assert.True(await r.H.RunAsync<Campaigns, bool>(c => c.RecordReceiptAsync(id, "K001", ReceiptKind.Clicked, null, CancellationToken.None)));
        Assert.False(await r.H.RunAsync<Campaigns, bool>(c => c.RecordReceiptAsync(id, "K003", ReceiptKind.Read, null, CancellationToken.None)));
        var report = await r.ReportAsync(id);
        Assert.NotNull(report);
        Assert.Equal(2, report.ByStatus[RecipientStatus.Sent]);
        Assert.Equal(4, report.ByStatus[RecipientStatus.Blocked]);
        Assert.Equal(2, report.Delivered);
        var variant = Assert.Single(report.Variants);
        Assert.Equal((6, 2, 2, 1, 1, 4), (variant.Recipients, variant.Sent, variant.Delivered, variant.Read, variant.Clicked, variant.Blocked));
        Assert.Equal(4, report.HeldBackBy.Count);

        var view = await r.H.RunAsync<ClientOutreach, ClientOutreachView?>(o => o.ForClientAsync(As(r.Org.Cm1), "K003", 30, CancellationToken.None));
        var held = Assert.Single(view!.HeldBack);
        Assert.Equal(("推送活动", "活动A", "客户未同意接收营销及产品信息"), (held.Sender, held.Title, held.Explanation));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task CampaignKilledMidRun_ResumesWithoutSendingAnyoneAnythingTwice(StoreKind kind)
    {
        // Batches of 3: the process dies in the second batch, after its claim and inside its transaction (the
        // first call is the planner's).
        var crash = new CrashingComplaints { CrashOnCall = 3 };
        await using var r = await Rig.StartAsync(kind, c => c["Outreach:Campaigns:BatchSize"] = "3", services: s => s.Replace(ServiceDescriptor.Singleton<IOpenComplaints>(crash)));
        var clients = await r.ClientsAsync(8);
        var id = await r.CampaignAsync(Invitation);
        await r.Executor.StartDueAsync(CancellationToken.None);
        await r.Executor.StepAsync(id, 100, CancellationToken.None); // plans

        await Assert.ThrowsAsync<OperationCanceledException>(() => r.Executor.StepAsync(id, 100, CancellationToken.None));
        var afterCrash = await r.RecipientsAsync(id);
        Assert.Equal(3, afterCrash.Values.Count(x => x.Status == RecipientStatus.Sent));
        Assert.Equal(5, afterCrash.Values.Count(x => x.Status == RecipientStatus.Pending));
        Assert.All(afterCrash.Values.Where(x => x.Status == RecipientStatus.Pending), x => Assert.Equal(0, x.Attempts));
        Assert.Equal((3, 3, 3), await r.WrittenAsync(id));
        await using (var before = r.H.NewDb())
        {
            Assert.Equal(3, await before.GateDecisions.CountAsync(d => d.CampaignId == id));
            Assert.Equal(3, await before.GateCounters.CountAsync(c => c.Period == CapPeriod.Day));
        }

        // A restarted executor (nothing in memory survives) finishes the campaign.
        var restarted = r.NewExecutor();
        for (var i = 0; i < 3 && !(await restarted.StepAsync(id, 100, CancellationToken.None)).Finished; i++)
        {
        }

        var done = await r.RecipientsAsync(id);
        Assert.All(clients, c => Assert.Equal(RecipientStatus.Sent, done[c].Status));
        Assert.All(done.Values, x => Assert.Equal(1, x.Attempts));
        await using var db = r.H.NewDb();
        var perClient = await db.TimelineEvents.Where(e => e.Kind == TimelineKind.Push).GroupBy(e => e.ClientId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(8, perClient.Count);
        Assert.All(perClient, n => Assert.Equal(1, n));
        Assert.Equal(8, await db.Outbox.CountAsync());
        Assert.Equal(8, await db.OutboundSends.CountAsync());
        Assert.All(await db.GateCounters.Where(c => c.Period == CapPeriod.Day).ToListAsync(), c => Assert.Equal(1, c.Count));
        Assert.Equal(CampaignStatus.Completed, (await db.Campaigns.SingleAsync()).Status);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task TwoExecutorsOnOneCampaign_NeverSendTwice(StoreKind kind)
    {
        await using var r = await Rig.StartAsync(kind);
        await r.ClientsAsync(24);
        var id = await r.CampaignAsync(Invitation);
        await r.Executor.StartDueAsync(CancellationToken.None);
        await r.Executor.StepAsync(id, 100, CancellationToken.None);
        var other = r.NewExecutor();

        var steps = await Task.WhenAll(
            Task.Run(() => r.Executor.StepAsync(id, 100, CancellationToken.None)),
            Task.Run(() => other.StepAsync(id, 100, CancellationToken.None)));

        Assert.Equal(24, steps.Sum(s => s.Processed));
        await using var db = r.H.NewDb();
        Assert.Equal(24, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.Push));
        Assert.Equal(24, await db.TimelineEvents.Where(e => e.Kind == TimelineKind.Push).Select(e => e.ClientId).Distinct().CountAsync());
        Assert.Equal(24, await db.Outbox.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Batch_WithMixedOutcomes_SendsTheAllowed_HoldsBackTheConsentAndCapBlocked_DefersInQuietHours(StoreKind kind)
    {
        var evening = BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(21, 0));
        await using var r = await Rig.StartAsync(kind, c => c["Outreach:Campaigns:BatchSize"] = "4", now: evening);
        var c = await r.ClientsAsync(7);
        var id = await r.CampaignAsync(Invitation);
        await r.Executor.StartDueAsync(CancellationToken.None);
        await r.Executor.StepAsync(id, 100, CancellationToken.None); // plans: everybody passes at 21:00
        Assert.All((await r.RecipientsAsync(id)).Values, x => Assert.Equal(RecipientStatus.Pending, x.Status));

        // Between planning and sending: one client withdraws consent, another reaches today's marketing cap.
        await using (var db = r.H.NewDb())
        {
            var withdrawn = await db.Clients.Include(x => x.Consents).SingleAsync(x => x.Id == c[1]);
            withdrawn.SetConsent(ConsentPurpose.Marketing, false, "test", r.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        var other = new OutboundCandidate(c[2], "webchat", OutboundSender.Staff, r.Org.Cm1.Id, OutboundPurpose.Marketing, "理财节本周日开幕，欢迎到营业部参加现场活动并领取理财手册。", null, false);
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(r.H, other)).Decision.Verdict);

        Assert.Equal(4, (await r.Executor.StepAsync(id, 4, CancellationToken.None)).Processed);
        var first = await r.RecipientsAsync(id);
        Assert.Equal((RecipientStatus.Sent, 1), (first[c[0]].Status, first[c[0]].Attempts));
        Assert.Equal((RecipientStatus.Blocked, GateRule.Consent, "客户未同意接收营销及产品信息"), (first[c[1]].Status, first[c[1]].Rule, first[c[1]].Explanation));
        Assert.Equal((RecipientStatus.Blocked, GateRule.Cap, "营销信息今日已发送 1 条，达到每日上限 1 条"), (first[c[2]].Status, first[c[2]].Rule, first[c[2]].Explanation));
        Assert.Equal(RecipientStatus.Sent, first[c[3]].Status);
        Assert.All(c[4..], x => Assert.Equal(RecipientStatus.Pending, first[x].Status));
        Assert.Equal((2, 2, 2), await r.WrittenAsync(id));

        // Quiet hours begin at 21:30: the next batch is deferred to the morning, then sent.
        r.H.Clock.SetUtcNow(evening.AddMinutes(45));
        Assert.Equal(3, (await r.Executor.StepAsync(id, 4, CancellationToken.None)).Processed);
        var morning = BusinessTime.ToInstant(new DateOnly(2026, 11, 26), new TimeOnly(8, 30));
        var deferred = await r.RecipientsAsync(id);
        Assert.All(c[4..], x => Assert.Equal((RecipientStatus.Deferred, GateRule.QuietHours, morning), (deferred[x].Status, deferred[x].Rule, deferred[x].NotBefore!.Value)));
        Assert.Equal(0, (await r.Executor.StepAsync(id, 4, CancellationToken.None)).Processed);
        r.H.Clock.SetUtcNow(morning.AddMinutes(1));
        await r.RunAsync(id, batch: 4);

        var done = await r.RecipientsAsync(id);
        Assert.All(c[4..], x => Assert.Equal((RecipientStatus.Sent, 2), (done[x].Status, done[x].Attempts)));
        Assert.Equal((5, 5, 5), await r.WrittenAsync(id));
        await using (var db = r.H.NewDb())
        {
            var verdicts = await db.GateDecisions.Where(d => d.CampaignId == id).GroupBy(d => d.Verdict).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count);
            Assert.Equal((5, 2, 3), (verdicts[GateVerdict.Allow], verdicts[GateVerdict.Block], verdicts[GateVerdict.Defer]));
            // Each sent recipient points at its own Push event and that event's outbox row.
            var key = CampaignExecutor.CorrelationOf(id);
            var outbox = await db.Outbox.AsNoTracking().Where(o => o.Message!.IdempotencyKey == key)
                .Select(o => new { o.Id, o.ClientId, o.TimelineEventId, EventClient = o.Message!.ClientId }).ToListAsync();
            Assert.All(done.Values.Where(x => x.Status == RecipientStatus.Sent), x =>
                Assert.Single(outbox, o => o.Id == x.OutboxId && o.TimelineEventId == x.TimelineEventId && o.ClientId == x.ClientId && o.EventClient == x.ClientId));
            Assert.Equal(CampaignStatus.Completed, (await db.Campaigns.SingleAsync(x => x.Id == id)).Status);
        }
        var report = await r.ReportAsync(id);
        Assert.Equal((5, 2), (report!.ByStatus[RecipientStatus.Sent], report.ByStatus[RecipientStatus.Blocked]));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Worker_SendsNoMoreThanTheThrottleAllows_WhenThatIsLessThanABatch(StoreKind kind)
    {
        await using var r = await Rig.StartAsync(kind);
        await r.ClientsAsync(30);
        var id = await r.CampaignAsync(Invitation, throttle: 600); // 10 a second; a batch holds 100
        var worker = new CampaignWorker(r.Executor, r.H.Services.GetRequiredService<CampaignSignal>(),
            r.H.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutreachOptions>>(), r.H.Clock, NullLogger<CampaignWorker>.Instance);
        async Task<int> SentAsync() => (await r.RecipientsAsync(id)).Values.Count(x => x.Status == RecipientStatus.Sent);

        await worker.RunOnceAsync(CancellationToken.None); // starts and plans
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(10, await SentAsync());
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(10, await SentAsync());
        r.H.Clock.Advance(TimeSpan.FromMilliseconds(500));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(15, await SentAsync());
        r.H.Clock.Advance(TimeSpan.FromSeconds(10)); // the bucket holds one second's worth
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(25, await SentAsync());
        Assert.Equal((25, 25, 25), await r.WrittenAsync(id));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ARecipientFailingInABatch_DoesNotHoldBackTheOthers_AndIsFailedAfterItsAttempts(StoreKind kind)
    {
        await using var r = await Rig.StartAsync(kind, c => c["Outreach:Campaigns:MaxAttempts"] = "2");
        var c = await r.ClientsAsync(6);
        var id = await r.CampaignAsync(Invitation);
        await using (var db = r.H.NewDb())
        {
            // A stray event under the campaign's key: the timeline refuses this client's Push, and with it the whole batch.
            db.TimelineEvents.Add(new TimelineEvent(c[2], TimelineKind.Push, ActorKind.System, null, "webchat", EventVisibility.ClientVisible, r.H.Clock.GetUtcNow())
            {
                IdempotencyKey = CampaignExecutor.CorrelationOf(id),
            });
            await db.SaveChangesAsync();
        }

        await r.RunAsync(id);

        var recipients = await r.RecipientsAsync(id);
        Assert.All(c.Where(x => x != c[2]), x => Assert.Equal((RecipientStatus.Sent, 1), (recipients[x].Status, recipients[x].Attempts)));
        Assert.Equal((RecipientStatus.Failed, CampaignExecutor.SendErrorRule, 2), (recipients[c[2]].Status, recipients[c[2]].Rule, recipients[c[2]].Attempts));
        Assert.Equal((6, 5, 5), await r.WrittenAsync(id));
        var report = await r.ReportAsync(id);
        Assert.Equal((CampaignStatus.Completed, 5, 1), (report!.Status, report.ByStatus[RecipientStatus.Sent], report.ByStatus[RecipientStatus.Failed]));
    }

    [Fact]
    public async Task Cancel_StopsWhatIsNotSentYet()
    {
        await using var r = await Rig.StartAsync(StoreKind.Sqlite);
        await r.ClientsAsync(10);
        var id = await r.CampaignAsync(Invitation);
        await r.Executor.StartDueAsync(CancellationToken.None);
        await r.Executor.StepAsync(id, 100, CancellationToken.None);
        Assert.Equal(3, (await r.Executor.StepAsync(id, 3, CancellationToken.None)).Processed);

        await r.H.RunAsync<Campaigns>(c => c.CancelAsync(As(r.Org.Ops), id, CancellationToken.None));
        Assert.True((await r.Executor.StepAsync(id, 100, CancellationToken.None)).Finished);
        var report = await r.ReportAsync(id);
        Assert.Equal(CampaignStatus.Cancelled, report!.Status);
        Assert.Equal((3, 7), (report.ByStatus[RecipientStatus.Sent], report.ByStatus[RecipientStatus.Cancelled]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => r.H.RunAsync<Campaigns>(c => c.CancelAsync(As(r.Org.Ops), id, CancellationToken.None)));
    }

    [Fact]
    public async Task InQuietHours_RecipientsAreDeferredToTheMorning_ThenSent()
    {
        var evening = BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(22, 15));
        await using var r = await Rig.StartAsync(StoreKind.Sqlite, now: evening);
        var clients = await r.ClientsAsync(3);
        var id = await r.CampaignAsync(Invitation);
        await r.RunAsync(id);
        var deferred = await r.RecipientsAsync(id);
        var morning = BusinessTime.ToInstant(new DateOnly(2026, 11, 26), new TimeOnly(8, 30));
        Assert.All(deferred.Values, x => Assert.Equal((RecipientStatus.Deferred, GateRule.QuietHours, morning), (x.Status, x.Rule, x.NotBefore!.Value)));
        Assert.Equal("免打扰时段（21:30-08:30），顺延至 11-26 08:30 发送", deferred[clients[0]].Explanation);
        Assert.Equal(0, (await r.Executor.StepAsync(id, 100, CancellationToken.None)).Processed);

        r.H.Clock.SetUtcNow(morning.AddMinutes(1));
        await r.RunAsync(id);
        var sent = await r.RecipientsAsync(id);
        Assert.All(sent.Values, x => Assert.Equal(RecipientStatus.Sent, x.Status));
        var view = await r.H.RunAsync<ClientOutreach, ClientOutreachView?>(o => o.ForClientAsync(As(r.Org.Cm1), "K000", 30, CancellationToken.None));
        Assert.Equal(GateVerdict.Defer, Assert.Single(view!.HeldBack).Verdict);
        Assert.Single(view.Received);
    }

    [Fact]
    public async Task AbVariants_AreAssignedStably_AndReportedApart()
    {
        await using var r = await Rig.StartAsync(StoreKind.Sqlite);
        var clients = await r.ClientsAsync(40);
        var id = await r.CampaignAsync(Invitation, variants: [("A", Invitation, 50), ("B", "基金定投入门课程上线，三分钟了解定投的原理与风险，欢迎观看学习。", 50)]);
        await r.RunAsync(id);
        var recipients = await r.RecipientsAsync(id);
        foreach (var c in clients)
        {
            Assert.Equal(CampaignPlanner.VariantFor(id, c, [50, 50]) == 0 ? "A" : "B", recipients[c].Variant);
        }
        var report = await r.ReportAsync(id);
        Assert.All(report!.Variants, v => Assert.InRange(v.Sent, 5, 35));
        Assert.Equal(40, report.Variants.Sum(v => v.Sent));
        await using var db = r.H.NewDb();
        var titles = await db.OutboundSends.Where(s => s.CampaignId == id).GroupBy(s => s.Title).Select(g => g.Key).ToListAsync();
        Assert.Equal(["活动A", "活动B"], titles.Order());
    }

    [Fact]
    public async Task ASecondCampaignTheSameDay_IsHeldBackByTheCap_AndTheSameContentByDeduplication()
    {
        await using var r = await Rig.StartAsync(StoreKind.Sqlite, c => c["Outreach:Gate:Caps:Research:PerDay"] = "5");
        await r.ClientsAsync(2);
        await r.RunAsync(await r.CampaignAsync(Invitation));
        var second = await r.CampaignAsync("理财节本周日开幕，欢迎到营业部参加现场活动并领取理财手册。");
        await r.RunAsync(second);
        Assert.All((await r.RecipientsAsync(second)).Values, x => Assert.Equal((GateRule.Cap, "营销信息今日已发送 1 条，达到每日上限 1 条"), (x.Rule, x.Explanation)));

        var research = await r.CampaignAsync("【研报】" + Invitation, ContentKind.Education);
        await r.RunAsync(research);
        Assert.All((await r.RecipientsAsync(research)).Values, x =>
        {
            Assert.Equal(GateRule.Duplicate, x.Rule);
            Assert.Matches("^推送活动「活动A」已于 11月25日 发送过相似内容", x.Explanation);
        });
    }

    [Fact]
    public async Task GroupMessages_BecomeWeComTasksForTheStaffWhoLastChatted_WithinWeComsCap()
    {
        var simOptions = new SimulatorOptions { StaffUsers = 2, ContactsPerUser = 3 };
        await using var sim = await WeComSimulator.StartAsync(simOptions);
        var settings = new Dictionary<string, string?>
        {
            ["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom:Apps:main:CorpId"] = simOptions.CorpId,
            ["WeCom:Apps:main:Token"] = simOptions.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = simOptions.EncodingAesKey,
            ["WeCom:Apps:main:Secret"] = simOptions.Secret,
            ["WeCom:Apps:main:AgentId"] = simOptions.AgentId,
            ["WeCom:GroupMessageCap"] = "OnePerDay",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var r = await Rig.StartAsync(StoreKind.Sqlite, c => { foreach (var (k, v) in settings) c[k] = v; }, services: s => s.AddWeCom(configuration));
        long followed1, followed2, notFollowed, noWeCom;
        await using (var db = r.H.NewDb())
        {
            var cm1 = await db.Staff.SingleAsync(s => s.Id == r.Org.Cm1.Id);
            cm1.WeComUserId = SimulatorState.StaffUserId(1);
            await db.SaveChangesAsync();
            followed1 = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "G001", weComId: "wmSimcm0001x000000");
            followed2 = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "G002", weComId: "wmSimcm0001x000001");
            notFollowed = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "G003", weComId: "wmSimcm0002x000000");
            noWeCom = await OutreachData.ClientAsync(r.H.Services, db, r.Org, "G004");
            foreach (var c in new[] { followed1, followed2, notFollowed })
            {
                db.TimelineEvents.Add(new TimelineEvent(c, TimelineKind.StaffMessage, ActorKind.Staff, r.Org.Cm1.Id, "wecom", EventVisibility.ClientVisible, r.H.Clock.GetUtcNow().AddDays(-3)));
            }
            await db.SaveChangesAsync();
        }

        var id = await r.CampaignAsync(Invitation, channel: OutreachChannels.WeComGroup);
        await r.RunAsync(id);
        var recipients = await r.RecipientsAsync(id);
        Assert.Equal((RecipientStatus.Tasked, r.Org.Cm1.Id), (recipients[followed1].Status, recipients[followed1].StaffId!.Value));
        Assert.Equal(RecipientStatus.Tasked, recipients[followed2].Status);
        Assert.Equal((RecipientStatus.Failed, "企业微信未接受：客户不是该员工的外部联系人"), (recipients[notFollowed].Status, recipients[notFollowed].Explanation));
        Assert.Equal((RecipientStatus.Failed, CampaignExecutor.NoWeComContactRule), (recipients[noWeCom].Status, recipients[noWeCom].Rule));
        var task = Assert.Single(sim.State.GroupMessages);
        Assert.Equal(["wmSimcm0001x000000", "wmSimcm0001x000001"], task.Recipients.Order());
        await using (var db = r.H.NewDb())
        {
            Assert.Equal(2, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.Push && e.Channel == "wecom"));
            Assert.Equal(0, await db.Outbox.CountAsync());
            Assert.Equal(NotificationKind.DutyTask, (await db.StaffNotifications.SingleAsync(n => n.StaffId == r.Org.Cm1.Id)).Kind);
            Assert.Equal(CampaignTaskStatus.Created, (await db.CampaignTasks.SingleAsync()).Status);
        }

        // WeCom allows one group message a day here: a second task the same day leaves these customers out.
        var second = await r.CampaignAsync("基金定投入门课程上线，三分钟了解定投的原理与风险，欢迎观看学习。", ContentKind.Education, channel: OutreachChannels.WeComGroup);
        await r.RunAsync(second);
        var again = await r.RecipientsAsync(second);
        Assert.Equal((RecipientStatus.Blocked, GateRule.WeComGroupCap), (again[followed1].Status, again[followed1].Rule));
        Assert.Equal("企业微信群发：客户今日已收到 1 条群发，达到上限 1 条", again[followed1].Explanation);
        Assert.Equal(RecipientStatus.Blocked, again[followed2].Status);
        // Only the customer still under the cap is asked for again; WeCom refuses it (not this member's contact) and
        // creates no second task.
        Assert.Equal(RecipientStatus.Failed, again[notFollowed].Status);
        Assert.Single(sim.State.GroupMessages);
    }

    /// <summary>
    /// The complaints check, dying on its n-th call (one call per plan, per batch, per recipient alone): the process
    /// stops in the middle of a send's transaction. It throws what a stopping host throws, which no retry catches,
    /// so nothing of the open transaction survives, as after a kill.
    /// </summary>
    private sealed class CrashingComplaints : IOpenComplaints
    {
        private int _calls;

        public int CrashOnCall { get; set; }

        public Task<bool> HasOpenComplaintAsync(long clientId, CancellationToken ct) => Call(false);

        public Task<IReadOnlySet<long>> ClientsWithOpenComplaintsAsync(CancellationToken ct) => Call<IReadOnlySet<long>>(new HashSet<long>());

        private Task<T> Call<T>(T answer) =>
            Interlocked.Increment(ref _calls) == CrashOnCall ? throw new OperationCanceledException("simulated kill") : Task.FromResult(answer);
    }
}

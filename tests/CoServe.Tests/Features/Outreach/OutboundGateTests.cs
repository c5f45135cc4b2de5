using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Outreach;

/// <summary>The gate over the store: decisions recorded, caps that hold under concurrency, the ledger across senders.</summary>
public class OutboundGateTests
{
    private const string Event = "【投教直播】本周五（11月27日）晚上8点，我们将在线举办《ETF定投入门》直播讲座，欢迎您准时参加。";
    private const string Paraphrase = "本周五11月27日晚8点将举办ETF定投入门在线直播讲座，欢迎准时参加！";

    private static OutboundCandidate Marketing(long clientId, string text = Event, OutboundSender sender = OutboundSender.Campaign) =>
        new(clientId, "webchat", sender, sender == OutboundSender.Staff ? 1 : null, OutboundPurpose.Marketing, text, null, false) { Title = "ETF定投讲座" };

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task EveryDecision_IsRecordedWithItsExplanation_AndOnlySendsThatPassedCount(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        long consenting, refusing;
        await using (var db = s.NewDb())
        {
            consenting = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "M001");
            refusing = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "M002", marketing: false);
        }

        var blocked = await OutreachData.DecideAndSaveAsync(s.H, Marketing(refusing));
        Assert.Equal((GateVerdict.Block, GateRule.Consent), (blocked.Decision.Verdict, blocked.Decision.Rule));

        var allowed = await OutreachData.DecideAndSaveAsync(s.H, Marketing(consenting));
        Assert.Equal(GateDecision.Allow, allowed.Decision);
        var capped = await OutreachData.DecideAndSaveAsync(s.H, Marketing(consenting, "【活动】理财节本周六开幕，欢迎到营业部参加现场活动并领取理财手册。"));
        Assert.Equal((GateVerdict.Block, GateRule.Cap), (capped.Decision.Verdict, capped.Decision.Rule));

        await using (var db = s.NewDb())
        {
            var decisions = await db.GateDecisions.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
            Assert.Equal([GateVerdict.Block, GateVerdict.Allow, GateVerdict.Block], decisions.Select(d => d.Verdict));
            Assert.Equal("客户未同意接收营销及产品信息", decisions[0].Explanation);
            Assert.Equal(refusing, decisions[0].ClientId);
            Assert.Equal(OutboundSender.Campaign, decisions[0].Sender);
            Assert.Equal("ETF定投讲座", decisions[0].Title);
            Assert.Equal(TextSketch.Of(Event).Fingerprint, decisions[0].Fingerprint);
            Assert.Equal("营销信息今日已发送 1 条，达到每日上限 1 条", decisions[2].Explanation);
            Assert.Equal(s.H.Clock.GetUtcNow(), decisions[2].At);
            var sent = await db.OutboundSends.AsNoTracking().SingleAsync();
            Assert.Equal((consenting, OutboundSender.Campaign, OutboundPurpose.Marketing, "ETF定投讲座"), (sent.ClientId, sent.Sender, sent.Purpose, sent.Title));
        }
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task SendersRacingForTheLastSlot_ExactlyOnePasses(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Outreach:Gate:Caps:Research:PerDay"] = "3");
        long client;
        await using (var db = s.NewDb()) client = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "R001");
        for (var i = 0; i < 2; i++)
        {
            var early = await OutreachData.DecideAndSaveAsync(s.H, Marketing(client, $"第{i}期研报摘要：宏观经济数据点评与行业配置建议，详见附件。") with { Purpose = OutboundPurpose.Research });
            Assert.Equal(GateVerdict.Allow, early.Decision.Verdict);
        }

        // Eight senders (officer, staff, campaigns, system) ask for the third and last research slot at once.
        var senders = new[] { OutboundSender.Campaign, OutboundSender.Staff, OutboundSender.System, OutboundSender.Officer };
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            OutreachData.DecideAndSaveAsync(s.H, Marketing(client, $"竞争第{i}号：本周策略会纪要，关注高股息与科技成长两条主线。", senders[i % 4]) with { Purpose = OutboundPurpose.Research }))));

        Assert.Single(results, r => r.Decision.Verdict == GateVerdict.Allow);
        Assert.All(results.Where(r => r.Decision.Verdict != GateVerdict.Allow), r =>
        {
            Assert.Equal(GateRule.Cap, r.Decision.Rule);
            Assert.Equal("资讯研报今日已发送 3 条，达到每日上限 3 条", r.Decision.Explanation);
        });
        await using var check = s.NewDb();
        Assert.Equal(3, await check.GateCounters.Where(c => c.ClientId == client && c.Period == CapPeriod.Day).Select(c => c.Count).SingleAsync());
        Assert.Equal(3, await check.OutboundSends.CountAsync(x => x.ClientId == client));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task SendersRacingWithTheSameContent_ExactlyOnePasses_TheWindowHolds(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Outreach:Gate:Caps:Enabled"] = "false");
        long client;
        await using (var db = s.NewDb()) client = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "W001");
        var texts = new[] { Event, Paraphrase };
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            // Each sender decides inside its own transaction and stores its message before committing, like the campaign executor.
            await using var scope = s.H.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var result = await scope.ServiceProvider.GetRequiredService<OutboundGate>().DecideAsync(Marketing(client, texts[i % 2]), CancellationToken.None);
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            return result;
        })));

        Assert.Single(results, r => r.Decision.Verdict == GateVerdict.Allow);
        Assert.All(results.Where(r => r.Decision.Verdict != GateVerdict.Allow), r => Assert.Equal(GateRule.Duplicate, r.Decision.Rule));
        await using var check = s.NewDb();
        Assert.Equal(1, await check.OutboundSends.CountAsync(x => x.ClientId == client));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ASendRolledBack_GivesItsSlotBack(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        long client;
        await using (var db = s.NewDb()) client = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "T001");
        await using (var scope = s.H.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var inside = await scope.ServiceProvider.GetRequiredService<OutboundGate>().DecideAsync(Marketing(client), CancellationToken.None);
            Assert.Equal(GateVerdict.Allow, inside.Decision.Verdict);
            await tx.RollbackAsync();
        }
        var again = await OutreachData.DecideAndSaveAsync(s.H, Marketing(client));
        Assert.Equal(GateVerdict.Allow, again.Decision.Verdict);
        await using var check = s.NewDb();
        Assert.Equal(1, await check.GateCounters.Where(c => c.ClientId == client && c.Period == CapPeriod.Day).Select(c => c.Count).SingleAsync());
        Assert.Equal(1, await check.GateDecisions.CountAsync()); // the rolled-back decision went with its send
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task WhatOneSenderSent_HoldsBackAParaphraseFromAnother(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        long client;
        await using (var db = s.NewDb()) client = await OutreachData.ClientAsync(s.H.Services, db, s.Org, "D001");
        var officer = new OutboundCandidate(client, "webchat", OutboundSender.Officer, null, OutboundPurpose.ConversationReply, Event, null, false);
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(s.H, officer)).Decision.Verdict);

        s.H.Clock.Advance(TimeSpan.FromDays(2));
        var campaign = await OutreachData.DecideAndSaveAsync(s.H, Marketing(client, Paraphrase));
        Assert.Equal(GateVerdict.Block, campaign.Decision.Verdict);
        Assert.Equal(GateRule.Duplicate, campaign.Decision.Rule);
        Assert.Matches(@"^服务官已于 11月25日 发送过相似内容（相似度 \d+%）$", campaign.Decision.Explanation);

        var staff = await OutreachData.DecideAndSaveAsync(s.H, new OutboundCandidate(client, "webchat", OutboundSender.Staff, s.Org.Cm1.Id, OutboundPurpose.ConversationReply, Event, null, false));
        Assert.Equal(GateVerdict.Warn, staff.Decision.Verdict);
        Assert.Equal("服务官已于 11月25日 发送过相同内容", staff.Decision.Explanation);

        s.H.Clock.Advance(TimeSpan.FromDays(5).Add(TimeSpan.FromMinutes(1)));
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(s.H, Marketing(client, Paraphrase))).Decision.Verdict);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task StaffReplyingWhatTheOfficerAlreadySaid_IsWarned_AndSendsOnlyWhenConfirmed(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Outreach:Gate:Deduplication:MinCharacters"] = "10");
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();
        var conversation = await s.ConversationAsync("P400");

        var first = await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), conversation.Id, ScriptedOfficer.Answer, false, CancellationToken.None));
        Assert.Equal(ControlStatus.NeedsConfirmation, first.Status);
        Assert.Equal("服务官已于 11月25日 发送过相同内容", first.Message);
        await using (var db = s.NewDb())
        {
            Assert.Equal(0, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.StaffMessage));
        }

        var confirmed = await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), conversation.Id, ScriptedOfficer.Answer, true, CancellationToken.None));
        Assert.Equal(ControlStatus.Done, confirmed.Status);
        await using var check = s.NewDb();
        Assert.Equal(1, await check.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.StaffMessage));
        var decisions = await check.GateDecisions.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        Assert.Equal([(GateVerdict.Warn, false), (GateVerdict.Warn, true)], decisions.Select(d => (d.Verdict, d.Confirmed)));
        var sends = await check.OutboundSends.AsNoTracking().OrderBy(x => x.Id).ToListAsync();
        Assert.Equal([(OutboundSender.Officer, false), (OutboundSender.Staff, true)], sends.Select(x => (x.Sender, x.Warned)));
    }

    [Fact]
    public async Task TheOfficerRepeatingItself_IsHeldBack_AndAHumanTakesOver()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c => c["Outreach:Gate:Deduplication:MinCharacters"] = "10");
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();
        await s.SayAsync("P400", "请问" + ScriptedOfficer.Question);
        await s.DrainAsync();

        await using var db = s.NewDb();
        var ticket = await db.Tickets.SingleAsync();
        Assert.Equal(HandoffReason.GuardrailBlocked, ticket.Reason);
        var timeline = await s.TimelineAsync(s.Org.Cm1, "P400");
        var held = timeline.Single(e => e.Kind == TimelineKind.Note);
        Assert.Equal("Duplicate", held.Details["rule"]);
        Assert.Equal("服务官已于 11月25日 发送过相同内容", held.Details["why"]);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OptOutsPersonalisationAndOpenComplaints_HoldBack_AndTheClientViewSaysWhy(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var h = s.H;
        long optedOut, noPersonal, complaining;
        await using (var db = s.NewDb())
        {
            optedOut = await OutreachData.ClientAsync(h.Services, db, s.Org, "O001");
            noPersonal = await OutreachData.ClientAsync(h.Services, db, s.Org, "O002", personalised: false);
            complaining = await OutreachData.ClientAsync(h.Services, db, s.Org, "O003");
            db.Tickets.Add(new Ticket(complaining, null, HandoffReason.Complaint, TicketQueue.DutyOwner, s.Org.North.Id, h.Clock.GetUtcNow(), h.Clock.GetUtcNow().AddHours(1)));
            await db.SaveChangesAsync();
        }
        Assert.True(await h.RunAsync<ClientOutreach, bool>(o => o.SetOptOutAsync(As(s.Org.Cm1), "O001", "*", OptOutPurposes.Marketing, CancellationToken.None)));

        Assert.Equal(GateRule.OptOut, (await OutreachData.DecideAndSaveAsync(h, Marketing(optedOut))).Decision.Rule);
        Assert.Equal(GateRule.Personalised, (await OutreachData.DecideAndSaveAsync(h, Marketing(noPersonal) with { Personalised = true })).Decision.Rule);
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(h, Marketing(noPersonal, "【活动】理财节本周六开幕，欢迎到营业部参加现场活动并领取理财手册。"))).Decision.Verdict);
        Assert.Equal(GateRule.OpenComplaint, (await OutreachData.DecideAndSaveAsync(h, Marketing(complaining))).Decision.Rule);

        var view = await h.RunAsync<ClientOutreach, ClientOutreachView?>(o => o.ForClientAsync(As(s.Org.Cm1), "O002", 30, CancellationToken.None));
        Assert.NotNull(view);
        var held = Assert.Single(view.HeldBack);
        Assert.Equal("客户已关闭个性化推送，只能接收面向全体客户的非个性化内容", held.Explanation);
        Assert.Equal("ETF定投讲座", held.Title);
        var received = Assert.Single(view.Received);
        Assert.Equal("推送活动", received.Sender);
        Assert.False(view.PersonalisedPush);

        var optedView = await h.RunAsync<ClientOutreach, ClientOutreachView?>(o => o.ForClientAsync(As(s.Org.Cm1), "O001", 30, CancellationToken.None));
        Assert.Equal(OptOutPurposes.Marketing, Assert.Single(optedView!.OptOuts).Purposes);
        Assert.Null(await h.RunAsync<ClientOutreach, ClientOutreachView?>(o => o.ForClientAsync(As(s.Org.Cm3), "O001", 30, CancellationToken.None)));
    }

    [Fact]
    public async Task TheComplaintsFeaturesAnswer_IsWhatTheGateAsks()
    {
        var complaints = new FixedComplaints();
        long client;
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite, services: x => x.Replace(ServiceDescriptor.Singleton<IOpenComplaints>(complaints)));
        await using (var db = h.NewDb())
        {
            var org = await TestOrg.CreateAsync(db);
            client = await OutreachData.ClientAsync(h.Services, db, org, "Q001");
        }
        complaints.Open.Add(client);
        Assert.Equal(GateRule.OpenComplaint, (await OutreachData.DecideAndSaveAsync(h, Marketing(client))).Decision.Rule);
        complaints.Open.Clear();
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(h, Marketing(client))).Decision.Verdict);
    }

    /// <summary>The complaints feature's answer, hand-written.</summary>
    internal sealed class FixedComplaints : IOpenComplaints
    {
        public HashSet<long> Open { get; } = [];

        public Task<bool> HasOpenComplaintAsync(long clientId, CancellationToken ct) => Task.FromResult(Open.Contains(clientId));

        public Task<IReadOnlySet<long>> ClientsWithOpenComplaintsAsync(CancellationToken ct) => Task.FromResult<IReadOnlySet<long>>(Open.ToHashSet());
    }
}

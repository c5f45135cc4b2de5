using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Outreach;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Outreach;

/// <summary>The gate's batch entry point decides, records and counts exactly as one decision after another.</summary>
public class OutboundGateBatchTests
{
    private const string Event = "【投教直播】本周五（11月27日）晚上8点，我们将在线举办《ETF定投入门》直播讲座，欢迎您准时参加。";
    private const string Paraphrase = "本周五11月27日晚8点将举办ETF定投入门在线直播讲座，欢迎准时参加！";
    private const string Fair = "【活动】理财节本周六开幕，欢迎到营业部参加现场活动并领取理财手册。";
    private const string Notice = "您的服务已升级：后续将由服务官与您的客户经理共同为您服务，调佣、反洗钱和投诉等事项仍由客户经理负责。";
    private const string Notice2 = "系统升级通知：本周六凌晨两点至六点网上交易系统停机维护，请您提前安排交易。";
    private const string Reply = "您好，ETF定投是指在固定的时间以固定的金额买入指定的交易型开放式指数基金，可以平滑成本。";

    private sealed record Outcome(int Client, GateVerdict Verdict, string? Rule, string? Explanation);

    private sealed record Ledger(IReadOnlyList<Outcome> Decisions, IReadOnlyList<(int Client, long Fingerprint, OutboundSender Sender)> Sends, IReadOnlyList<(int Client, OutboundCategory Category, CapPeriod Period, int Count)> Counters);

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task CheckMany_DecidesRecordsAndCounts_ExactlyAsOneByOne(StoreKind kind)
    {
        var (oneByOne, oneByOneLedger) = await RunAsync(kind, batch: false);
        var (batched, batchedLedger) = await RunAsync(kind, batch: true);

        Assert.Equal(oneByOne, batched);
        Assert.Equal(oneByOneLedger.Decisions, batchedLedger.Decisions);
        Assert.Equal(oneByOneLedger.Sends, batchedLedger.Sends);
        Assert.Equal(oneByOneLedger.Counters, batchedLedger.Counters);

        // The rules the rounds were built to reach, so the comparison is not between two empty answers.
        var rules = batched.Select(o => o.Rule).ToHashSet();
        foreach (var rule in new[] { GateRule.Consent, GateRule.OptOut, GateRule.OpenComplaint, GateRule.Duplicate, GateRule.Cap, GateRule.UnknownClient })
        {
            Assert.Contains(rule, rules);
        }
        Assert.Contains(batched, o => o.Verdict == GateVerdict.Warn);
        Assert.True(batched.Count(o => o.Verdict == GateVerdict.Allow) >= 4);
    }

    /// <summary>Two rounds over a fresh store: one inside the caller's transaction, one where the gate opens its own.</summary>
    private static async Task<(List<Outcome> Decisions, Ledger Ledger)> RunAsync(StoreKind kind, bool batch)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Outreach:Gate:Caps:ServiceNotice:PerDay"] = "2");
        var h = s.H;
        var ids = new List<long>();
        await using (var db = s.NewDb())
        {
            ids.Add(await OutreachData.ClientAsync(h.Services, db, s.Org, "B000"));
            ids.Add(await OutreachData.ClientAsync(h.Services, db, s.Org, "B001", marketing: false));
            ids.Add(await OutreachData.ClientAsync(h.Services, db, s.Org, "B002"));
            ids.Add(await OutreachData.ClientAsync(h.Services, db, s.Org, "B003"));
            ids.Add(await OutreachData.ClientAsync(h.Services, db, s.Org, "B004"));
            db.Tickets.Add(new Ticket(ids[3], null, HandoffReason.Complaint, TicketQueue.DutyOwner, s.Org.North.Id, h.Clock.GetUtcNow(), h.Clock.GetUtcNow().AddHours(1)));
            var service = await db.Clients.Include(c => c.Consents).SingleAsync(c => c.Id == ids[4]);
            service.SetConsent(ConsentPurpose.ServiceMessages, true, "test", h.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        Assert.True(await h.RunAsync<ClientOutreach, bool>(o => o.SetOptOutAsync(As(s.Org.Cm1), "B002", "*", OptOutPurposes.Marketing, CancellationToken.None)));
        // Sent before the batch: the batch must find it in the de-duplication window.
        Assert.Equal(GateVerdict.Allow, (await OutreachData.DecideAndSaveAsync(h, Marketing(ids[2], Fair) with { Purpose = OutboundPurpose.Research })).Decision.Verdict);

        var first = new List<OutboundCandidate>
        {
            Marketing(ids[0], Event),
            Marketing(ids[0], Paraphrase),
            Marketing(ids[0], Fair),
            Marketing(ids[1], Event),
            Marketing(ids[2], Event),
            Marketing(ids[2], Fair) with { Purpose = OutboundPurpose.Research },
            Marketing(ids[3], Event),
            Service(ids[4], Notice),
            Service(ids[4], Notice2),
            Service(ids[4], Notice2 + "（补充：维护期间可通过营业部柜台办理业务）"),
            Service(987_654_321, Notice),
            new(ids[0], "webchat", OutboundSender.Officer, null, OutboundPurpose.ConversationReply, Reply, null, false),
            new(ids[0], "webchat", OutboundSender.Staff, s.Org.Cm1.Id, OutboundPurpose.ConversationReply, Reply, null, false),
        };
        var second = new List<OutboundCandidate>
        {
            Service(ids[4], Notice),
            Service(ids[0], Notice),
            Marketing(ids[0], Event),
            new(ids[0], "webchat", OutboundSender.Staff, s.Org.Cm1.Id, OutboundPurpose.ConversationReply, Reply, null, false) { Confirmed = true },
        };

        var decisions = new List<GateDecision>();
        await using (var scope = h.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            var gate = scope.ServiceProvider.GetRequiredService<OutboundGate>();
            await using var tx = await db.Database.BeginTransactionAsync();
            decisions.AddRange(await DecideAsync(gate, first, batch));
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        await using (var scope = h.Services.CreateAsyncScope())
        {
            decisions.AddRange(await DecideAsync(scope.ServiceProvider.GetRequiredService<OutboundGate>(), second, batch));
            await scope.ServiceProvider.GetRequiredService<CoServeDb>().SaveChangesAsync();
        }

        var candidates = first.Concat(second).ToList();
        int Index(long clientId) => ids.IndexOf(clientId);
        var outcomes = candidates.Zip(decisions, (c, d) => new Outcome(Index(c.ClientId), d.Verdict, d.Rule, d.Explanation)).ToList();
        await using var check = s.NewDb();
        var recorded = await check.GateDecisions.AsNoTracking().OrderBy(d => d.Id).Select(d => new { d.ClientId, d.Verdict, d.Rule, d.Explanation }).ToListAsync();
        var sends = await check.OutboundSends.AsNoTracking().OrderBy(x => x.Id).Select(x => new { x.ClientId, x.Fingerprint, x.Sender }).ToListAsync();
        var counters = await check.GateCounters.AsNoTracking().Select(x => new { x.ClientId, x.Category, x.Period, x.Count }).ToListAsync();
        return (outcomes, new Ledger(
            [.. recorded.Select(d => new Outcome(Index(d.ClientId), d.Verdict, d.Rule, d.Explanation))],
            [.. sends.Select(x => (Index(x.ClientId), x.Fingerprint, x.Sender))],
            [.. counters.Select(x => (Index(x.ClientId), x.Category, x.Period, x.Count)).Order()]));
    }

    private static async Task<IReadOnlyList<GateDecision>> DecideAsync(OutboundGate gate, IReadOnlyList<OutboundCandidate> candidates, bool batch)
    {
        if (batch) return await gate.CheckManyAsync(candidates, CancellationToken.None);
        var decisions = new List<GateDecision>();
        foreach (var c in candidates) decisions.Add(await gate.CheckAsync(c, CancellationToken.None));
        return decisions;
    }

    private static OutboundCandidate Marketing(long clientId, string text) =>
        new(clientId, "webchat", OutboundSender.Campaign, null, OutboundPurpose.Marketing, text, null, false) { Title = "活动" };

    private static OutboundCandidate Service(long clientId, string text) =>
        new(clientId, "webchat", OutboundSender.System, null, OutboundPurpose.ServiceNotice, text, null, false);
}

using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Features.Transfers;
using CoServe.Platform.Live;
using CoServe.Tests.Features.Outreach;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Transfers;

/// <summary>Execution in batches (one gate call and one save per batch) against execution one item at a time.</summary>
public class TransferBatchTests
{
    private sealed record ClientResult(
        string ClientNo,
        TransferItemStatus Status,
        string? SkipReason,
        WeComTransferState WeCom,
        int? Primary,
        string CoServicers,
        string Timeline,
        string Gate,
        int Sends,
        int Outbox);

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task BatchedExecution_GivesTheSameResultsAsOneByOne_AndReRunningChangesNothing(StoreKind kind)
    {
        var oneByOne = await ExecuteBookAsync(kind, batchSize: 1);
        var batched = await ExecuteBookAsync(kind, batchSize: 100);
        Assert.Equal(oneByOne, batched);

        // The book reaches every branch of a move, so the comparison is not between two empty answers.
        Assert.Equal(7, batched.Count(r => r.Status == TransferItemStatus.Moved));
        var skipped = Assert.Single(batched, r => r.Status == TransferItemStatus.Skipped);
        Assert.Contains("servicing changed", skipped.SkipReason, StringComparison.Ordinal);
        Assert.Contains(batched, r => r.WeCom == WeComTransferState.Pending);
        Assert.Contains(batched, r => r.Gate.Contains(GateRule.Duplicate, StringComparison.Ordinal) && r.Timeline.EndsWith("Note", StringComparison.Ordinal));
        Assert.Contains(batched, r => r.Gate.Contains(GateRule.Cap, StringComparison.Ordinal) && r.Timeline.EndsWith("Note", StringComparison.Ordinal));
        Assert.Equal(5, batched.Count(r => r.Timeline.EndsWith("TransferEvent,Push", StringComparison.Ordinal) && r.Outbox == 1));
    }

    /// <summary>The same book executed with the given batch size; then executed again, which must change nothing.</summary>
    private static async Task<List<ClientResult>> ExecuteBookAsync(StoreKind kind, int batchSize)
    {
        await using var t = await TransferScenario.StartAsync(kind, c =>
        {
            c["Transfers:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c["Outreach:Gate:Caps:ServiceNotice:PerDay"] = "1";
        });
        await t.ClientAsync("D1", t.Org.Cm1, [100m, 100m, 100m], wecom: "wmD1");
        await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("D3", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("D4", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("D5", t.Org.Cm2, [200m, 200m, 200m], wecom: "wmD5");
        await t.ClientAsync("U1", null, [600_000m, 600_000m, 600_000m], keeper: t.Org.Cm2);
        await t.ClientAsync("U2", null, [700_000m, 700_000m, 700_000m], keeper: t.Org.Cm1);
        await t.ClientAsync("CH", t.Org.Cm1, [100m, 100m, 100m]);
        var plan = await t.PlanAsync();
        await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None));

        // Before execution: D3 already received the very notice (held as a duplicate), D4 used its one service notice of the day
        // (held by the cap), and CH changed servicer (skipped).
        var notice = t.S.Get<IOptions<TransferOptions>>().Value.NoticeToOfficer.Replace("{manager}", t.Org.Cm1.DisplayName, StringComparison.Ordinal);
        await OutreachData.DecideAndSaveAsync(t.S.H, Service(await OutreachData.IdOfAsync(t.S.H, "D3"), notice));
        await OutreachData.DecideAndSaveAsync(t.S.H, Service(await OutreachData.IdOfAsync(t.S.H, "D4"), "系统升级通知：本周六凌晨两点至六点网上交易系统停机维护，请您提前安排交易。"));
        await using (var db = t.NewDb())
        {
            var c = await db.Clients.Include(x => x.Servicers).SingleAsync(x => x.ClientNo == "CH");
            c.AssignPrimary(t.Org.Cm2.Id, DutyScopes.PrimaryManager, t.S.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }

        var report = await ExecuteAsync(t, plan.PlanId);
        Assert.Equal((7, 1, 0), (report.Moved, report.Skipped, report.Remaining));
        var results = await ResultsAsync(t);

        var again = await ExecuteAsync(t, plan.PlanId);
        Assert.Equal((0, 0, 0), (again.Moved, again.Skipped, again.Remaining));
        Assert.Equal(results, await ResultsAsync(t));
        return results;
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task CrashInsideABatch_AfterTheGateWrote_LosesNothingAndMovesNobodyTwice(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind, c => c["Transfers:BatchSize"] = "3");
        for (var i = 0; i < 8; i++) await t.ClientAsync($"D{i}", t.Org.Cm1, [100m, 100m, 100m]);
        var plan = await t.PlanAsync();
        await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None));

        int pool, keptByCm1;
        await using (var db = t.NewDb())
        {
            pool = await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null);
            keptByCm1 = await db.ClientServicers.CountAsync(s => !s.IsPrimary && s.StaffId == t.Org.Cm1.Id && s.Duties == DutyScopes.KeptByManager);
        }

        // The second batch fails after its servicer changes are made and the gate has written its locks, decisions
        // and sends in the batch's transaction, as a crash before the commit would.
        await using (var scope = t.S.H.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<CoServeDb>();
            var timeline = sp.GetRequiredService<TimelineWriter>();
            var options = sp.GetRequiredService<IOptions<TransferOptions>>();
            var gate = new CrashingGate(sp.GetRequiredService<IOutboundGate>(), crashOnCall: 2);
            var move = new ClientMove(db, timeline, gate, options, t.S.H.Clock);
            var execute = new ExecuteTransfers(db, move, timeline, sp.GetRequiredService<Notifier>(), sp.GetRequiredService<LiveEvents>(), sp.GetRequiredService<OutboxSignal>(),
                sp, options, t.S.H.Clock, NullLogger<ExecuteTransfers>.Instance);
            await Assert.ThrowsAsync<InvalidOperationException>(() => execute.ExecuteAsync(As(t.Org.Ops), plan.PlanId, CancellationToken.None));
        }
        await using (var db = t.NewDb())
        {
            Assert.Equal(3, await db.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Moved));
            Assert.Equal(5, await db.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Approved));
            Assert.Equal(3, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.TransferEvent));
            Assert.Equal(3, await db.GateDecisions.CountAsync());
            Assert.Equal(3, await db.OutboundSends.CountAsync());
            Assert.Equal(3, await db.Outbox.CountAsync());
            Assert.Equal(pool + 3, await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null));
        }

        var resumed = await ExecuteAsync(t, plan.PlanId);
        Assert.Equal((5, 0, 0), (resumed.Moved, resumed.Skipped, resumed.Remaining));
        await using var check = t.NewDb();
        Assert.Equal(8, await check.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Moved));
        foreach (var kindOfEvent in new[] { TimelineKind.TransferEvent, TimelineKind.Push })
        {
            var perClient = await check.TimelineEvents.Where(e => e.Kind == kindOfEvent).GroupBy(e => e.ClientId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(8, perClient.Count);
            Assert.All(perClient, n => Assert.Equal(1, n));
        }
        Assert.Equal(8, await check.OutboundSends.Select(s => s.ClientId).Distinct().CountAsync());
        Assert.Equal(8, await check.OutboundSends.CountAsync());
        Assert.All(await check.GateCounters.Where(c => c.Period == CapPeriod.Day).Select(c => c.Count).ToListAsync(), n => Assert.Equal(1, n));
        Assert.Equal(pool + 8, await check.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null));
        Assert.Equal(keptByCm1 + 8, await check.ClientServicers.CountAsync(s => !s.IsPrimary && s.StaffId == t.Org.Cm1.Id && s.Duties == DutyScopes.KeptByManager));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ClientChangedWhileItsBatchIsApplied_FailsTheBatchWithoutHalfWrites_ThenRerunMovesEveryone(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        for (var i = 0; i < 4; i++) await t.ClientAsync($"D{i}", t.Org.Cm1, [100m, 100m, 100m]);
        var plan = await t.PlanAsync();
        await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None));
        var changed = await OutreachData.IdOfAsync(t.S.H, "D2");
        int withCm1, pool;
        await using (var db = t.NewDb())
        {
            withCm1 = await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == t.Org.Cm1.Id);
            pool = await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null);
        }

        // Someone else changes D2 after the batch read it and before its servicing is stored.
        await using (var scope = t.S.H.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<CoServeDb>();
            var timeline = sp.GetRequiredService<TimelineWriter>();
            var options = sp.GetRequiredService<IOptions<TransferOptions>>();
            var gate = new MeddlingGate(sp.GetRequiredService<IOutboundGate>(), db, changed);
            var move = new ClientMove(db, timeline, gate, options, t.S.H.Clock);
            var execute = new ExecuteTransfers(db, move, timeline, sp.GetRequiredService<Notifier>(), sp.GetRequiredService<LiveEvents>(), sp.GetRequiredService<OutboxSignal>(),
                sp, options, t.S.H.Clock, NullLogger<ExecuteTransfers>.Instance);
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => execute.ExecuteAsync(As(t.Org.Ops), plan.PlanId, CancellationToken.None));
        }
        await using (var db = t.NewDb())
        {
            Assert.Equal(4, await db.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Approved));
            Assert.Equal(0, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.TransferEvent));
            Assert.Equal(0, await db.Outbox.CountAsync());
            Assert.Equal((withCm1, pool), (await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == t.Org.Cm1.Id),
                await db.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null)));
        }

        var report = await ExecuteAsync(t, plan.PlanId);
        Assert.Equal((4, 0, 0), (report.Moved, report.Skipped, report.Remaining));
        await using var check = t.NewDb();
        Assert.Equal(pool + 4, await check.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == null));
        Assert.Equal(withCm1 - 4, await check.ClientServicers.CountAsync(s => s.IsPrimary && s.StaffId == t.Org.Cm1.Id));
        Assert.Equal(4, await check.Outbox.CountAsync());
    }

    /// <summary>Decides through the real gate after bumping one client's version in the batch's transaction, as a concurrent edit would.</summary>
    private sealed class MeddlingGate(IOutboundGate inner, CoServeDb db, long clientId) : IOutboundGate
    {
        public Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct) => inner.CheckAsync(candidate, ct);

        public async Task<IReadOnlyList<GateDecision>> CheckManyAsync(IReadOnlyList<OutboundCandidate> candidates, CancellationToken ct)
        {
            await db.Clients.Where(c => c.Id == clientId).ExecuteUpdateAsync(u => u.SetProperty(c => c.Version, c => c.Version + 1), ct);
            return await inner.CheckManyAsync(candidates, ct);
        }
    }

    /// <summary>Decides through the real gate, then fails on the given batch call.</summary>
    private sealed class CrashingGate(IOutboundGate inner, int crashOnCall) : IOutboundGate
    {
        private int _calls;

        public Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct) => inner.CheckAsync(candidate, ct);

        public async Task<IReadOnlyList<GateDecision>> CheckManyAsync(IReadOnlyList<OutboundCandidate> candidates, CancellationToken ct)
        {
            var decisions = await inner.CheckManyAsync(candidates, ct);
            if (++_calls == crashOnCall) throw new InvalidOperationException("simulated crash inside the batch");
            return decisions;
        }
    }

    private static Task<ExecutionReport> ExecuteAsync(TransferScenario t, long planId) =>
        t.S.H.RunAsync<ExecuteTransfers, ExecutionReport>(e => e.ExecuteAsync(As(t.Org.Ops), planId, CancellationToken.None));

    private static OutboundCandidate Service(long clientId, string text) =>
        new(clientId, WebChatChannel.Name, OutboundSender.System, null, OutboundPurpose.ServiceNotice, text, null, false);

    private static async Task<List<ClientResult>> ResultsAsync(TransferScenario t)
    {
        await using var db = t.NewDb();
        var clients = await db.Clients.AsNoTracking().Include(c => c.Servicers).Where(c => db.TransferItems.Any(i => i.ClientId == c.Id)).OrderBy(c => c.ClientNo).ToListAsync();
        var results = new List<ClientResult>();
        foreach (var c in clients)
        {
            var item = await db.TransferItems.AsNoTracking().SingleAsync(i => i.ClientId == c.Id);
            var events = await db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == c.Id).OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync();
            var gate = await db.GateDecisions.AsNoTracking().Where(d => d.ClientId == c.Id).OrderBy(d => d.Id).Select(d => d.Verdict + ":" + d.Rule).ToListAsync();
            results.Add(new ClientResult(
                c.ClientNo,
                item.Status,
                item.SkipReason,
                item.WeComState,
                c.PrimaryServicer?.StaffId,
                string.Join(",", c.Servicers.Where(s => !s.IsPrimary).OrderBy(s => s.StaffId).Select(s => $"{s.StaffId}:{s.Duties}")),
                string.Join(",", events),
                string.Join(",", gate),
                await db.OutboundSends.CountAsync(s => s.ClientId == c.Id),
                await db.Outbox.CountAsync(o => o.ClientId == c.Id)));
        }
        return results;
    }
}

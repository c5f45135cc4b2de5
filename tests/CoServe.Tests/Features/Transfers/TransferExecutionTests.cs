using CoServe.Features.Clients;
using CoServe.Features.Timeline;
using CoServe.Features.Transfers;
using CoServe.Platform.Live;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Transfers;

public class TransferExecutionTests
{
    private static async Task<long> PlanAndApproveAsync(TransferScenario t)
    {
        var plan = await t.PlanAsync();
        await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, "按政策执行", CancellationToken.None));
        return plan.PlanId;
    }

    private static Task<ExecutionReport> ExecuteAsync(TransferScenario t, long planId, CancellationToken ct = default) =>
        t.S.H.RunAsync<ExecuteTransfers, ExecutionReport>(e => e.ExecuteAsync(As(t.Org.Ops), planId, ct));

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Execute_MovesServicing_ManagerKeepsDuties_TimelineAndNotice_IdempotentOnRerun(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("U1", null, [600_000m, 600_000m, 600_000m], keeper: t.Org.Cm2);
        var planId = await PlanAndApproveAsync(t);

        var report = await ExecuteAsync(t, planId);
        Assert.Equal((2, 0, 0), (report.Moved, report.Skipped, report.Remaining));

        var down = await t.ServicingAsync("D2");
        Assert.Null(down.Primary);
        Assert.Equal([(t.Org.Cm1.Id, DutyScopes.KeptByManager)], down.Co.Select(c => (c.StaffId!.Value, c.Duties)));
        var up = await t.ServicingAsync("U1");
        Assert.Equal(t.Org.Cm2.Id, up.Primary);
        Assert.Empty(up.Co);

        var timeline = await t.S.TimelineAsync(t.Org.Cm1, "D2");
        Assert.Contains(timeline, e => e.Kind == TimelineKind.TransferEvent);
        var notice = Assert.Single(timeline, e => e.Kind == TimelineKind.Push);
        Assert.Contains(t.Org.Cm1.DisplayName, notice.Text, StringComparison.Ordinal);
        Assert.Contains("投诉", notice.Text, StringComparison.Ordinal);

        var again = await ExecuteAsync(t, planId);
        Assert.Equal(0, again.Moved);
        await using var db = t.NewDb();
        Assert.Equal(2, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.TransferEvent));
        Assert.Equal(TransferPlanStatus.Executed, (await db.TransferPlans.SingleAsync()).Status);
    }

    [Fact]
    public async Task ServicingChangedSinceThePlan_ItemIsSkippedWithReason()
    {
        await using var t = await TransferScenario.StartAsync();
        await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        var planId = await PlanAndApproveAsync(t);
        await using (var db = t.NewDb())
        {
            var c = await db.Clients.Include(x => x.Servicers).SingleAsync(x => x.ClientNo == "D2");
            c.AssignPrimary(t.Org.Cm2.Id, DutyScopes.PrimaryManager, t.S.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        var report = await ExecuteAsync(t, planId);
        Assert.Equal((0, 1), (report.Moved, report.Skipped));
        var item = await t.ItemAsync("D2");
        Assert.Equal(TransferItemStatus.Skipped, item.Status);
        Assert.Contains("servicing changed", item.SkipReason, StringComparison.Ordinal);
        Assert.Equal(t.Org.Cm2.Id, (await t.ServicingAsync("D2")).Primary);
    }

    [Fact]
    public async Task CrashMidExecution_ResumesWithoutMovingAnyoneTwice()
    {
        await using var t = await TransferScenario.StartAsync(configure: c => c["Transfers:BatchSize"] = "2");
        for (var i = 0; i < 7; i++) await t.ClientAsync($"D{i}", t.Org.Cm1, [100m, 100m, 100m]);
        var planId = await PlanAndApproveAsync(t);

        // Stop after the first committed batch, as a crash would.
        using var crash = new CancellationTokenSource();
        using var _ = t.S.Get<LiveEvents>().Subscribe(e => { if (e is TimelineAppended) crash.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExecuteAsync(t, planId, crash.Token));
        await using (var db = t.NewDb())
        {
            Assert.Equal(2, await db.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Moved));
        }

        var resumed = await ExecuteAsync(t, planId);
        Assert.Equal(5, resumed.Moved);
        await using var check = t.NewDb();
        Assert.Equal(7, await check.TransferItems.CountAsync(i => i.Status == TransferItemStatus.Moved));
        var perClient = await check.TimelineEvents.Where(e => e.Kind == TimelineKind.TransferEvent).GroupBy(e => e.ClientId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(7, perClient.Count);
        Assert.All(perClient, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Rollback_RestoresServicing_WithinTheWindowOnly()
    {
        await using var t = await TransferScenario.StartAsync(configure: c => c["Transfers:RollbackWindowDays"] = "7");
        await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("U1", null, [600_000m, 600_000m, 600_000m], keeper: t.Org.Cm2);
        var planId = await PlanAndApproveAsync(t);
        await ExecuteAsync(t, planId);

        var preview = await t.S.H.RunAsync<RollbackTransfers, RollbackPreview>(r => r.PreviewAsync(planId, null, CancellationToken.None));
        Assert.Equal(2, preview.Items);
        var d2 = await t.ItemAsync("D2");
        var report = await t.S.H.RunAsync<RollbackTransfers, RollbackReport>(r => r.RollbackAsync(As(t.Org.Ops), null, [d2.Id], "客户投诉划转", CancellationToken.None));
        Assert.Equal(1, report.RolledBack);
        var restored = await t.ServicingAsync("D2");
        Assert.Equal(t.Org.Cm1.Id, restored.Primary);
        Assert.Empty(restored.Co);
        Assert.Equal(TransferItemStatus.RolledBack, (await t.ItemAsync("D2")).Status);

        t.S.H.Clock.Advance(TimeSpan.FromDays(8));
        await Assert.ThrowsAsync<TransferStateException>(() =>
            t.S.H.RunAsync<RollbackTransfers, RollbackReport>(r => r.RollbackAsync(As(t.Org.Ops), planId, null, "太晚", CancellationToken.None)));
    }

    [Fact]
    public async Task Leads_ManagerClaimsARisingPoolClient_BranchHeadApproves_ClientMoves()
    {
        await using var t = await TransferScenario.StartAsync();
        await t.ClientAsync("RISING", null, [380_000m, 410_000m, 450_000m], keeper: t.Org.Cm2);
        await t.ClientAsync("FLAT", null, [450_000m, 440_000m, 450_000m], keeper: t.Org.Cm2);
        await t.ClientAsync("SOUTH", null, [380_000m, 410_000m, 450_000m], keeper: t.Org.Cm3, branch: t.Org.South);

        var leads = await t.S.H.RunAsync<TransferLeads, IReadOnlyList<Lead>>(l => l.LeadsAsync(As(t.Org.Cm1), CancellationToken.None));
        Assert.Equal(["RISING"], leads.Select(l => l.ClientNo));
        var claim = await t.S.H.RunAsync<TransferLeads, long>(l => l.ClaimAsync(As(t.Org.Cm1), "RISING", "老客户，愿意一对一服务", CancellationToken.None));
        await Assert.ThrowsAsync<TransferStateException>(() => t.S.H.RunAsync<TransferLeads, long>(l => l.ClaimAsync(As(t.Org.Cm2), "RISING", null, CancellationToken.None)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => t.S.H.RunAsync<TransferLeads>(l => l.DecideAsync(As(t.Org.Cm2), claim, true, "同意", CancellationToken.None)));
        await t.S.H.RunAsync<TransferLeads>(l => l.DecideAsync(As(t.Org.Head), claim, true, "同意开发", CancellationToken.None));
        Assert.Equal(t.Org.Cm1.Id, (await t.ServicingAsync("RISING")).Primary);
    }
}

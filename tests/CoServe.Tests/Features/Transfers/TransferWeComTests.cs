using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Notifications;
using CoServe.Features.Transfers;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Transfers;

/// <summary>The WeCom side of moves against the WeCom simulator over real HTTP: 24-hour takeover, refusal, capacity, the 90-day limit.</summary>
public class TransferWeComTests
{
    private static string Contact(int i) => $"wmSimwx_cm1x{i:000000}";

    [Fact]
    public async Task WeComOutcomes_TakenOver_Refused_CapacityRetriedOnAnotherAccount_TooFrequentSkipped()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions(), 0);
        sim.State.AddContacts("wx_cm1", 5);
        sim.State.AddContacts("so_a", 0);
        sim.State.AddContacts("so_b", 0);
        await using var t = await TransferScenario.StartAsync(configure: c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Apps:main:Secret"] = sim.Options.Secret;
            c["Transfers:OfficerWeComAccounts:0:UserId"] = "so_a";
            c["Transfers:OfficerWeComAccounts:0:Capacity"] = "10";
            c["Transfers:OfficerWeComAccounts:1:UserId"] = "so_b";
            c["Transfers:OfficerWeComAccounts:1:Capacity"] = "5";
        });
        for (var i = 0; i < 4; i++) await t.ClientAsync($"W{i}", t.Org.Cm1, [100m, 100m, 100m], wecom: Contact(i));
        await t.ClientAsync("NOWECOM", t.Org.Cm1, [100m, 100m, 100m]);
        sim.State.WillRefuse(Contact(1));
        sim.State.AtCapacity(Contact(2));
        await using (var db = t.NewDb())
        {
            // Two transfers of W3 in the last 90 days: a third is not allowed.
            db.WeComTransferRecords.Add(new WeComTransferRecord(Contact(3), "x", "y", t.S.H.Clock.GetUtcNow().AddDays(-40)));
            db.WeComTransferRecords.Add(new WeComTransferRecord(Contact(3), "y", "x", t.S.H.Clock.GetUtcNow().AddDays(-20)));
            await db.SaveChangesAsync();
        }

        var plan = await t.PlanAsync();
        await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None));
        var report = await t.S.H.RunAsync<ExecuteTransfers, ExecutionReport>(e => e.ExecuteAsync(As(t.Org.Ops), plan.PlanId, CancellationToken.None));
        Assert.Equal((5, 3, 1), (report.Moved, report.WeComRequested, report.WeComSkipped));
        Assert.Equal(WeComTransferState.NotNeeded, (await t.ItemAsync("NOWECOM")).WeComState);
        var w3 = await t.ItemAsync("W3");
        Assert.Equal(WeComTransferState.TooFrequent, w3.WeComState);
        Assert.Contains("90 days", w3.WeComNote, StringComparison.Ordinal);
        Assert.Equal("so_a", (await t.ItemAsync("W0")).WeComTakeoverUserId);

        sim.Clock.Advance(TimeSpan.FromHours(25));
        var reconciled = await t.S.H.RunAsync<ExecuteTransfers, ReconcileReport>(e => e.ReconcileAsync(CancellationToken.None));
        Assert.Equal((1, 1, 1), (reconciled.TakenOver, reconciled.Refused, reconciled.Retried));
        Assert.Equal(WeComTransferState.TakenOver, (await t.ItemAsync("W0")).WeComState);
        var refused = await t.ItemAsync("W1");
        Assert.Equal(WeComTransferState.Refused, refused.WeComState);
        Assert.Equal(TransferItemStatus.Moved, refused.Status);
        var retried = await t.ItemAsync("W2");
        Assert.Equal(WeComTransferState.Requested, retried.WeComState);
        Assert.Equal("so_b", retried.WeComTakeoverUserId);
        await using var check = t.NewDb();
        Assert.Contains(await check.StaffNotifications.Where(n => n.StaffId == t.Org.Ops.Id).ToListAsync(), n => n.Kind == NotificationKind.DutyTask && n.Text.Contains("拒绝", StringComparison.Ordinal));
    }
}

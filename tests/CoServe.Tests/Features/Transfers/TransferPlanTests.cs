using System.Data.Common;
using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Features.Transfers;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Transfers;

public class TransferPlanTests
{
    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Hysteresis_DownAfterTwoMonthsBelow_UpAfterOneMonthAbove_ToThePreviousManager(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        await t.ClientAsync("D2", t.Org.Cm1, [600_000m, 400_000m, 300_000m]);
        await t.ClientAsync("D1", t.Org.Cm1, [600_000m, 600_000m, 300_000m]);
        await t.ClientAsync("EDGE", t.Org.Cm1, [499_999.99m, 499_999.99m, 500_000.00m]);
        await t.ClientAsync("U1", null, [300_000m, 300_000m, 520_000m], keeper: t.Org.Cm2);
        await t.ClientAsync("U0", null, [300_000m, 300_000m, 499_999.99m], keeper: t.Org.Cm2);

        var result = await t.PlanAsync();

        Assert.Equal((1, 1, 0), (result.ToOfficer, result.ToManager, result.Exempted));
        var down = await t.ItemAsync("D2");
        Assert.Equal((TransferDirection.ToOfficer, t.Org.Cm1.Id, (int?)null, TransferItemStatus.Proposed), (down.Direction, down.FromStaffId ?? 0, down.ToStaffId, down.Status));
        Assert.Contains("2 consecutive month", down.Rule, StringComparison.Ordinal);
        Assert.Equal("2026-09:400000.00;2026-10:300000.00", down.MadaHistory);
        var up = await t.ItemAsync("U1");
        Assert.Equal((TransferDirection.ToManager, (int?)null, t.Org.Cm2.Id), (up.Direction, up.FromStaffId, up.ToStaffId!.Value));
        await using var db = t.NewDb();
        Assert.Equal(2, await db.TransferItems.CountAsync());
    }

    [Fact]
    public async Task UpMove_PreviousManagerFull_GoesToTheBranchManagerWithRoom()
    {
        await using var t = await TransferScenario.StartAsync();
        await using (var db = t.NewDb())
        {
            var cm2 = await db.Staff.SingleAsync(s => s.Id == t.Org.Cm2.Id);
            cm2.ClientCapacity = 1;
            await db.SaveChangesAsync();
        }
        await t.ClientAsync("HELD", t.Org.Cm2, [900_000m, 900_000m, 900_000m]);
        await t.ClientAsync("U1", null, [600_000m, 600_000m, 600_000m], keeper: t.Org.Cm2);
        await t.PlanAsync();
        Assert.Equal(t.Org.Cm1.Id, (await t.ItemAsync("U1")).ToStaffId);
    }

    [Fact]
    public async Task EveryExemption_KeepsTheClientAndSaysWhy()
    {
        await using var t = await TransferScenario.StartAsync();
        decimal[] low = [100_000m, 100_000m, 100_000m];
        await t.ClientAsync("DEV", t.Org.Cm1, low, developer: t.Org.Cm1, openedOn: new DateOnly(2026, 3, 1));
        await t.ClientAsync("DEVOLD", t.Org.Cm1, low, developer: t.Org.Cm1, openedOn: new DateOnly(2024, 3, 1));
        await t.ClientAsync("PRO", t.Org.Cm1, low, professional: true);
        await t.ClientAsync("COMPLAINT", t.Org.Cm1, low);
        await t.ClientAsync("AML", t.Org.Cm1, low);
        await t.ClientAsync("ASKED", t.Org.Cm1, low);
        await t.ClientAsync("PINNED", t.Org.Cm1, low);
        await t.ClientAsync("EXPIRED", t.Org.Cm1, low);
        await t.S.SayAsync("COMPLAINT", "我要投诉");
        await t.S.SayAsync("AML", "我帮朋友代持，会不会有洗钱问题");
        await t.S.DrainAsync();
        await t.S.H.RunAsync<TransferPins>(async p =>
        {
            await p.PinAsync(As(t.Org.Head), "ASKED", clientRequest: true, "客户来电要求保留客户经理", null, CancellationToken.None);
            await p.PinAsync(As(t.Org.Head), "PINNED", clientRequest: false, "重要客户，营业部负责人决定", t.S.H.Clock.GetUtcNow().AddDays(30), CancellationToken.None);
            await p.PinAsync(As(t.Org.Head), "EXPIRED", clientRequest: false, "临时保留一天", t.S.H.Clock.GetUtcNow().AddDays(1), CancellationToken.None);
        });
        t.S.H.Clock.Advance(TimeSpan.FromDays(2));

        var result = await t.PlanAsync();

        Assert.Equal(6, result.Exempted);
        async Task Kept(string no, string why)
        {
            var item = await t.ItemAsync(no);
            Assert.Equal(TransferItemStatus.Exempted, item.Status);
            Assert.Contains(why, item.Rule, StringComparison.Ordinal);
        }
        await Kept("DEV", "developed by this manager within 12 months");
        await Kept("PRO", "professional investor");
        await Kept("COMPLAINT", "open complaint");
        await Kept("AML", "open AML review");
        await Kept("ASKED", "asked to keep his manager");
        await Kept("PINNED", "pinned: 重要客户");
        Assert.Equal(TransferItemStatus.Proposed, (await t.ItemAsync("DEVOLD")).Status);
        Assert.Equal(TransferItemStatus.Proposed, (await t.ItemAsync("EXPIRED")).Status);
    }

    [Fact]
    public async Task BadRequests_MonthNotSegmented_SecondOpenPlan_WrongRole()
    {
        await using var t = await TransferScenario.StartAsync();
        await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        var notSegmented = await Assert.ThrowsAsync<TransferStateException>(() =>
            t.S.H.RunAsync<PlanTransfers, PlanResult>(p => p.PlanAsync(As(t.Org.Ops), new CalendarMonth(2026, 11), CancellationToken.None)));
        Assert.Contains("has not been segmented", notSegmented.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => t.PlanAsync(t.Org.Cm1));

        var plan = await t.PlanAsync();
        var second = await Assert.ThrowsAsync<TransferStateException>(() => t.PlanAsync());
        Assert.Contains($"plan #{plan.PlanId}", second.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Head), plan.PlanId, null, null, CancellationToken.None)));
        await t.S.H.RunAsync<ReviewTransfers>(r => r.CancelAsync(As(t.Org.Ops), plan.PlanId, "政策调整后重新生成", CancellationToken.None));
        Assert.Equal(1, (await t.PlanAsync()).ToOfficer);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task PlannersAtTheSameTime_MakeOnePlan_TheStoreRefusesASecondOpenPlanOfTheMonth(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        await t.ClientAsync("D1", t.Org.Cm1, [100m, 100m, 100m]);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                return (await t.PlanAsync()).PlanId;
            }
            catch (TransferStateException e)
            {
                Assert.Contains("already has", e.Message, StringComparison.Ordinal);
                return 0L;
            }
        }));

        var made = Assert.Single(outcomes, id => id != 0);
        await using var db = t.NewDb();
        Assert.Equal(made, (await db.TransferPlans.SingleAsync()).Id);
        Assert.Equal(1, await db.TransferItems.CountAsync());
        // What closes the race on PostgreSQL, where both planners' transactions run at once: the store itself
        // refuses a second plan of the month while one is not cancelled.
        db.TransferPlans.Add(new TransferPlan(TransferScenario.Month.Key, t.Org.Ops.Id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.True(DbErrors.IsUniqueViolation(refused));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task FailureWhileWritingTheItems_LeavesNoPlan_AndTheMonthCanBePlannedAgain(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        await t.ClientAsync("D1", t.Org.Cm1, [100m, 100m, 100m]);
        var refused = await t.ClientAsync("D2", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("D3", t.Org.Cm2, [100m, 100m, 100m]);

        // The store refuses the second client's item, as a crash or a failing write between the plan and its items would.
        var trigger = kind == StoreKind.Sqlite
            ? $"""CREATE TRIGGER refuse_item BEFORE INSERT ON "TransferItems" WHEN NEW."ClientId" = {refused} BEGIN SELECT RAISE(ABORT, 'simulated failure writing a transfer item'); END"""
            : $"""
                   CREATE FUNCTION refuse_item() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN IF NEW."ClientId" = {refused} THEN RAISE EXCEPTION 'simulated failure writing a transfer item'; END IF; RETURN NEW; END $$;
                   CREATE TRIGGER refuse_item BEFORE INSERT ON "TransferItems" FOR EACH ROW EXECUTE FUNCTION refuse_item();
                   """;
        await using (var db = t.NewDb())
        {
            await db.Database.ExecuteSqlRawAsync(trigger);
        }
        var failure = await Assert.ThrowsAnyAsync<DbException>(() => t.PlanAsync());
        Assert.Contains("simulated failure", failure.Message, StringComparison.Ordinal);
        await using (var db = t.NewDb())
        {
            Assert.Equal(0, await db.TransferPlans.CountAsync());
            Assert.Equal(0, await db.TransferItems.CountAsync());
            Assert.Equal(0, await db.TransferDecisions.CountAsync());
            await db.Database.ExecuteSqlRawAsync(kind == StoreKind.Sqlite ? "DROP TRIGGER refuse_item" : "DROP TRIGGER refuse_item ON \"TransferItems\"; DROP FUNCTION refuse_item()");
        }

        var plan = await t.PlanAsync();
        Assert.Equal(3, plan.ToOfficer);
        await using var check = t.NewDb();
        var stored = await check.TransferPlans.SingleAsync();
        Assert.Equal((plan.PlanId, TransferPlanStatus.InReview), (stored.Id, stored.Status));
        Assert.Equal(3, await check.TransferItems.CountAsync(i => i.PlanId == plan.PlanId && i.Status == TransferItemStatus.Proposed));
        Assert.Equal(1, await check.TransferDecisions.CountAsync(d => d.PlanId == plan.PlanId && d.Action == "plan"));
    }

    [Fact]
    public async Task Appeal_OnlyByTheManager_WithinTheWindow_DecidedByTheBranchHead_ApprovalSkipsItUntilDecided()
    {
        await using var t = await TransferScenario.StartAsync();
        await t.ClientAsync("A1", t.Org.Cm1, [100m, 100m, 100m]);
        await t.ClientAsync("A2", t.Org.Cm1, [100m, 100m, 100m]);
        var plan = await t.PlanAsync();
        var a1 = await t.ItemAsync("A1");
        var a2 = await t.ItemAsync("A2");
        Task Appeal(StaffMember who, long id, string reason) => t.S.H.RunAsync<ReviewTransfers>(r => r.AppealAsync(As(who), id, reason, CancellationToken.None));
        Task Decide(StaffMember who, long id, bool grant) => t.S.H.RunAsync<ReviewTransfers>(r => r.DecideAppealAsync(As(who), id, grant, "已核实", CancellationToken.None));

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Appeal(t.Org.Cm2, a1.Id, "不是我的客户"));
        await Assert.ThrowsAsync<ArgumentException>(() => Appeal(t.Org.Cm1, a1.Id, ""));
        await Appeal(t.Org.Cm1, a1.Id, "客户下月将转入大额资金");
        await Appeal(t.Org.Cm1, a2.Id, "客户刚开通两融，需要跟进");
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Decide(t.Org.Cm2, a1.Id, true));

        Assert.Equal(0, await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None)));
        await Decide(t.Org.Head, a1.Id, true);
        await Decide(t.Org.Head, a2.Id, false);
        Assert.Equal(TransferItemStatus.Kept, (await t.ItemAsync("A1")).Status);
        Assert.Equal(1, await t.S.H.RunAsync<ReviewTransfers, int>(r => r.ApproveAsync(As(t.Org.Ops), plan.PlanId, null, null, CancellationToken.None)));
        Assert.Equal(TransferItemStatus.Approved, (await t.ItemAsync("A2")).Status);

        await using var db = t.NewDb();
        Assert.Equal(7, await db.TransferDecisions.CountAsync(d => d.PlanId == plan.PlanId));
    }

    [Fact]
    public async Task AppealAfterTheWindow_IsRefused()
    {
        await using var t = await TransferScenario.StartAsync();
        await t.ClientAsync("A1", t.Org.Cm1, [100m, 100m, 100m]);
        await t.PlanAsync();
        var a1 = await t.ItemAsync("A1");
        t.S.H.Clock.Advance(TimeSpan.FromDays(6));
        var ex = await Assert.ThrowsAsync<TransferStateException>(() => t.S.H.RunAsync<ReviewTransfers>(r => r.AppealAsync(As(t.Org.Cm1), a1.Id, "太晚了吗", CancellationToken.None)));
        Assert.Contains("review window has closed", ex.Message, StringComparison.Ordinal);
    }
}

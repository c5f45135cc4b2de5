using CoServe.Features.Conversations;
using CoServe.Features.Duties;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Handoffs;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Features.Duties.DutyTestKit;

namespace CoServe.Tests.Features.Duties;

public class CallbackAndWorklistTests
{
    [Fact]
    public async Task AnnualSample_IsDeterministic_AtLeastTheRate_AndNewClientsGetTheirCallback()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var today = BusinessTime.Today(s.H.Clock);
        await using (var db = s.NewDb())
        {
            var protector = s.Get<FieldProtector>();
            for (var i = 0; i < 20; i++)
            {
                var c = await TestOrg.AddClientAsync(db, protector, $"A{i:D3}", s.Org.North, s.Org.Cm2, s.H.Clock.GetUtcNow());
                c.OpenedOn = new DateOnly(2025, 3, 1);
            }
            (await db.Clients.SingleAsync(c => c.ClientNo == "C100")).OpenedOn = today.AddDays(-10);
            await db.SaveChangesAsync();
        }
        var first = await s.As<CallbackPlanner, CallbackPlanReport>(p => p.PlanAnnualAsync(2027, null, CancellationToken.None));
        Assert.Equal(new CallbackPlanReport(23, 3, 3), first);
        Assert.Equal(new CallbackPlanReport(23, 3, 0), await s.As<CallbackPlanner, CallbackPlanReport>(p => p.PlanAnnualAsync(2027, null, CancellationToken.None)));
        await Assert.ThrowsAsync<ArgumentException>(() => s.As<CallbackPlanner, CallbackPlanReport>(p => p.PlanAnnualAsync(2027, 0.05m, CancellationToken.None)));
        await using (var db = s.NewDb())
        {
            var expected = await db.Clients.Select(c => c.ClientNo).ToListAsync();
            expected = expected.OrderBy(n => CallbackPlanner.SampleKey(2027, n), StringComparer.Ordinal).Take(3).Order(StringComparer.Ordinal).ToList();
            var sampled = await db.ClientCallbacks.Where(k => k.Kind == CallbackKind.Annual).Join(db.Clients, k => k.ClientId, c => c.Id, (k, c) => c.ClientNo).ToListAsync();
            Assert.Equal(expected, sampled.Order(StringComparer.Ordinal));
        }

        Assert.Equal(1, await s.As<CallbackPlanner, int>(p => p.PlanNewClientsAsync(CancellationToken.None)));
        Assert.Equal(0, await s.As<CallbackPlanner, int>(p => p.PlanNewClientsAsync(CancellationToken.None)));
        var mine = await s.As<CallbackWork, IReadOnlyList<CallbackView>>(w => w.ListAsync(As(s.Org.Cm1), true, CancellationToken.None));
        Assert.Contains(mine, k => k.Kind == CallbackKind.NewClient && k.ClientNo == "C100" && k.DueOn == today.AddDays(-10).AddMonths(1));
        var unreachable = mine.First(k => k.Kind == CallbackKind.NewClient);
        Ok(await s.As<CallbackWork, DutyResult>(w => w.RecordAsync(As(s.Org.Cm1), unreachable.Id, CallbackStatus.Unreachable, null, null, CancellationToken.None)));
        Assert.Equal(DutyStatus.Conflict, (await s.As<CallbackWork, DutyResult>(w => w.RecordAsync(As(s.Org.Cm1), unreachable.Id, CallbackStatus.Done, Satisfaction.Satisfied, null, CancellationToken.None))).Status);
    }

    [Fact]
    public async Task Worklist_ManagerSeesHisDutiesByDeadline_DigitalOpsSeesThePoolsProgress_ComplianceFiltersAndExports()
    {
        await using var s = await CoServiceScenario.StartAsync();
        Ok(await s.As<ComplaintWorkflow, DutyResult>(w => w.RegisterAsync(As(s.Org.Cm1), "P400", "对服务不满意", null, null, CancellationToken.None)));
        Ok(await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Cm1), "C100", "0.025%", null, CancellationToken.None)));
        Ok(await s.As<ComplaintWorkflow, DutyResult>(w => w.RegisterAsync(As(s.Org.Cm3), "S300", "南区客户投诉", null, null, CancellationToken.None)));

        var cm1 = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Cm1), new DutyFilter(), CancellationToken.None));
        Assert.Equal([(DutyKind.Complaint, "P400"), (DutyKind.CommissionRequest, "C100")], cm1.Select(i => (i.Kind, i.ClientNo)));
        Assert.True(cm1[0].DueAt <= cm1[1].DueAt);
        Assert.All(cm1, i => Assert.Equal(SlaState.OnTrack, i.Sla));

        var ops = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Ops), new DutyFilter(), CancellationToken.None));
        Assert.Equal([(DutyKind.Complaint, "P400")], ops.Select(i => (i.Kind, i.ClientNo)));

        var compliance = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Compliance), new DutyFilter(Kind: DutyKind.Complaint, BranchId: s.Org.South.Id), CancellationToken.None));
        Assert.Equal(["S300"], compliance.Select(i => i.ClientNo));
        s.H.Clock.Advance(TimeSpan.FromDays(2));
        var overdue = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Compliance), new DutyFilter(OverdueOnly: true), CancellationToken.None));
        Assert.Equal(2, overdue.Count(i => i.Kind == DutyKind.Complaint));
        var xlsx = await s.As<DutyWorklist, byte[]>(w => w.ExportAsync(As(s.Org.Compliance), new DutyFilter(), CancellationToken.None));
        Assert.True(xlsx.Length > 100);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.As<DutyWorklist, byte[]>(w => w.ExportAsync(As(s.Org.Ops), new DutyFilter(), CancellationToken.None)));
    }

    [Fact]
    public async Task OpenWorklist_OfAManager_FollowsOnlyHisClients_TheWiderRolesFollowEveryChange()
    {
        await using var s = await CoServiceScenario.StartAsync();
        Task<IReadOnlySet<long>?> FollowedAsync(CoServe.Features.Organization.StaffMember m) =>
            s.As<DutyWorklist, IReadOnlySet<long>?>(w => w.FollowedClientIdsAsync(As(m), CancellationToken.None));
        await using var db = s.NewDb();
        var id = await db.Clients.ToDictionaryAsync(c => c.ClientNo, c => c.Id);

        // cm1 serves C100 and keeps P400's duties; S300 is cm3's.
        Assert.Equal(new HashSet<long> { id["C100"], id["P400"] }, (await FollowedAsync(s.Org.Cm1))!.ToHashSet());
        Assert.Equal(new HashSet<long> { id["S300"] }, (await FollowedAsync(s.Org.Cm3))!.ToHashSet());

        // A ticket handed to him for a client he does not serve is his to follow too: the change that gives it to him
        // reloads his open worklist (before the set is reread), and the set read with that reload holds the client.
        var ticket = await s.HandOffAsync("S300", "我要人工");
        var followedBefore = await FollowedAsync(s.Org.Cm1);
        await using (var write = s.NewDb())
        {
            var t = await write.Tickets.SingleAsync(x => x.Id == ticket.Id);
            t.Assign(s.Org.Cm1.Id, s.H.Clock.GetUtcNow());
            await write.SaveChangesAsync();
            Assert.True(DutyWorklist.Concerns(As(s.Org.Cm1), followedBefore, TicketChanged.Of(t)));
            Assert.False(DutyWorklist.Concerns(As(s.Org.Cm2), await FollowedAsync(s.Org.Cm2), TicketChanged.Of(t)));
        }
        Assert.Contains(id["S300"], (await FollowedAsync(s.Org.Cm1))!);

        // A ticket waiting unassigned in his branch's duty queue concerns every manager of the branch, not the south's.
        var waiting = new TicketChanged(id["S300"], ticket.Id + 1, TicketQueue.BranchDuty, s.Org.North.Id, null);
        Assert.True(DutyWorklist.Concerns(As(s.Org.Cm2), await FollowedAsync(s.Org.Cm2), waiting));
        Assert.False(DutyWorklist.Concerns(As(s.Org.Cm3), new HashSet<long>(), waiting));
        // The digital team's tickets and duties of clients he does not follow do not.
        Assert.False(DutyWorklist.Concerns(As(s.Org.Cm2), await FollowedAsync(s.Org.Cm2), waiting with { Queue = TicketQueue.DigitalOps, BranchId = null }));
        Assert.False(DutyWorklist.Concerns(As(s.Org.Cm2), await FollowedAsync(s.Org.Cm2), new DutyChanged(id["S300"])));
        Assert.True(DutyWorklist.Concerns(As(s.Org.Ops), null, new DutyChanged(id["S300"])));

        Assert.Null(await FollowedAsync(s.Org.Ops));
        Assert.Null(await FollowedAsync(s.Org.Admin));
    }

    [Fact]
    public async Task Options_RefuseRetentionBelowThreeYears_AndASampleBelowTenPercent()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c =>
        {
            c["Duties:Complaints:RetentionYears"] = "2";
            c["Duties:Callbacks:AnnualSampleRate"] = "0.05";
        });
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => s.Get<Microsoft.Extensions.Options.IOptions<DutiesOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains("RetentionYears", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("AnnualSampleRate", StringComparison.Ordinal));
    }
}

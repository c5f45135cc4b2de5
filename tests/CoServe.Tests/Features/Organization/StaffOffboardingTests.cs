using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Organization;

public class StaffOffboardingTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>
    /// cm2 is online; cm1 holds C100's request for a human (his own client above the line) and talks to P400 (a client of
    /// the service officer whose duties he keeps) without a handoff.
    /// </summary>
    internal static async Task<CoServiceScenario> Cm1HoldsTwoAsync(StoreKind kind)
    {
        var s = await CoServiceScenario.StartAsync(kind);
        s.Online(s.Org.Cm2);
        await s.SayAsync("C100", "我要人工");
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();
        var p400 = await s.ConversationAsync("P400");
        Assert.Equal(ControlStatus.Done, (await s.ControlAsync(c => c.TakeOverAsync(TestOrg.As(s.Org.Cm1), p400.Id, null, false, Ct))).Status);
        return s;
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task AManagerWhoLeaves_LosesHisAccount_AndNothingHeHeldWaitsForHim(StoreKind kind)
    {
        await using var s = await Cm1HoldsTwoAsync(kind);
        await using (var db = s.NewDb())
        {
            Assert.Equal(s.Org.Cm1.Id, (await db.Tickets.SingleAsync()).AssigneeStaffId);
        }

        var report = await s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync(" CM1 ", null, Ct));

        Assert.Equal(new OffboardingReport("cm1", true, 1, 0, 1, 1, 1), report);
        await using (var db = s.NewDb())
        {
            Assert.False((await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id)).IsActive);
            // His client's handoff is with a manager of the same branch who is online, as a duty without a holder is.
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal((TicketQueue.BranchDuty, (int?)s.Org.Cm2.Id), (ticket.Queue, ticket.AssigneeStaffId));
            var c100 = await s.ConversationAsync("C100");
            Assert.Equal((ConversationState.WaitingForHuman, (int?)s.Org.Cm2.Id, (long?)ticket.Id), (c100.State, c100.ControllerStaffId, c100.OpenTicketId));
            Assert.Single(await db.StaffNotifications.Where(n => n.StaffId == s.Org.Cm2.Id && n.Kind == NotificationKind.HandoffAssigned && n.TicketId == ticket.Id).ToListAsync());
            Assert.Single(await db.TimelineEvents.Where(e => e.TicketId == ticket.Id && e.Kind == TimelineKind.TicketEvent).ToListAsync());
        }
        // The conversation he held without a handoff is back with the service officer, which answers the next message.
        Assert.Equal(ConversationState.AiActive, (await s.ConversationAsync("P400")).State);
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();
        Assert.Equal(ScriptedOfficer.Answer, (await s.TimelineAsync(s.Org.Admin, "P400"))[^1].Text);

        // His sessions stop being valid; a new duty handoff of the client he kept duties for goes to the branch.
        var directory = s.H.Services.GetRequiredService<StaffDirectory>();
        Assert.False(StaffSessionCheck.StillValid(TestOrg.As(s.Org.Cm1), await directory.GetAsync(Ct)));
        Assert.True(StaffSessionCheck.StillValid(TestOrg.As(s.Org.Cm2), await directory.GetAsync(Ct)));
        await s.SayAsync("P400", "我要投诉");
        await s.DrainAsync();
        await using (var db = s.NewDb())
        {
            var complaint = await db.Tickets.OrderByDescending(t => t.Id).FirstAsync();
            Assert.Equal((TicketQueue.BranchDuty, (int?)s.Org.Cm2.Id), (complaint.Queue, complaint.AssigneeStaffId));
        }

        // Again: nothing is left with him; back again, he may sign in.
        Assert.Equal(new OffboardingReport("cm1", false, 0, 0, 0, 1, 1), await s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("cm1", null, Ct)));
        await s.H.RunAsync<StaffOffboarding>(o => o.ActivateAsync("cm1", null, Ct));
        Assert.True(StaffSessionCheck.StillValid(TestOrg.As(s.Org.Cm1), await directory.GetAsync(Ct)));
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("nobody", null, Ct)));
        Assert.Contains("'nobody'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NobodyToTakeIt_TheHandoffWaitsInTheTeamsQueue()
    {
        await using var s = await CoServiceScenario.StartAsync();
        s.Online(s.Org.Ops);
        await s.SayAsync("P400", "我要人工");
        await s.DrainAsync();
        // The staff page warns first: he is the digital team's last active member (as the only advisor and cm3, alone in the
        // south branch, are of theirs; cm1 has cm2 and the head beside him).
        var rows = (await s.H.RunAsync<StaffOffboarding, IReadOnlyList<StaffAccountRow>>(o => o.ListAsync(Ct))).ToDictionary(r => r.Login, r => r.LastOfTeam);
        Assert.Equal((true, true, true, false, false, false), (rows["ops"], rows["adv"], rows["cm3"], rows["cm1"], rows["head"], rows["compliance"]));

        var report = await s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("ops", null, Ct));
        Assert.Equal((1, 0), (report.TicketsToTeamQueue, report.TicketsRerouted));
        await using var db = s.NewDb();
        var ticket = await db.Tickets.SingleAsync();
        Assert.Equal((TicketQueue.DigitalOps, (int?)null), (ticket.Queue, ticket.AssigneeStaffId));
        Assert.Equal((ConversationState.WaitingForHuman, (int?)null), ((await s.ConversationAsync("P400")).State, (await s.ConversationAsync("P400")).ControllerStaffId));
        // Nobody is left in the team: the administrators hear of the waiting handoff, so it does not wait unseen.
        var told = await db.StaffNotifications.Where(n => n.TicketId == ticket.Id && n.Kind == NotificationKind.HandoffInQueue).Select(n => n.StaffId).ToListAsync();
        Assert.Equal([s.Org.Admin.Id], told);
    }

    [Fact]
    public async Task NobodyDeactivatesHimself_NorTheLastAdministrator()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var self = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("cm1", TestOrg.As(s.Org.Cm1), Ct)));
        Assert.Contains("your own account", self.Message, StringComparison.Ordinal);
        var last = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("admin", null, Ct)));
        Assert.Contains("last active administrator", last.Message, StringComparison.Ordinal);
        await using (var db = s.NewDb())
        {
            Assert.True((await db.Staff.SingleAsync(x => x.Login == "admin")).IsActive);
            db.Staff.Add(new StaffMember("admin2", "员工admin2", StaffRole.Admin, null));
            await db.SaveChangesAsync();
        }
        Assert.True((await s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("admin", TestOrg.As(s.Org.Cm1), Ct))).WasActive);

        // The staff page's list: the deactivated administrator last, with what each account holds.
        var rows = await s.H.RunAsync<StaffOffboarding, IReadOnlyList<StaffAccountRow>>(o => o.ListAsync(Ct));
        Assert.Equal("admin", rows[^1].Login);
        Assert.False(rows[^1].IsActive);
        var cm1 = rows.Single(r => r.Login == "cm1");
        Assert.Equal((1, 1, 0), (cm1.ClientsAsPrimary, cm1.ClientsAsCoServicer, cm1.OpenHandoffs));
    }

    [Fact]
    public async Task SignIn_RefusesADeactivatedAccount()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.H.RunAsync<SignIn>(x => x.SetPasswordAsync("cm3", TestOrg.Password, Ct));
        Assert.NotNull(await s.H.RunAsync<SignIn, CurrentStaff?>(x => x.ValidateAsync("cm3", TestOrg.Password, Ct)));
        await s.H.RunAsync<StaffOffboarding, OffboardingReport>(o => o.DeactivateAsync("cm3", null, Ct));
        Assert.Null(await s.H.RunAsync<SignIn, CurrentStaff?>(x => x.ValidateAsync("cm3", TestOrg.Password, Ct)));
    }
}

using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Platform.Auth;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Features.Organization;

public class StaffAdministrationTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static StaffAccountInput Input(string login, StaffRole role, string? branch = null, string? weCom = null, string name = "新员工") =>
        new(login, name, role, branch, weCom);

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task AManagerWhoMovesToTheDigitalTeam_KeepsWhatHeStillServes_AndHandsOnTheRest(StoreKind kind)
    {
        await using var s = await StaffOffboardingTests.Cm1HoldsTwoAsync(kind);
        var before = TestOrg.As(s.Org.Cm1);

        // He joins the digital team: C100 is no client of the service officer, so its handoff goes to a colleague of the branch;
        // P400 is, so he keeps the conversation.
        var report = await s.H.RunAsync<StaffAdministration, StaffChangeReport>(a => a.ChangeAsync("cm1", Input("cm1", StaffRole.DigitalOps, weCom: "wx_cm1", name: "员工cm1"), TestOrg.As(s.Org.Admin), Ct));

        Assert.Equal(new StaffChangeReport("cm1", 1, 0, 0), report);
        await using (var db = s.NewDb())
        {
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal((TicketQueue.BranchDuty, (int?)s.Org.Cm2.Id), (ticket.Queue, ticket.AssigneeStaffId));
            var member = await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id);
            Assert.Equal((StaffRole.DigitalOps, (int?)null, true), (member.Role, member.BranchId, member.IsActive));
        }
        var held = await s.ConversationAsync("P400");
        Assert.Equal((ConversationState.HumanActive, (int?)s.Org.Cm1.Id), (held.State, held.ControllerStaffId));
        Assert.Equal((ConversationState.WaitingForHuman, (int?)s.Org.Cm2.Id), ((await s.ConversationAsync("C100")).State, (await s.ConversationAsync("C100")).ControllerStaffId));
        // His open console signs in again: the session he had carries the old role.
        var directory = s.Get<StaffDirectory>();
        Assert.False(StaffSessionCheck.StillValid(before, await directory.GetAsync(Ct)));

        // Then Compliance, which reads only: the conversation goes back to the service officer.
        var again = await s.H.RunAsync<StaffAdministration, StaffChangeReport>(a => a.ChangeAsync("cm1", Input("cm1", StaffRole.Compliance, name: "员工cm1"), null, Ct));
        Assert.Equal(new StaffChangeReport("cm1", 0, 0, 1), again);
        Assert.Equal((ConversationState.AiActive, (int?)null), ((await s.ConversationAsync("P400")).State, (await s.ConversationAsync("P400")).ControllerStaffId));

        // A new name alone moves nothing.
        Assert.Equal(new StaffChangeReport("cm2", 0, 0, 0),
            await s.H.RunAsync<StaffAdministration, StaffChangeReport>(a => a.ChangeAsync("cm2", Input("cm2", StaffRole.ClientManager, "N01", "wx_cm2", "王经理"), null, Ct)));
        Assert.Equal((ConversationState.WaitingForHuman, (int?)s.Org.Cm2.Id), ((await s.ConversationAsync("C100")).State, (await s.ConversationAsync("C100")).ControllerStaffId));
    }

    [Fact]
    public async Task ANewAccount_SignsInWithItsOneTimePassword_AndBadInputIsNamed()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var admin = TestOrg.As(s.Org.Admin);
        var password = await s.H.RunAsync<StaffAdministration, string>(a => a.CreateAsync(Input(" CM.New ", StaffRole.ClientManager, "S01", "wx_new", "新经理"), admin, Ct));
        Assert.Equal(12, password.Length);
        var signedIn = await s.H.RunAsync<SignIn, CurrentStaff?>(x => x.ValidateAsync("cm.new", password, Ct));
        Assert.Equal(("cm.new", StaffRole.ClientManager, (int?)s.Org.South.Id, "新经理"), (signedIn!.Login, signedIn.Role, signedIn.BranchId, signedIn.DisplayName));

        async Task<string> Refused(StaffAccountInput input) =>
            (await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffAdministration, string>(a => a.CreateAsync(input, admin, Ct)))).Message;
        Assert.Contains("login 'cm.new' is taken", await Refused(Input("cm.new", StaffRole.Advisor)), StringComparison.Ordinal);
        Assert.Contains("2 to 64 lower-case letters", await Refused(Input("张三", StaffRole.Advisor)), StringComparison.Ordinal);
        Assert.Contains("unknown branch 'X99'", await Refused(Input("cm9", StaffRole.ClientManager, "X99")), StringComparison.Ordinal);
        Assert.Contains("a ClientManager belongs to a branch", await Refused(Input("cm9", StaffRole.ClientManager)), StringComparison.Ordinal);
        Assert.Contains("WeCom user id 'wx_cm1' belongs to 'cm1'", await Refused(Input("cm9", StaffRole.Advisor, weCom: "wx_cm1")), StringComparison.Ordinal);
        await using var db = s.NewDb();
        Assert.False(await db.Staff.AnyAsync(x => x.Login == "cm9"));

        // A reset password replaces the old one at once.
        var reset = await s.H.RunAsync<StaffAdministration, string>(a => a.ResetPasswordAsync("cm.new", admin, Ct));
        Assert.Null(await s.H.RunAsync<SignIn, CurrentStaff?>(x => x.ValidateAsync("cm.new", password, Ct)));
        Assert.NotNull(await s.H.RunAsync<SignIn, CurrentStaff?>(x => x.ValidateAsync("cm.new", reset, Ct)));
    }

    [Fact]
    public async Task NobodyChangesHisOwnRole_NorDemotesTheLastAdministrator()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var self = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffAdministration, StaffChangeReport>(a =>
            a.ChangeAsync("cm1", Input("cm1", StaffRole.Advisor, "N01"), TestOrg.As(s.Org.Cm1), Ct)));
        Assert.Contains("your own role or branch", self.Message, StringComparison.Ordinal);
        var last = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<StaffAdministration, StaffChangeReport>(a =>
            a.ChangeAsync("admin", Input("admin", StaffRole.Compliance), null, Ct)));
        Assert.Contains("last active administrator", last.Message, StringComparison.Ordinal);
        // His own name he may change.
        await s.H.RunAsync<StaffAdministration, StaffChangeReport>(a => a.ChangeAsync("admin", Input("admin", StaffRole.Admin, weCom: "wx_admin", name: "系统管理员"), TestOrg.As(s.Org.Admin), Ct));
        await using var db = s.NewDb();
        Assert.Equal(("系统管理员", StaffRole.Admin), await db.Staff.Where(x => x.Login == "admin").Select(x => ValueTuple.Create(x.DisplayName, x.Role)).SingleAsync());
    }
}

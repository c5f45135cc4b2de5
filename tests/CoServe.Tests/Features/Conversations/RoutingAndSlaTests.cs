using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Conversations;

public class RoutingAndSlaTests
{
    /// <summary>Two more clients of the service officer, whom the digital team serves: P401 (north, cm2 keeps the duties) and P402 (south, cm3).</summary>
    private static async Task AddPoolClientsAsync(CoServiceScenario s)
    {
        await using var db = s.NewDb();
        var protector = s.H.Services.GetRequiredService<FieldProtector>();
        await TestOrg.AddClientAsync(db, protector, "P401", s.Org.North, null, s.H.Clock.GetUtcNow(), "孙八", "13800000401", coServicers: (s.Org.Cm2, DutyScopes.KeptByManager));
        await TestOrg.AddClientAsync(db, protector, "P402", s.Org.South, null, s.H.Clock.GetUtcNow(), "周九", "13800000402", coServicers: (s.Org.Cm3, DutyScopes.KeptByManager));
    }

    private static async Task<Ticket> HandOffAsync(CoServiceScenario s, string clientNo, string text)
    {
        await s.SayAsync(clientNo, text);
        await s.DrainAsync();
        await using var db = s.NewDb();
        return await db.Tickets.OrderByDescending(t => t.Id).FirstAsync();
    }

    [Fact]
    public async Task AdviceRequest_GoesToAnOnlineAdvisor_OthersToTheLeastLoadedDigitalOps()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await AddPoolClientsAsync(s);
        await using (var db = s.NewDb())
        {
            db.Staff.Add(new StaffMember("ops2", "员工ops2", StaffRole.DigitalOps, null));
            await db.SaveChangesAsync();
        }
        var ops2 = await s.NewDb().Staff.SingleAsync(x => x.Login == "ops2");
        s.Online(s.Org.Advisor, s.Org.Ops, ops2);

        var advice = await HandOffAsync(s, "P400", "茅台该不该买");
        Assert.Equal((TicketQueue.Advisors, s.Org.Advisor.Id), (advice.Queue, advice.AssigneeStaffId));

        var first = await HandOffAsync(s, "P401", "我要人工");
        var second = await HandOffAsync(s, "P402", "我要人工");
        Assert.Equal(TicketQueue.DigitalOps, first.Queue);
        Assert.NotEqual(first.AssigneeStaffId, second.AssigneeStaffId);
    }

    [Fact]
    public async Task ServiceHandoff_OfAClientAboveTheLine_GoesToHisOwnManager_NotToTheDigitalTeamWhoCannotSeeHim()
    {
        // C100 and S300 keep their managers (primary servicers with the service duty); the digital team serves only
        // the service officer's clients, so a "human please" of theirs in its queue would be listed for nobody who may open it.
        await using var s = await CoServiceScenario.StartAsync();
        s.Online(s.Org.Ops);
        async Task<IReadOnlyList<InboxItem>> InboxAsync(StaffMember staff, InboxView view) =>
            await s.H.RunAsync<ConversationQueries, IReadOnlyList<InboxItem>>(q => q.InboxAsync(TestOrg.As(staff), view, null, null, CancellationToken.None));

        var north = await HandOffAsync(s, "C100", "我要人工");
        Assert.Equal((TicketQueue.DutyOwner, (int?)s.Org.Cm1.Id), (north.Queue, north.AssigneeStaffId));
        Assert.Equal(north.Id, Assert.Single(await InboxAsync(s.Org.Cm1, InboxView.Mine)).TicketId);
        Assert.Empty(await InboxAsync(s.Org.Ops, InboxView.All));
        var south = await HandOffAsync(s, "S300", "麻烦转人工");
        Assert.Equal((TicketQueue.DutyOwner, (int?)s.Org.Cm3.Id), (south.Queue, south.AssigneeStaffId));

        // His manager has left: the branch's managers, as for a duty without a holder.
        await using (var db = s.NewDb())
        {
            (await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id)).Deactivate();
            await db.SaveChangesAsync();
        }
        await s.ControlAsync(c => c.CloseAsync(TestOrg.As(s.Org.Admin), north.ConversationId!.Value, "done", 0, CancellationToken.None));
        var again = await HandOffAsync(s, "C100", "我要人工");
        Assert.Equal((TicketQueue.BranchDuty, s.Org.North.Id), (again.Queue, again.BranchId));
        Assert.Contains(await InboxAsync(s.Org.Cm2, InboxView.Team), i => i.TicketId == again.Id);

        // The service officer's own clients still go to the digital team.
        var pool = await HandOffAsync(s, "P400", "我要人工");
        Assert.Equal((TicketQueue.DigitalOps, (int?)s.Org.Ops.Id), (pool.Queue, pool.AssigneeStaffId));
    }

    [Fact]
    public async Task WaitingTicket_RoutedAgainWhenItsDutyHolderIsBack_MovesToHisQueue()
    {
        // C100's manager is away (deactivated) when the client asks for a person and nobody in the branch is online:
        // the ticket waits in the branch queue. Back, he gets it, and it is his queue's, not the branch's, from then on.
        await using var s = await CoServiceScenario.StartAsync();
        await using (var db = s.NewDb())
        {
            (await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id)).Deactivate();
            await db.SaveChangesAsync();
        }
        var waiting = await HandOffAsync(s, "C100", "我要人工");
        Assert.Equal((TicketQueue.BranchDuty, (int?)null), (waiting.Queue, waiting.AssigneeStaffId));

        await using (var db = s.NewDb())
        {
            (await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id)).Activate();
            await db.SaveChangesAsync();
        }
        Assert.Equal(1, (await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None))).Assigned);
        await using var read = s.NewDb();
        var ticket = await read.Tickets.SingleAsync();
        Assert.Equal((TicketQueue.DutyOwner, (int?)s.Org.Cm1.Id), (ticket.Queue, ticket.AssigneeStaffId));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task HandoffsOfOneOfficerBatch_AreSpreadOverThePool_EachWithItsOwnTicket(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await AddPoolClientsAsync(s);
        await using (var db = s.NewDb())
        {
            db.Staff.Add(new StaffMember("ops2", "员工ops2", StaffRole.DigitalOps, null));
            await db.SaveChangesAsync();
        }
        var ops2 = await s.NewDb().Staff.SingleAsync(x => x.Login == "ops2");
        s.Online(s.Org.Ops, ops2);
        string[] clients = ["P400", "P401", "P402"];
        foreach (var c in clients) await s.SayAsync(c, "我要人工");

        Assert.Equal(3, await s.DrainAsync()); // one batch: three conversations
        Assert.Equal(0, s.OfficerLog.Warnings);
        await using var read = s.NewDb();
        var tickets = await read.Tickets.AsNoTracking().OrderBy(t => t.Id).ToListAsync();
        Assert.Equal(3, tickets.Count);
        // The open tickets are counted at each decision, also those of the same transaction: the first two go to different people.
        Assert.NotEqual(tickets[0].AssigneeStaffId, tickets[1].AssigneeStaffId);
        Assert.Equal([1, 2], tickets.GroupBy(t => t.AssigneeStaffId).Select(g => g.Count()).Order());
        Assert.All(tickets, t => Assert.Contains(t.AssigneeStaffId, new int?[] { s.Org.Ops.Id, ops2.Id }));
        foreach (var c in clients)
        {
            var conversation = await s.ConversationAsync(c);
            var ticket = Assert.Single(tickets, t => t.ConversationId == conversation.Id);
            Assert.Equal((ConversationState.WaitingForHuman, ticket.Id, ticket.AssigneeStaffId), (conversation.State, conversation.OpenTicketId, conversation.ControllerStaffId));
            var holding = await read.TimelineEvents.AsNoTracking().SingleAsync(e => e.ConversationId == conversation.Id && e.Kind == TimelineKind.OfficerMessage);
            Assert.Equal(ticket.Id, holding.TicketId);
            Assert.Equal($"ticket-{ticket.Id}", (await read.TimelineEvents.AsNoTracking().SingleAsync(e => e.ConversationId == conversation.Id && e.Kind == TimelineKind.Handoff)).CorrelationId);
            Assert.Single(await read.StaffNotifications.Where(n => n.TicketId == ticket.Id && n.StaffId == ticket.AssigneeStaffId && n.Kind == NotificationKind.HandoffAssigned).ToListAsync());
        }
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OneOfficerBatch_CountsItsOwnTicketsAgainstTheLimit_TheRestWaitInTheTeamQueue(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Handoffs:MaxOpenPerStaff"] = "1");
        await AddPoolClientsAsync(s);
        s.Online(s.Org.Ops);
        foreach (var c in new[] { "P400", "P401", "P402" }) await s.SayAsync(c, "我要人工");

        Assert.Equal(3, await s.DrainAsync());
        Assert.Equal(0, s.OfficerLog.Warnings);
        await using var read = s.NewDb();
        var tickets = await read.Tickets.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.AssigneeStaffId }).ToListAsync();
        // One person online with room for one ticket: the batch's first handoff is hers, the two after it wait for the team.
        Assert.Equal(new int?[] { s.Org.Ops.Id, null, null }, tickets.Select(t => t.AssigneeStaffId));
        var queued = await read.StaffNotifications.Where(n => n.StaffId == s.Org.Ops.Id && n.Kind == NotificationKind.HandoffInQueue).Select(n => n.TicketId).ToListAsync();
        Assert.Equal(tickets.Skip(1).Select(t => (long?)t.Id), queued.Order());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task NobodyOnline_EveryTicketOfOneOfficerBatch_IsAnnouncedToTheTeam(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await AddPoolClientsAsync(s);
        foreach (var c in new[] { "P400", "P401", "P402" }) await s.SayAsync(c, "我要人工");

        Assert.Equal(3, await s.DrainAsync());
        await using var read = s.NewDb();
        var tickets = await read.Tickets.AsNoTracking().Select(t => new { t.Id, t.AssigneeStaffId }).ToListAsync();
        Assert.Equal(3, tickets.Count);
        Assert.All(tickets, t => Assert.Null(t.AssigneeStaffId));
        var announced = await read.StaffNotifications.Where(n => n.StaffId == s.Org.Ops.Id && n.Kind == NotificationKind.HandoffInQueue).Select(n => n.TicketId).ToListAsync();
        Assert.Equal(tickets.Select(t => (long?)t.Id).Order(), announced.Order());
    }

    [Fact]
    public async Task NobodyOnline_TicketWaitsInTheTeamQueue_AndIsAssignedWhenSomeoneComesOnline()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var ticket = await HandOffAsync(s, "P400", "我要人工");
        Assert.Null(ticket.AssigneeStaffId);
        await using (var db = s.NewDb())
        {
            Assert.Single(await db.StaffNotifications.Where(n => n.StaffId == s.Org.Ops.Id && n.Kind == NotificationKind.HandoffInQueue).ToListAsync());
        }
        var team = await s.H.RunAsync<ConversationQueries, IReadOnlyList<InboxItem>>(q => q.InboxAsync(TestOrg.As(s.Org.Ops), InboxView.Team, null, null, CancellationToken.None));
        Assert.Single(team);

        s.Online(s.Org.Ops);
        var run = await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None));
        Assert.Equal(1, run.Assigned);
        var mine = await s.H.RunAsync<ConversationQueries, IReadOnlyList<InboxItem>>(q => q.InboxAsync(TestOrg.As(s.Org.Ops), InboxView.Mine, null, null, CancellationToken.None));
        Assert.Equal(ticket.Id, Assert.Single(mine).TicketId);
        Assert.Equal(s.Org.Ops.Id, (await s.ConversationAsync("P400")).ControllerStaffId);
    }

    [Fact]
    public async Task SlaRun_PushesOnlyTheTicketsItChanged()
    {
        // Open consoles reload on every pushed ticket: a run that changes nothing must push nothing.
        await using var s = await CoServiceScenario.StartAsync();
        await AddPoolClientsAsync(s);
        var first = await HandOffAsync(s, "P400", "我要人工");
        var second = await HandOffAsync(s, "P401", "我要人工");
        var pushed = new List<long>();
        using var subscription = s.H.Services.GetRequiredService<LiveEvents>().Subscribe(e =>
        {
            if (e is TicketChanged t) lock (pushed) pushed.Add(t.TicketId);
        });
        async Task<SlaRunReport> RunAsync() => await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None));

        Assert.Equal(new SlaRunReport(0, 0, 0, 0), await RunAsync());
        Assert.Empty(pushed);

        s.Online(s.Org.Ops);
        Assert.Equal(2, (await RunAsync()).Assigned);
        Assert.Equal([first.Id, second.Id], pushed.Order());
        Assert.Equal(new SlaRunReport(0, 0, 0, 0), await RunAsync());
        Assert.Equal(2, pushed.Count);
    }

    [Fact]
    public async Task AHandoff_PushesItsNewTicket_AndAnAnswerPushesNoTicket()
    {
        // The queues reload on ticket changes (not on every message of the firm): a new handoff must be one.
        await using var s = await CoServiceScenario.StartAsync();
        var pushed = new List<(long Client, long Ticket)>();
        using var subscription = s.H.Services.GetRequiredService<LiveEvents>().Subscribe(e =>
        {
            if (e is TicketChanged t) lock (pushed) pushed.Add((t.ClientId, t.TicketId));
        });

        var ticket = await HandOffAsync(s, "P400", "我要人工");
        Assert.Equal([(ticket.ClientId, ticket.Id)], pushed);

        // While the ticket waits, the client's next message changes no ticket.
        await s.SayAsync("P400", "还在吗");
        await s.DrainAsync();
        Assert.Single(pushed);
    }

    [Fact]
    public async Task PushedTicket_SaysWhereItNowStands_SoAnInboxReloadsOnlyForTicketsItMayList()
    {
        // An open inbox reloads on a ticket change only if the ticket is listed or may now belong in its view: a
        // handoff for the digital team must not reload every manager's "Mine". The test on the event must never
        // miss a ticket the view's query lists.
        await using var s = await CoServiceScenario.StartAsync();
        await AddPoolClientsAsync(s);
        var pushed = new List<TicketChanged>();
        using var subscription = s.H.Services.GetRequiredService<LiveEvents>().Subscribe(e =>
        {
            if (e is TicketChanged t) lock (pushed) pushed.Add(t);
        });
        StaffMember[] everyone = [s.Org.Cm1, s.Org.Cm2, s.Org.Cm3, s.Org.Head, s.Org.Advisor, s.Org.Ops, s.Org.Compliance, s.Org.Admin];
        async Task<HashSet<(int, InboxView)>> ListedByAsync(long ticketId)
        {
            var listed = new HashSet<(int, InboxView)>();
            foreach (var staff in everyone)
            {
                foreach (var view in Enum.GetValues<InboxView>())
                {
                    var items = await s.H.RunAsync<ConversationQueries, IReadOnlyList<InboxItem>>(q => q.InboxAsync(TestOrg.As(staff), view, null, null, CancellationToken.None));
                    if (items.Any(i => i.TicketId == ticketId)) listed.Add((staff.Id, view));
                }
            }
            return listed;
        }
        async Task AssertNoListingMissedAsync(TicketChanged change)
        {
            foreach (var (staffId, view) in await ListedByAsync(change.TicketId))
            {
                Assert.True(ConversationQueries.MayList(TestOrg.As(everyone.Single(x => x.Id == staffId)), view, change), $"staff {staffId}, {view}");
            }
        }

        // Nobody online: the digital team's queue, unassigned.
        var waiting = await HandOffAsync(s, "P401", "我要人工");
        var opened = Assert.Single(pushed);
        Assert.Equal(new TicketChanged(waiting.ClientId, waiting.Id, TicketQueue.DigitalOps, waiting.BranchId, null), opened);
        await AssertNoListingMissedAsync(opened);
        Assert.True(ConversationQueries.MayList(TestOrg.As(s.Org.Ops), InboxView.Team, opened));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Ops), InboxView.Mine, opened));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Cm1), InboxView.Team, opened));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Advisor), InboxView.Team, opened));

        // The digital team takes it: now it is someone's, and no longer any team's.
        var conversation = await s.ConversationAsync("P401");
        Assert.Equal(ControlStatus.Done, (await s.ControlAsync(c => c.TakeOverAsync(TestOrg.As(s.Org.Ops), conversation.Id, null, false, CancellationToken.None))).Status);
        var taken = pushed[^1];
        Assert.Equal((waiting.Id, (int?)s.Org.Ops.Id), (taken.TicketId, taken.AssigneeStaffId));
        await AssertNoListingMissedAsync(taken);
        Assert.True(ConversationQueries.MayList(TestOrg.As(s.Org.Ops), InboxView.Mine, taken));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Ops), InboxView.Team, taken));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Cm1), InboxView.Mine, taken));

        // A commission request of a client whose manager holds no duty: the north branch's managers, not the south's.
        await using (var db = s.NewDb())
        {
            var c = await db.Clients.Include(x => x.Servicers).SingleAsync(x => x.ClientNo == "P400");
            c.SetCoServicer(s.Org.Cm1.Id, CoServe.Features.Clients.DutyScope.Aml, s.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        var duty = await HandOffAsync(s, "P400", "佣金能不能低一点");
        var branch = pushed[^1];
        Assert.Equal((duty.Id, TicketQueue.BranchDuty, (int?)null), (branch.TicketId, branch.Queue, branch.AssigneeStaffId));
        await AssertNoListingMissedAsync(branch);
        Assert.True(ConversationQueries.MayList(TestOrg.As(s.Org.Cm2), InboxView.Team, branch));
        Assert.True(ConversationQueries.MayList(TestOrg.As(s.Org.Head), InboxView.Team, branch));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Cm3), InboxView.Team, branch));
        Assert.False(ConversationQueries.MayList(TestOrg.As(s.Org.Ops), InboxView.Team, branch));
    }

    [Fact]
    public async Task DutyReasonWithoutDutyHolder_GoesToTheBranchManagers()
    {
        await using var s = await CoServiceScenario.StartAsync();
        s.Online(s.Org.Cm2);
        // S300's primary (cm3) holds the duties; a client with nobody holding commission goes to the branch.
        await using (var db = s.NewDb())
        {
            var c = await db.Clients.Include(x => x.Servicers).SingleAsync(x => x.ClientNo == "P400");
            c.SetCoServicer(s.Org.Cm1.Id, CoServe.Features.Clients.DutyScope.Aml, s.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        var ticket = await HandOffAsync(s, "P400", "佣金能不能低一点");
        Assert.Equal((TicketQueue.BranchDuty, s.Org.Cm2.Id), (ticket.Queue, ticket.AssigneeStaffId));
    }

    [Fact]
    public async Task Sla_RemindsBeforeBreach_EscalatesToBranchHeadThenAdmin_OnAFakeClock()
    {
        // 10:00 Shanghai on a working day; complaint SLA 15 working minutes, reminder at 80%, escalation every 30.
        await using var s = await CoServiceScenario.StartAsync();
        var ticket = await HandOffAsync(s, "P400", "我要投诉");
        async Task<SlaRunReport> RunAsync() => await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None));

        s.H.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(new SlaRunReport(0, 0, 0, 0), await RunAsync());
        s.H.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await RunAsync()).Reminded);
        Assert.Equal(0, (await RunAsync()).Reminded);

        s.H.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, (await RunAsync()).Escalated);
        Assert.Equal(0, (await RunAsync()).Escalated);
        s.H.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, (await RunAsync()).Escalated);

        await using var db = s.NewDb();
        var notes = await db.StaffNotifications.Where(n => n.TicketId == ticket.Id).ToListAsync();
        Assert.Contains(notes, n => n.StaffId == s.Org.Cm1.Id && n.Kind == NotificationKind.SlaReminder);
        Assert.Contains(notes, n => n.StaffId == s.Org.Head.Id && n.Kind == NotificationKind.SlaEscalation);
        Assert.Contains(notes, n => n.StaffId == s.Org.Admin.Id && n.Kind == NotificationKind.SlaEscalation);
        Assert.Equal(2, (await db.Tickets.SingleAsync()).EscalationLevel);
        var inbox = await s.H.RunAsync<ConversationQueries, IReadOnlyList<InboxItem>>(q => q.InboxAsync(TestOrg.As(s.Org.Cm1), InboxView.Mine, null, SlaState.Breached, CancellationToken.None));
        Assert.Single(inbox);
        Assert.Contains(await s.TimelineAsync(s.Org.Cm1, "P400"), e => e.Kind == TimelineKind.TicketEvent && e.Details.GetValueOrDefault("sla") == "breached");
    }

    [Fact]
    public async Task Sla_DeadlinesCountOnlyServiceHours()
    {
        // Handed off at 21:25 Shanghai: 5 minutes left today, the rest from 08:30 tomorrow.
        var evening = new DateTimeOffset(2026, 11, 25, 13, 25, 0, TimeSpan.Zero);
        await using var s = await CoServiceScenario.StartAsync(now: evening);
        var ticket = await HandOffAsync(s, "P400", "我要投诉");
        Assert.Equal(BusinessTime.ToInstant(new DateOnly(2026, 11, 26), new TimeOnly(8, 40)), ticket.FirstResponseDueAt);
    }

    [Fact]
    public async Task AssigneeGoesOffline_WaitingTicketMovesToSomeoneOnline()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c => c["Handoffs:OfflineGraceSeconds"] = "60");
        await using (var db = s.NewDb())
        {
            db.Staff.Add(new StaffMember("ops2", "员工ops2", StaffRole.DigitalOps, null));
            await db.SaveChangesAsync();
        }
        var ops2 = await s.NewDb().Staff.SingleAsync(x => x.Login == "ops2");
        var presence = s.Get<StaffPresence>();
        s.Online(s.Org.Ops);
        var ticket = await HandOffAsync(s, "P400", "我要人工");
        Assert.Equal(s.Org.Ops.Id, ticket.AssigneeStaffId);

        presence.Disconnected(s.Org.Ops.Id);
        s.Online(ops2);
        s.H.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None))).Rerouted);
        s.H.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, (await s.H.RunAsync<HandoffSla, SlaRunReport>(x => x.RunAsync(CancellationToken.None))).Rerouted);
        await using var check = s.NewDb();
        Assert.Equal(ops2.Id, (await check.Tickets.SingleAsync()).AssigneeStaffId);
        Assert.Equal(ops2.Id, (await s.ConversationAsync("P400")).ControllerStaffId);
    }
}

public class WorkingHoursTests
{
    private static readonly WorkingHours OfficeHours = new(new TimeOnly(9, 0), new TimeOnly(17, 30),
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
        holidays: [new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 2)],
        extraWorkdays: [new DateOnly(2026, 9, 27)]);

    private static DateTimeOffset At(int month, int day, int hour, int minute) => BusinessTime.ToInstant(new DateOnly(2026, month, day), new TimeOnly(hour, minute));

    [Fact]
    public void Add_SkipsNightsWeekendsAndHolidays_CountsMakeUpWorkdays()
    {
        Assert.Equal(At(11, 27, 9, 30), OfficeHours.Add(At(11, 26, 17, 0), TimeSpan.FromHours(1)));   // Thu 17:00 + 1h -> Fri 09:30
        Assert.Equal(At(11, 30, 9, 30), OfficeHours.Add(At(11, 27, 17, 0), TimeSpan.FromHours(1)));   // Fri -> Mon
        Assert.Equal(At(10, 5, 10, 0), OfficeHours.Add(At(9, 30, 17, 30), TimeSpan.FromHours(1)));    // Wed evening, Oct 1-2 holidays, weekend -> Mon
        Assert.Equal(At(9, 27, 10, 0), OfficeHours.Add(At(9, 26, 12, 0), TimeSpan.FromHours(1)));     // Saturday 09-26 off, Sunday 09-27 make-up day
        Assert.Equal(At(11, 26, 9, 0), OfficeHours.Add(At(11, 26, 3, 0), TimeSpan.Zero));
    }

    [Fact]
    public void Between_CountsOnlyWorkingTime()
    {
        Assert.Equal(TimeSpan.FromHours(1), OfficeHours.Between(At(11, 26, 17, 0), At(11, 27, 9, 30)));
        Assert.Equal(TimeSpan.Zero, OfficeHours.Between(At(11, 28, 10, 0), At(11, 28, 12, 0)));
    }
}

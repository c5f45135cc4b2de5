using System.Net;
using System.Text.Json;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Reports;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Reports;

/// <summary>The service dashboard counts what really happened (through the real inbound and officer path), by Shanghai day and within scope.</summary>
public class ServiceDashboardTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static Task<ServiceDashboardView> LoadAsync(CoServiceScenario s, StaffMember staff, int? days = 2) =>
        s.H.RunAsync<ServiceDashboard, ServiceDashboardView>(d => d.LoadAsync(As(staff), days, Ct));

    /// <summary>
    /// 2026-11-25 (Shanghai): P400 (the service officer's client, cm1 keeps the complaint duty) gets an answer,
    /// complains, and asks again while waiting (not the AI's: no work for it); C100 asks for a human; S300 (south, cm3)
    /// gets an answer. cm1 takes over P400 after 30 minutes and answers. 2026-11-26: S300 asks for a human.
    /// </summary>
    private static async Task<CoServiceScenario> TwoDaysAsync(StoreKind kind)
    {
        var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.SayAsync("C100", "我要人工");
        await s.SayAsync("S300", ScriptedOfficer.Question);
        await s.DrainAsync();
        await s.SayAsync("P400", "我要投诉你们的服务");
        await s.DrainAsync();
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();

        s.H.Clock.Advance(TimeSpan.FromMinutes(30));
        var p400 = await s.ConversationAsync("P400");
        Assert.True((await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Cm1), p400.Id, null, false, Ct))).Ok);
        Assert.True((await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), p400.Id, "您好，我是您的客户经理，马上为您处理。", false, Ct))).Ok);

        s.H.Clock.Advance(TimeSpan.FromDays(1));
        await s.SayAsync("S300", "我要人工");
        await s.DrainAsync();
        return s;
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task CountsEachDaysOutcomesTicketsAndFirstResponses(StoreKind kind)
    {
        await using var s = await TwoDaysAsync(kind);
        var view = await LoadAsync(s, s.Org.Admin);

        Assert.Equal((new DateOnly(2026, 11, 25), new DateOnly(2026, 11, 26)), (view.From, view.To));
        var (first, second) = (view.Days[0], view.Days[1]);
        Assert.Equal(new DateOnly(2026, 11, 25), first.Day);
        Assert.Equal((2, 0, 2), (first.Answered, first.Clarified, first.HandedOff));
        Assert.Equal((2, 1), (first.TicketsOpened, first.Responded));
        Assert.Equal(TimeSpan.FromMinutes(30), first.MedianFirstResponse);
        Assert.Equal((0, 1, 1, 0), (second.Answered, second.HandedOff, second.TicketsOpened, second.Responded));
        Assert.Null(second.MedianFirstResponse);
        Assert.Same(second, view.Today);

        // On time or not is the ticket's own deadline (the reason's SLA in business hours), whatever it is configured to.
        await using (var db = s.NewDb())
        {
            var complaint = await db.Tickets.SingleAsync(t => t.Reason == HandoffReason.Complaint);
            Assert.Equal(complaint.FirstRespondedAt <= complaint.FirstResponseDueAt ? 1 : 0, first.RespondedInTime);
            Assert.Equal(view.RespondedInTime, first.RespondedInTime);
        }
        Assert.Equal((1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)), (view.Responded, view.MedianFirstResponse, view.P90FirstResponse));

        Assert.Equal([new ReasonCount(HandoffReason.HumanRequested, 2), new ReasonCount(HandoffReason.Complaint, 1)], view.HandoffsByReason);
        var open = view.Open.ToDictionary(o => o.Reason);
        Assert.Equal((1, 1, 0), (open[HandoffReason.Complaint].Open, open[HandoffReason.Complaint].Responded, open[HandoffReason.Complaint].Breached));
        Assert.Equal(2, open[HandoffReason.HumanRequested].Open);
        Assert.Equal(2, open[HandoffReason.HumanRequested].OnTrack + open[HandoffReason.HumanRequested].DueSoon + open[HandoffReason.HumanRequested].Breached);
        Assert.Equal(0, view.GuardrailBlocks);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task EveryoneSeesOnlyTheirScope(StoreKind kind)
    {
        await using var s = await TwoDaysAsync(kind);

        // cm3 serves S300 only: one answer on the first day, one handoff on the second; no guardrail figures.
        var cm3 = await LoadAsync(s, s.Org.Cm3);
        Assert.Equal((1, 0, 0), (cm3.Days[0].Answered, cm3.Days[0].HandedOff, cm3.Days[0].TicketsOpened));
        Assert.Equal((1, 1), (cm3.Days[1].HandedOff, cm3.Days[1].TicketsOpened));
        Assert.Equal([HandoffReason.HumanRequested], cm3.Open.Select(o => o.Reason));
        Assert.Null(cm3.GuardrailBlocks);

        // The digital team sees the service officer's clients: P400 only.
        var ops = await LoadAsync(s, s.Org.Ops);
        Assert.Equal((1, 1), (ops.Days[0].Answered, ops.Days[0].HandedOff));
        Assert.Equal(0, ops.Days[1].Decided);
        Assert.Equal([new ReasonCount(HandoffReason.Complaint, 1)], ops.HandoffsByReason);
        Assert.NotNull(ops.GuardrailBlocks);

        // The north branch's head: P400 and C100, not S300.
        var head = await LoadAsync(s, s.Org.Head);
        Assert.Equal((1, 2), (head.Days[0].Answered, head.Days[0].HandedOff));
        Assert.Equal(0, head.Days[1].TicketsOpened);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ScopeIdsAndFiltersForAggregates_AreExactlyTheClientsVisibleTo_ForEveryRole(StoreKind kind)
    {
        await using var s = await TwoDaysAsync(kind);
        // A ticket waiting unassigned in the advisors' pool widens the advisor's scope beyond his book.
        var c100 = await s.ConversationAsync("C100");
        var advisorIds = new[] { s.Org.Advisor.Id };
        await using (var db = s.H.NewDb())
        {
            var ticket = await db.Tickets.FirstAsync(t => t.ClientId == c100.ClientId);
            await db.Tickets.Where(t => t.Id == ticket.Id).ExecuteUpdateAsync(u => u.SetProperty(t => t.Queue, CoServe.Features.Handoffs.TicketQueue.Advisors).SetProperty(t => t.AssigneeStaffId, (int?)null), Ct);
        }
        await using var check = s.H.NewDb();
        var everyone = await check.Clients.Select(c => c.Id).OrderBy(id => id).ToListAsync(Ct);
        foreach (var staff in new[] { s.Org.Cm1, s.Org.Cm2, s.Org.Cm3, s.Org.Head, s.Org.Advisor, s.Org.Ops, s.Org.Compliance, s.Org.Admin })
        {
            var viewer = As(staff);
            var visible = await check.Clients.VisibleTo(viewer).Select(c => c.Id).OrderBy(id => id).ToListAsync(Ct);
            var ids = check.VisibleClientIds(viewer) is { } q ? await q.Distinct().OrderBy(id => id).ToListAsync(Ct) : everyone;
            Assert.True(visible.SequenceEqual(ids), $"{staff.Login}: VisibleTo gives [{string.Join(",", visible)}], VisibleClientIds [{string.Join(",", ids)}]");
            var filtered = await check.Clients.Select(c => c.Id).WhereClient(id => id, check.ClientIdFilter(viewer)).OrderBy(id => id).ToListAsync(Ct);
            Assert.True(visible.SequenceEqual(filtered), $"{staff.Login}: VisibleTo gives [{string.Join(",", visible)}], ClientIdFilter [{string.Join(",", filtered)}]");
        }
        Assert.Contains(c100.ClientId, await check.VisibleClientIds(As(s.Org.Advisor))!.ToListAsync(Ct));
        Assert.DoesNotContain(c100.ClientId, await check.ClientServicers.Where(x => advisorIds.Contains(x.StaffId!.Value)).Select(x => x.ClientId).ToListAsync(Ct));
    }

    [Fact]
    public async Task ThePeriodIsTheConfiguredDefault_AndOutOfRangeIsRefused()
    {
        await using var s = await TwoDaysAsync(StoreKind.Sqlite);
        var configured = s.H.Services.GetRequiredService<IOptions<ReportsOptions>>().Value;
        var view = await LoadAsync(s, s.Org.Admin, days: null);
        Assert.Equal(configured.DashboardDays, view.Days.Count);
        Assert.Equal(view.To.AddDays(1 - configured.DashboardDays), view.From);

        var today = await LoadAsync(s, s.Org.Admin, days: 1);
        Assert.Equal(new DateOnly(2026, 11, 26), Assert.Single(today.Days).Day);
        Assert.Equal([new ReasonCount(HandoffReason.HumanRequested, 1)], today.HandoffsByReason);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LoadAsync(s, s.Org.Admin, days: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LoadAsync(s, s.Org.Admin, days: configured.MaxDashboardDays + 1));
    }

    [Fact]
    public async Task MyWork_CountsTheHandoffsHeld_TheDutiesKept_AndTheCoServedClientsWithNewAiActivity()
    {
        await using var s = await TwoDaysAsync(StoreKind.Sqlite);
        async Task<MyWorkSummary> MineAsync(StaffMember m) => await s.H.RunAsync<MyWork, MyWorkSummary>(w => w.LoadAsync(As(m), Ct));

        // cm1 holds P400's complaint (taken over and answered; the complaint is his duty) and the request for a human of
        // C100, his own client above the line, unanswered for a day; the AI talked to P400.
        var cm1 = await MineAsync(s.Org.Cm1);
        Assert.Equal((2, 1), (cm1.Handoffs, cm1.HandoffsOverdue));
        Assert.True(cm1.Duties >= 1, $"the complaint is a duty cm1 keeps, got {cm1.Duties}");
        Assert.Equal(0, cm1.DutiesOverdue);
        Assert.Equal(1, cm1.CoServedUnread);

        // Once he has read P400's timeline, nothing new is waiting there.
        await using (var db = s.NewDb())
        {
            var p400 = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            var last = await db.TimelineEvents.Where(e => e.ClientId == p400.Id).MaxAsync(e => e.Id);
            await s.H.RunAsync<ConversationQueries>(q => q.MarkReadAsync(s.Org.Cm1.Id, p400.Id, last, Ct));
        }
        Assert.Equal(0, (await MineAsync(s.Org.Cm1)).CoServedUnread);

        // S300's request for a human is his manager's (cm3), just in; the digital team keeps no client duties and has no co-served page.
        Assert.Equal((1, 0), ((await MineAsync(s.Org.Cm3)).Handoffs, (await MineAsync(s.Org.Cm3)).HandoffsOverdue));
        var ops = await MineAsync(s.Org.Ops);
        Assert.Equal((null, null), (ops.Duties, ops.CoServedUnread));
        Assert.False(MyWork.AppliesTo(As(s.Org.Admin)));
        Assert.True(MyWork.AppliesTo(As(s.Org.Cm1)));

        // Compliance's card is the privacy desk: the clients' requests still to answer.
        Assert.Equal((0, (int?)null), ((await MineAsync(s.Org.Compliance)).Handoffs, (await MineAsync(s.Org.Cm1)).PrivacyRequests));
        long p400Id;
        await using (var db = s.NewDb()) p400Id = await db.Clients.Where(c => c.ClientNo == "P400").Select(c => c.Id).SingleAsync();
        await s.H.RunAsync<CoServe.Features.Privacy.ClientPrivacy, long>(p => p.SubmitAsync(p400Id, CoServe.Features.Privacy.DataRight.Copy, "复制我的信息", "k1", Ct));
        var compliance = await MineAsync(s.Org.Compliance);
        Assert.Equal(((int?)1, 0), (compliance.PrivacyRequests, compliance.PrivacyOverdue));
    }

    [Fact]
    public async Task Api_GivesTheSameFiguresInScope_AndNamesABadPeriod()
    {
        await using var s = await ApiScenario.StartAsync();
        using var admin = await s.ClientAsAsync(s.Org.Admin);
        using var dashboard = await admin.GetAsync("/api/reports/service-dashboard?days=7");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        using (var json = JsonDocument.Parse(await dashboard.Content.ReadAsStringAsync()))
        {
            Assert.Equal(7, json.RootElement.GetProperty("days").GetArrayLength());
            Assert.Equal(json.RootElement.GetProperty("to").GetString(), json.RootElement.GetProperty("today").GetProperty("day").GetString());
            Assert.Equal(0, json.RootElement.GetProperty("guardrailBlocks").GetInt32());
        }

        using var bad = await admin.GetAsync("/api/reports/service-dashboard?days=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("days", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A manager has no guardrail figures and has his own work; an admin has no queue of his own.
        using var cm1 = await s.ClientAsAsync(s.Org.Cm1);
        using (var json = JsonDocument.Parse(await cm1.GetStringAsync("/api/reports/service-dashboard")))
        {
            Assert.False(json.RootElement.TryGetProperty("guardrailBlocks", out _));
        }
        using (var json = JsonDocument.Parse(await cm1.GetStringAsync("/api/reports/my-work")))
        {
            Assert.Equal(0, json.RootElement.GetProperty("handoffs").GetInt32());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/reports/my-work")).StatusCode);

        using var anonymous = s.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/reports/service-dashboard")).StatusCode);
    }

    [Fact]
    public void Percentile_IsNearestRank()
    {
        var minutes = new[] { 5, 1, 4, 2, 3 }.Select(m => TimeSpan.FromMinutes(m)).ToList();
        Assert.Equal(TimeSpan.FromMinutes(3), ServiceDashboard.Percentile(minutes, 0.5));
        Assert.Equal(TimeSpan.FromMinutes(5), ServiceDashboard.Percentile(minutes, 0.9));
        Assert.Equal(TimeSpan.FromMinutes(1), ServiceDashboard.Percentile(minutes, 0));
        Assert.Null(ServiceDashboard.Percentile([], 0.5));
    }

    [Theory]
    [InlineData(14, 92, true)]
    [InlineData(0, 92, false)]
    [InlineData(100, 92, false)]
    [InlineData(7, 6, false)]
    [InlineData(7, 400, false)]
    public void Options_AreValidated(int days, int max, bool valid)
    {
        var result = new ReportsOptionsValidator().Validate(null, new ReportsOptions { DashboardDays = days, MaxDashboardDays = max });
        Assert.Equal(valid, result.Succeeded);
        if (!valid) Assert.Contains("Reports:", result.FailureMessage, StringComparison.Ordinal);
    }
}

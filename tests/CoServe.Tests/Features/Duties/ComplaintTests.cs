using CoServe.Features.Duties;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Csv;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;
using static CoServe.Tests.Features.Duties.DutyTestKit;

namespace CoServe.Tests.Features.Duties;

public class ComplaintTests
{
    private static DateTimeOffset Shanghai(int y, int m, int d, int h, int min = 0) => BusinessTime.ToInstant(new DateOnly(y, m, d), new TimeOnly(h, min));

    // National Day 2026: 1-7 October off, Saturday 10 October a make-up workday (configuration, as the State Council announces it).
    private static void Calendar(Dictionary<string, string?> c)
    {
        for (var d = 1; d <= 7; d++) c[$"Calendar:Holidays:{d - 1}"] = $"2026-10-0{d}";
        c["Calendar:ExtraWorkdays:0"] = "2026-10-10";
    }

    [Theory]
    [InlineData("2026-11-27 10:00", 1, "2026-11-30 10:00")] // Friday -> Monday: the weekend does not count
    [InlineData("2026-11-28 15:00", 1, "2026-11-30 17:30")] // received on Saturday: counts from Monday's start
    [InlineData("2026-09-30 10:00", 1, "2026-10-08 10:00")] // the National Day week does not count
    [InlineData("2026-10-09 10:00", 1, "2026-10-10 10:00")] // Saturday 10 October is a make-up workday
    [InlineData("2026-09-30 10:00", 3, "2026-10-10 10:00")]
    [InlineData("2026-11-25 17:00", 0.5, "2026-11-26 12:45")]
    public async Task Deadlines_CountBusinessDays_SkippingWeekendsAndPublicHolidays(string received, double days, string due)
    {
        await using var s = await CoServiceScenario.StartAsync(configure: Calendar);
        var calendar = s.Get<DutyCalendar>();
        static DateTimeOffset Parse(string t) => ImportRegulatorComplaints.TryParseInstant(t, out var i) ? i : throw new FormatException(t);
        Assert.Equal(Parse(due), calendar.AddBusinessDays(Parse(received), days));
    }

    [Fact]
    public async Task ComplaintNotAcknowledgedInTime_RemindsThenEscalatesUpTheLadder_OnAFakeClock()
    {
        // Wednesday 10:00; acknowledgement due in 1 business day (Thursday 10:00), reminder at 80%.
        await using var s = await CoServiceScenario.StartAsync();
        var ticket = await s.HandOffAsync("P400", "我要投诉你们的服务");
        Assert.Equal(s.Org.Cm1.Id, ticket.AssigneeStaffId);
        var registered = await s.As<ComplaintWorkflow, DutyResult>(w => w.RegisterFromTicketAsync(As(s.Org.Cm1), ticket.Id, CancellationToken.None));
        Ok(registered);
        var id = registered.Id!.Value;
        var view = await s.As<DutyQueries, ComplaintView?>(q => q.ComplaintAsync(As(s.Org.Cm1), id, CancellationToken.None));
        Assert.Equal((s.Org.Cm1.Id, ComplaintSource.ServiceOfficer, Shanghai(2026, 11, 26, 10)), (view!.FirstHandlerStaffId, view.Source, view.AcknowledgeDueAt));
        Assert.Contains("我要投诉你们的服务", view.Summary, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2029, 11, 25), view.RetainUntil);

        await s.TickAsync();
        s.H.Clock.Advance(TimeSpan.FromHours(6));
        await s.TickAsync();
        await using (var db = s.NewDb()) Assert.Null((await db.Complaints.SingleAsync()).ReminderSentAt);
        s.H.Clock.Advance(TimeSpan.FromHours(1));
        await s.TickAsync();
        s.H.Clock.Advance(TimeSpan.FromHours(16).Add(TimeSpan.FromMinutes(59)));
        await s.TickAsync();
        await using (var db = s.NewDb()) Assert.Equal(0, (await db.Complaints.SingleAsync()).EscalationLevel);

        s.H.Clock.Advance(TimeSpan.FromMinutes(2)); // Thursday 10:01: breached
        await s.TickAsync();
        await s.TickAsync();
        s.H.Clock.Advance(TimeSpan.FromHours(24)); // one business day later: the next rung
        await s.TickAsync();

        await using (var db = s.NewDb())
        {
            var complaint = await db.Complaints.SingleAsync();
            Assert.Equal(2, complaint.EscalationLevel);
            var notes = await db.StaffNotifications.Where(n => n.Link == $"/duties/complaints/{id}").ToListAsync();
            Assert.Single(notes, n => n.StaffId == s.Org.Cm1.Id && n.Kind == NotificationKind.SlaReminder);
            Assert.Single(notes, n => n.StaffId == s.Org.Head.Id && n.Kind == NotificationKind.SlaEscalation);
            Assert.Single(notes, n => n.StaffId == s.Org.Compliance.Id && n.Kind == NotificationKind.SlaEscalation);
            Assert.Equal(2, notes.Count(n => n.StaffId == s.Org.Cm1.Id && n.Kind == NotificationKind.SlaEscalation));
        }
        var timeline = await s.TimelineAsync(s.Org.Cm1, "P400");
        Assert.Equal(2, timeline.Count(e => e.Details.GetValueOrDefault("duty") == "complaint" && e.Details.GetValueOrDefault("sla") == "breached"));
        var worklist = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Cm1), new DutyFilter(OverdueOnly: true), CancellationToken.None));
        Assert.Contains(worklist, i => i.Kind == DutyKind.Complaint && i.Id == id && i.EscalationLevel == 2);

        // Acknowledged late: the client is told, and the resolution deadline takes over.
        Ok(await s.As<ComplaintWorkflow, DutyResult>(w => w.AcknowledgeAsync(As(s.Org.Cm1), id, CancellationToken.None)));
        Assert.Contains(await s.TimelineAsync(s.Org.Cm1, "P400"), e => e.Kind == TimelineKind.Push && e.Text!.Contains("已受理", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenComplaint_SuppressesMarketing_UntilResolved_ThenTheSatisfactionCallbackClosesIt()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var clientId = (await s.NewDb().Clients.SingleAsync(c => c.ClientNo == "C100")).Id;
        Assert.False(await s.As<IOpenComplaints, bool>(o => o.HasOpenComplaintAsync(clientId, CancellationToken.None)));
        Assert.Equal(DutyStatus.Forbidden, (await s.As<ComplaintWorkflow, DutyResult>(w => w.RegisterAsync(As(s.Org.Compliance), "C100", "柜台投诉", null, null, CancellationToken.None))).Status);
        var registered = await s.As<ComplaintWorkflow, DutyResult>(w => w.RegisterAsync(As(s.Org.Cm1), "C100", "客户来电投诉交易系统卡顿", "系统", null, CancellationToken.None));
        Ok(registered);
        var id = registered.Id!.Value;
        Assert.True(await s.As<IOpenComplaints, bool>(o => o.HasOpenComplaintAsync(clientId, CancellationToken.None)));

        Assert.Equal(DutyStatus.NotFound, (await s.As<ComplaintWorkflow, DutyResult>(w => w.ResolveAsync(As(s.Org.Cm2), id, ComplaintOutcome.Upheld, "已处理", CancellationToken.None))).Status);
        Ok(await s.As<ComplaintWorkflow, DutyResult>(w => w.ResolveAsync(As(s.Org.Cm1), id, ComplaintOutcome.Upheld, "已优化系统并致歉", CancellationToken.None)));
        Assert.False(await s.As<IOpenComplaints, bool>(o => o.HasOpenComplaintAsync(clientId, CancellationToken.None)));

        var callbacks = await s.As<CallbackWork, IReadOnlyList<CallbackView>>(w => w.ListAsync(As(s.Org.Cm1), true, CancellationToken.None));
        var callback = Assert.Single(callbacks);
        Assert.Equal((CallbackKind.ComplaintFollowUp, id), (callback.Kind, callback.ComplaintId));
        Assert.Equal(DutyStatus.Invalid, (await s.As<CallbackWork, DutyResult>(w => w.RecordAsync(As(s.Org.Cm1), callback.Id, CallbackStatus.Done, null, null, CancellationToken.None))).Status);
        Ok(await s.As<CallbackWork, DutyResult>(w => w.RecordAsync(As(s.Org.Cm1), callback.Id, CallbackStatus.Done, Satisfaction.Satisfied, "客户表示满意", CancellationToken.None)));
        var view = await s.As<DutyQueries, ComplaintView?>(q => q.ComplaintAsync(As(s.Org.Cm1), id, CancellationToken.None));
        Assert.Equal((ComplaintStatus.Closed, Satisfaction.Satisfied, ComplaintOutcome.Upheld), (view!.Status, view.Satisfaction, view.Outcome));
        Assert.Equal(BusinessTime.Today(s.H.Clock).AddYears(3), view.RetainUntil);

        // The annual report for the regulator: one detail row, the totals sheet.
        var xlsx = await s.As<ComplaintReport, byte[]>(r => r.BuildAsync(As(s.Org.Compliance), 2026, CancellationToken.None));
        using var stream = new MemoryStream(xlsx);
        var rows = stream.Query(useHeaderRow: true, sheetName: "投诉明细").Cast<IDictionary<string, object>>().ToList();
        var row = Assert.Single(rows);
        Assert.Equal(("C100", "诉求成立", "满意", "是"), ((string)row["客户号"], (string)row["处理结果"], (string)row["满意度"], (string)row["按期办结"]));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.As<ComplaintReport, byte[]>(r => r.BuildAsync(As(s.Org.Cm1), 2026, CancellationToken.None)));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task RegulatorImport_IsIdempotentBySourceId_AndStrictAboutBadLines(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        const string good = "投诉编号,客户号,接收时间,投诉内容,投诉类别\n12386-0001,P400,2026-11-24 09:30,对佣金收取有异议,收费\n12386-0002,s300,2026-11-24,客户经理未及时回复,服务\n";
        async Task<ComplaintImportReport> ImportAsync(string csv, bool skip = false) =>
            await s.As<ImportRegulatorComplaints, ComplaintImportReport>(i => i.RunAsync(Files.Utf8(csv), Path.Combine(s.H.Store.Directory, "12386.csv"), new DutyImportSettings(StrictEncodings.Utf8, skip), CancellationToken.None));

        var first = await ImportAsync(good);
        Assert.Equal((2, 0), (first.Registered, first.AlreadyRegistered));
        var again = await ImportAsync(good);
        Assert.Equal((0, 2), (again.Registered, again.AlreadyRegistered));
        await using (var db = s.NewDb())
        {
            var complaints = await db.Complaints.OrderBy(c => c.SourceRef).ToListAsync();
            Assert.Equal(2, complaints.Count);
            Assert.All(complaints, c => Assert.Equal(ComplaintSource.Regulator12386, c.Source));
            Assert.Equal(s.Org.Cm1.Id, complaints[0].FirstHandlerStaffId);
            Assert.Equal(s.Org.Cm3.Id, complaints[1].FirstHandlerStaffId);
        }

        const string bad = "source_id,client_no,received_at,content\n12386-0003,P400,2026-11-24,内容\n12386-0003,P400,2026-11-24,重复\n12386-0004,NOPE99,2026-11-24,未知客户\n12386-0005,P400,2026-13-01,日期错误\n12386-0006,P400,2026-11-24,\n";
        var rejected = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(bad));
        Assert.Equal(["line 3, column source_id: '12386-0003' repeats line 2", "line 4, column client_no: no such client in the client book"],
            rejected.Problems.Take(2).Select(p => p.ToString()));
        Assert.Equal([5L, 6L], rejected.Problems.Skip(2).Select(p => p.Line));
        await using (var db = s.NewDb()) Assert.Equal(2, await db.Complaints.CountAsync());

        var skipped = await ImportAsync(bad, skip: true);
        Assert.Equal((1, 4L), (skipped.Registered, skipped.RowsRejected));
        Assert.True(File.Exists(skipped.RejectsFile));
        await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync("client_no,content\nP400,x\n"));
    }
}

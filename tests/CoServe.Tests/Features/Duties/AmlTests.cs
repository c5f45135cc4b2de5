using System.Text;
using CoServe.Features.Channels.WebChat;
using CoServe.Features.Clients;
using CoServe.Features.Duties;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Timeline;
using CoServe.Platform.Csv;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Features.Duties.DutyTestKit;

namespace CoServe.Tests.Features.Duties;

public class AmlTests
{
    private const string Header = "txn_id,client_no,time,direction,amount,channel,cross_border,party_type,counterparty\n";

    private static string Feed()
    {
        var sb = new StringBuilder(Header);
        sb.Append("T01,P400,2026-11-24 09:31:00,in,50000.00,cash,N,natural,\n");                 // cash at the threshold: single
        sb.Append("T02,C100,2026-11-24 10:00:00,out,300000.00,transfer,N,natural,A1\n");
        sb.Append("T03,C100,2026-11-24 10:05:00,out,250000.00,transfer,N,natural,A2\n");        // domestic cumulative 550,000
        sb.Append("T04,S300,2026-11-24 11:00:00,in,48000.00,cash,N,natural,\n");
        sb.Append("T05,S300,2026-11-24 14:00:00,in,47000.00,cash,N,natural,\n");                // two just below 50,000: structuring
        sb.Append("T06,C100,2026-11-24 09:00:00,in,560000.00,transfer,N,natural,A3\n");         // in 560,000, out 550,000: rapid in-and-out
        sb.Append("T07,P400,2026-11-24 15:00:00,in,200000.00,transfer,Y,natural,\n");           // cross-border at the threshold
        sb.Append("T08,S300,2026-11-24 15:30:00,in,1999999.99,transfer,N,non-natural,B1\n");    // organisation below 2,000,000: nothing
        for (var i = 0; i < 10; i++) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"T1{i},P400,2026-11-24 16:0{i}:00,out,100.00,transfer,N,natural,CP{i}\n"); // ten counterparties
        return sb.ToString();
    }

    private static Task<AmlImportReport> ImportAsync(CoServiceScenario s, string csv, bool skip = false, Encoding? encoding = null) =>
        s.As<ImportAmlFeed, AmlImportReport>(i => i.RunAsync(new MemoryStream((encoding ?? Encoding.UTF8).GetBytes(csv)), Path.Combine(s.H.Store.Directory, "txn.csv"),
            new DutyImportSettings(encoding is null ? StrictEncodings.Utf8 : StrictEncodings.Gbk, skip), CancellationToken.None));

    [Fact]
    public void Detector_AppliesEveryThresholdAtItsEdge()
    {
        var d = new AmlDetector(new AmlOptions());
        var day = new DateOnly(2026, 11, 24).DayNumber;
        d.Add(new AmlTransaction(0, day, true, 4_999_999, TransactionChannel.Cash, false, false, 0));
        d.Add(new AmlTransaction(1, day, true, 49_999_999, TransactionChannel.Transfer, false, false, 0));
        d.Add(new AmlTransaction(2, day, true, 19_999_999, TransactionChannel.Transfer, true, false, 0));
        d.Add(new AmlTransaction(3, day, true, 200_000_000, TransactionChannel.Transfer, false, true, 0));
        d.Add(new AmlTransaction(4, day, true, 199_999_999, TransactionChannel.Transfer, false, true, 0));
        d.Add(new AmlTransaction(5, day, true, 2_500_000, TransactionChannel.Cash, false, false, 0));
        d.Add(new AmlTransaction(5, day, false, 2_500_000, TransactionChannel.Cash, false, false, 0));
        d.Add(new AmlTransaction(5, day + 1, false, 1, TransactionChannel.Cash, false, false, 0));
        var (large, cases) = d.Finish();
        Assert.Equal([(3, LargeValueCategory.NonNaturalTransfer), (5, LargeValueCategory.Cash)], large.Select(f => (f.Client, f.Category)).OrderBy(x => x.Client));
        Assert.Equal(2, large.Single(f => f.Client == 5).Count);
        Assert.Empty(cases);
        Assert.Equal(7, d.ClientDays);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Feed_ProducesReportItemsAndCases_Idempotently_AndCasesStayConfidential(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var report = await ImportAsync(s, Feed());
        Assert.Equal((18L, 0L, 4, 3), (report.RowsRead, report.RowsRejected, report.ReportItemsAdded, report.CasesAdded));
        Assert.Equal([new DateOnly(2026, 11, 24)], report.Days);
        var again = await ImportAsync(s, Feed());
        Assert.Equal((0, 0, 0), (again.ReportItemsAdded, again.ReportItemsUpdated, again.CasesAdded));

        var items = await s.As<AmlWork, IReadOnlyList<AmlReportItemView>>(a => a.ReportItemsAsync(As(s.Org.Compliance), null, true, CancellationToken.None));
        Assert.Equal(
            [("C100", LargeValueCategory.NaturalDomesticTransfer, 1_110_000m), ("P400", LargeValueCategory.Cash, 50_000m), ("P400", LargeValueCategory.NaturalCrossBorderTransfer, 200_000m), ("S300", LargeValueCategory.Cash, 95_000m)],
            items.Select(i => (i.ClientNo, i.Category, i.Total)).OrderBy(x => x.ClientNo).ThenBy(x => x.Category));
        var cases = await s.As<AmlWork, IReadOnlyList<AmlCaseView>>(a => a.CasesAsync(As(s.Org.Compliance), true, CancellationToken.None));
        Assert.Equal([("C100", AmlRule.RapidInOut), ("P400", AmlRule.ManyCounterparties), ("S300", AmlRule.Structuring)], cases.Select(c => (c.ClientNo, c.Rule)).OrderBy(x => x.ClientNo));
        Assert.Equal("2", cases.Single(c => c.Rule == AmlRule.Structuring).Facts["nearThresholdCount"]);

        // Only Compliance and the AML duty owner see cases: cm1 keeps P400's and C100's AML duty.
        Assert.Equal(2, (await s.As<AmlWork, IReadOnlyList<AmlCaseView>>(a => a.CasesAsync(As(s.Org.Cm1), true, CancellationToken.None))).Count);
        Assert.Empty(await s.As<AmlWork, IReadOnlyList<AmlCaseView>>(a => a.CasesAsync(As(s.Org.Ops), false, CancellationToken.None)));
        Assert.Empty(await s.As<AmlWork, IReadOnlyList<AmlCaseView>>(a => a.CasesAsync(As(s.Org.Head), false, CancellationToken.None)));
        Assert.Empty(await s.As<AmlWork, IReadOnlyList<AmlReportItemView>>(a => a.ReportItemsAsync(As(s.Org.Ops), null, false, CancellationToken.None)));
        static bool IsAml(TimelineItem e) => e.Details.GetValueOrDefault("duty") == "aml";
        Assert.Contains(await s.TimelineAsync(s.Org.Cm1, "P400"), IsAml);
        Assert.Contains(await s.TimelineAsync(s.Org.Compliance, "P400"), IsAml);
        Assert.DoesNotContain(await s.TimelineAsync(s.Org.Ops, "P400"), IsAml);
        var opsWorklist = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Ops), new DutyFilter(IncludeClosed: true), CancellationToken.None));
        Assert.DoesNotContain(opsWorklist, i => i.Kind is DutyKind.AmlCase or DutyKind.AmlReport);
        await using var db = s.NewDb();
        Assert.Equal(2, await db.AmlFeedRuns.CountAsync());
        Assert.Equal(1, await db.StaffNotifications.CountAsync(n => n.StaffId == s.Org.Compliance.Id && n.Link == "/duties/aml"));
    }

    [Fact]
    public async Task AmlHandoff_BecomesACase_InvisibleToTheDigitalTeamAndTheClient()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var ticket = await s.HandOffAsync("P400", "有人让我帮忙转钱，这算洗钱吗");
        Assert.Equal(s.Org.Cm1.Id, ticket.AssigneeStaffId);
        Assert.DoesNotContain(await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Ops), new DutyFilter(), CancellationToken.None)), i => i.Id == ticket.Id && i.Kind == DutyKind.Ticket);
        Assert.Equal(DutyStatus.NotFound, (await s.As<AmlWork, DutyResult>(a => a.OpenCaseFromTicketAsync(As(s.Org.Ops), ticket.Id, null, CancellationToken.None))).Status);
        var opened = await s.As<AmlWork, DutyResult>(a => a.OpenCaseFromTicketAsync(As(s.Org.Cm1), ticket.Id, "客户描述疑似代他人转账", CancellationToken.None));
        Ok(opened);
        Assert.Equal(DutyStatus.Forbidden, (await s.As<AmlWork, DutyResult>(a => a.DecideCaseAsync(As(s.Org.Cm1), opened.Id!.Value, AmlCaseStatus.Reported, "上报可疑交易", CancellationToken.None))).Status);
        Ok(await s.As<AmlWork, DutyResult>(a => a.DecideCaseAsync(As(s.Org.Compliance), opened.Id!.Value, AmlCaseStatus.Reported, "已提交可疑交易报告", CancellationToken.None)));

        Assert.DoesNotContain(await s.TimelineAsync(s.Org.Ops, "P400"), e => e.Visibility == EventVisibility.Confidential || e.Text?.Contains("代他人转账", StringComparison.Ordinal) == true);
        Assert.Contains(await s.TimelineAsync(s.Org.Cm1, "P400"), e => e.Visibility == EventVisibility.Confidential && e.Text == "客户描述疑似代他人转账");
        var chat = await s.As<WebChatView, ChatView>(v => v.LoadAsync(ticket.ClientId, 100, CancellationToken.None));
        Assert.DoesNotContain(chat.Messages, m => m.Text.Contains("可疑", StringComparison.Ordinal) || m.Text.Contains("代他人", StringComparison.Ordinal));
        await using var db = s.NewDb();
        Assert.Empty(await db.Outbox.Where(o => o.ClientId == ticket.ClientId).Join(db.TimelineEvents, o => o.TimelineEventId, e => e.Id, (o, e) => e).Where(e => e.Kind == TimelineKind.Push).ToListAsync());
    }

    [Fact]
    public async Task MalformedFeed_IsRejectedWhole_WithLineAndColumn_OrBadRowsAreSkipped()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var csv = Header
            + "X1,P400,2026-11-24 09:00:00,in,60000.00,cash,N,natural,\n"
            + "X2,P400,2026-11-24 09:00:00,in,1,000.00,cash,N,natural,\n"
            + "X3,P400,2026-11-24 09:00:00,sideways,10.00,cash,N,natural,\n"
            + "X1,P400,2026-11-24 09:00:00,in,10.00,cash,N,natural,\n"
            + "X5,P400,2026-11-31 09:00:00,in,10.00,cash,N,natural,\n"
            + "X6,NOBODY,2026-11-24 09:00:00,in,10.00,cash,N,natural,\n"
            + "X7,P400,2026-11-24 09:00:00,in,-5.00,cash,N,natural,\n"
            + "X8,P400,2026-11-24 09:00:00,in,5.00,wire,N,natural,\n"
            + "X9,P400,2026-12-30 09:00:00,in,5.00,cash,N,natural,\n";
        var rejected = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(s, csv));
        Assert.Equal(
            new (long, string?)[] { (3, null), (4, "direction"), (5, "txn_id"), (6, "time"), (7, "client_no"), (8, "amount"), (9, "channel"), (10, "time") },
            rejected.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("line 5, column txn_id: 'X1' appears more than once in the file", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", rejected.Message, StringComparison.Ordinal);
        await using (var db = s.NewDb())
        {
            Assert.Equal(0, await db.AmlFeedRuns.CountAsync());
            Assert.Equal(0, await db.AmlReportItems.CountAsync());
        }

        var skipped = await ImportAsync(s, csv, skip: true);
        Assert.Equal((8L, 1), (skipped.RowsRejected, skipped.ReportItemsAdded));
        Assert.Equal(9, File.ReadAllLines(skipped.RejectsFile!).Length);

        await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(s, "txn_id,client_no\nA,P400\n"));
        await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(s, Header));
        var gbk = "交易流水号,客户号,交易时间,收付方向,交易金额,交易方式\nG1,P400,2026-11-24,收,70000.00,现金\n";
        var utf8Problem = await Assert.ThrowsAsync<ImportRejectedException>(() =>
            s.As<ImportAmlFeed, AmlImportReport>(i => i.RunAsync(new MemoryStream(StrictEncodings.Gbk.GetBytes(gbk)), "gbk.csv", new DutyImportSettings(StrictEncodings.Utf8, false), CancellationToken.None)));
        Assert.Contains("--encoding gbk", utf8Problem.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await ImportAsync(s, gbk, encoding: StrictEncodings.Gbk)).ReportItemsUpdated);
    }

    [Fact]
    public async Task Schedule_CreatesReviewAndKycTasksForTheDutyOwner_ByRiskLevel_Once()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var today = BusinessTime.Today(s.H.Clock);
        await using (var db = s.NewDb())
        {
            var p400 = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            p400.AmlRiskLevel = AmlRiskLevel.High;
            db.AmlProfiles.Add(new AmlProfile(p400.Id) { LastReviewedOn = today.AddMonths(-6).AddDays(10), IdDocumentExpiresOn = today.AddDays(20), KycUpdatedOn = today.AddMonths(-1) });
            (await db.Clients.SingleAsync(c => c.ClientNo == "C100")).OpenedOn = today.AddYears(-2);
            await db.SaveChangesAsync();
        }
        Assert.Equal(new AmlScheduleReport(1, 1, 1), await s.As<AmlSchedule, AmlScheduleReport>(a => a.RunAsync(CancellationToken.None)));
        Assert.Equal(new AmlScheduleReport(0, 0, 0), await s.As<AmlSchedule, AmlScheduleReport>(a => a.RunAsync(CancellationToken.None)));

        var tasks = await s.As<AmlWork, IReadOnlyList<AmlTaskView>>(a => a.TasksAsync(As(s.Org.Cm1), true, CancellationToken.None));
        Assert.Equal([AmlTaskKind.KycRefresh, AmlTaskKind.PeriodicReview, AmlTaskKind.IdDocumentExpiring], tasks.Select(t => t.Kind));
        Assert.All(tasks, t => Assert.Equal(s.Org.Cm1.Id, t.AssigneeStaffId));
        Assert.Empty(await s.As<AmlWork, IReadOnlyList<AmlTaskView>>(a => a.TasksAsync(As(s.Org.Ops), false, CancellationToken.None)));
        var opsView = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Ops), new DutyFilter(DutyKind.AmlTask), CancellationToken.None));
        Assert.Equal(2, opsView.Count);
        Assert.All(opsView, i => Assert.Null(i.Detail));

        var id = tasks.Single(t => t.Kind == AmlTaskKind.IdDocumentExpiring).Id;
        Assert.Equal(DutyStatus.Invalid, (await s.As<AmlWork, DutyResult>(a => a.CompleteTaskAsync(As(s.Org.Cm1), id, null, null, CancellationToken.None))).Status);
        Ok(await s.As<AmlWork, DutyResult>(a => a.CompleteTaskAsync(As(s.Org.Cm1), id, null, today.AddYears(10), CancellationToken.None)));
        var review = tasks.Single(t => t.Kind == AmlTaskKind.PeriodicReview).Id;
        Assert.Equal(DutyStatus.NotFound, (await s.As<AmlWork, DutyResult>(a => a.CompleteTaskAsync(As(s.Org.Ops), review, null, null, CancellationToken.None))).Status);
        Ok(await s.As<AmlWork, DutyResult>(a => a.CompleteTaskAsync(As(s.Org.Cm1), review, AmlRiskLevel.Medium, null, CancellationToken.None)));
        await using (var db = s.NewDb())
        {
            Assert.Equal(AmlRiskLevel.Medium, (await db.Clients.SingleAsync(c => c.ClientNo == "P400")).AmlRiskLevel);
            Assert.Equal(today, (await db.AmlProfiles.SingleAsync()).LastReviewedOn);
        }
        Assert.Contains(await s.TimelineAsync(s.Org.Cm1, "P400"), e => e.Kind == TimelineKind.ProfileChange && e.Visibility == EventVisibility.Confidential);
        Assert.DoesNotContain(await s.TimelineAsync(s.Org.Ops, "P400"), e => e.Kind == TimelineKind.ProfileChange);
        Assert.Equal(new AmlScheduleReport(0, 0, 0), await s.As<AmlSchedule, AmlScheduleReport>(a => a.RunAsync(CancellationToken.None)));
    }
}

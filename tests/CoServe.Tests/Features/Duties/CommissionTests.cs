using CoServe.Features.Assets;
using CoServe.Features.Channels.WebChat;
using CoServe.Features.Conversations;
using CoServe.Features.Duties;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Features.Duties.DutyTestKit;

namespace CoServe.Tests.Features.Duties;

public class CommissionTests
{
    [Theory]
    [InlineData("0.025%", 2500)]
    [InlineData("万2.5", 2500)]
    [InlineData("2.5‱", 2500)]
    [InlineData(" 0.0085% ", 850)]
    [InlineData("万0.85", 850)]
    [InlineData("0.3%", 30000)]
    public void CommissionRate_ParsesExactly(string text, long units)
    {
        Assert.Equal(units, CommissionRate.Parse(text).TenMillionths);
        Assert.Equal(CommissionRate.Parse(text), CommissionRate.Parse(CommissionRate.Parse(text).Percent));
    }

    [Theory]
    [InlineData("0.025")]
    [InlineData("0%")]
    [InlineData("-0.01%")]
    [InlineData("0.000001%")]
    [InlineData("1e-3%")]
    [InlineData("abc")]
    public void CommissionRate_RefusesWhatIsNotAnExactRate(string text) =>
        Assert.False(CommissionRate.TryParse(text, out _, out var error) || error is null);

    [Fact]
    public void DiscountPercent_RoundsUp_AndARiseIsNoDiscount()
    {
        Assert.Equal(17, CommissionRate.DiscountPercent(CommissionRate.Parse("0.03%"), CommissionRate.Parse("0.025%")));
        Assert.Equal(0, CommissionRate.DiscountPercent(CommissionRate.Parse("0.025%"), CommissionRate.Parse("0.03%")));
        Assert.Equal(50, CommissionRate.DiscountPercent(CommissionRate.Parse("0.03%"), CommissionRate.Parse("0.015%")));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ClientAsksForLowerCommission_ManagerProposes_HeadApproves_ClientIsNotified_AndTheTimelineShowsIt(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var ticket = await s.HandOffAsync("P400", "佣金太高了，想调低一点");

        // The handoff reaches the manager keeping P400's commission duty, with the conversation as context.
        Assert.Equal((HandoffReason.CommissionRequest, TicketQueue.DutyOwner, s.Org.Cm1.Id), (ticket.Reason, ticket.Queue, ticket.AssigneeStaffId));
        var detail = await s.As<ConversationQueries, ConversationDetail?>(q => q.ConversationAsync(As(s.Org.Cm1), ticket.ConversationId!.Value, CancellationToken.None));
        Assert.Contains("佣金太高了", detail!.Package!.Summary, StringComparison.Ordinal);
        var worklist = await s.As<DutyWorklist, IReadOnlyList<DutyItem>>(w => w.ListAsync(As(s.Org.Cm1), new DutyFilter(), CancellationToken.None));
        Assert.Contains(worklist, i => i.Kind == DutyKind.Ticket && i.Id == ticket.Id && i.TicketReason == HandoffReason.CommissionRequest);

        var opened = await s.As<CommissionWorkflow, DutyResult>(w => w.OpenFromTicketAsync(As(s.Org.Cm1), ticket.Id, CancellationToken.None));
        Ok(opened);
        Assert.Equal(opened.Id, (await s.As<CommissionWorkflow, DutyResult>(w => w.OpenFromTicketAsync(As(s.Org.Cm1), ticket.Id, CancellationToken.None))).Id);
        var id = opened.Id!.Value;

        var belowFloor = await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeAsync(As(s.Org.Cm1), id, "0.02%", null, CancellationToken.None));
        Assert.Equal(DutyStatus.Invalid, belowFloor.Status);
        Assert.Contains("below the floor 0.025%", belowFloor.Message, StringComparison.Ordinal);

        Ok(await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeAsync(As(s.Org.Cm1), id, "万2.5", null, CancellationToken.None)));
        var view = await s.As<DutyQueries, CommissionView?>(q => q.CommissionAsync(As(s.Org.Head), id, CancellationToken.None));
        Assert.Equal((CommissionStatus.PendingApproval, StaffRole.BranchHead, "0.03%", "0.025%"), (view!.Status, view.NextApprover, view.CurrentRate, view.ProposedRate));
        Assert.Equal([StaffRole.BranchHead], view.Chain);

        Ok(await s.As<CommissionWorkflow, DutyResult>(w => w.ApproveAsync(As(s.Org.Head), id, "同意", CancellationToken.None)));
        await s.DispatchAsync();

        var tomorrow = BusinessTime.Today(s.H.Clock).AddDays(1);
        await using (var db = s.NewDb())
        {
            var request = await db.CommissionRequests.SingleAsync(r => r.Id == id);
            Assert.Equal((CommissionStatus.Approved, true, tomorrow), (request.Status, request.ClientNotified, request.EffectiveOn!.Value));
            Assert.Equal(TicketStatus.Resolved, (await db.Tickets.SingleAsync(t => t.Id == ticket.Id)).Status);
        }
        var today = BusinessTime.Today(s.H.Clock);
        Assert.Equal("0.03%", (await s.As<CommissionWorkflow, CommissionRate>(w => w.RateOnAsync(ticket.ClientId, today, CancellationToken.None))).Percent);
        Assert.Equal("0.025%", (await s.As<CommissionWorkflow, CommissionRate>(w => w.RateOnAsync(ticket.ClientId, tomorrow, CancellationToken.None))).Percent);

        var timeline = await s.TimelineAsync(s.Org.Cm1, "P400");
        Assert.Contains(timeline, e => e.Kind == TimelineKind.ProfileChange && e.Details.GetValueOrDefault("field") == "commissionRate" && e.Details.GetValueOrDefault("to") == "0.025%");
        var notice = Assert.Single(timeline, e => e.Kind == TimelineKind.Push);
        Assert.Equal(EventVisibility.ClientVisible, notice.Visibility);
        Assert.Contains("万2.5", notice.Text, StringComparison.Ordinal);
        var chat = await s.As<WebChatView, ChatView>(v => v.LoadAsync(ticket.ClientId, 50, CancellationToken.None));
        Assert.Contains(chat.Messages, m => m.Text.Contains("万2.5", StringComparison.Ordinal));
        await using (var db = s.NewDb())
        {
            Assert.Equal(CoServe.Features.Channels.OutboxStatus.Delivered, (await db.Outbox.SingleAsync(o => o.TimelineEventId == notice.Id)).Status);
        }
    }

    [Fact]
    public async Task ApprovalByTheWrongRole_IsRefused_AndALargeDiscountNeedsCompliance()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await using (var db = s.NewDb())
        {
            // 600,000 of monthly average daily assets: floor 0.02% instead of 0.025%.
            var p400 = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            db.MonthlySegments.Add(new MonthlySegment(p400.Id, 202610, 600_000m, AssetTier.HighEnd, null, MadaMode.Natural, s.H.Clock.GetUtcNow()));
            await db.SaveChangesAsync();
        }
        Assert.Equal(DutyStatus.Forbidden, (await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Ops), "P400", "0.02%", null, CancellationToken.None))).Status);
        Assert.Equal(DutyStatus.Invalid, (await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Cm1), "P400", "0.019%", null, CancellationToken.None))).Status);
        var proposed = await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Cm1), "P400", "0.02%", null, CancellationToken.None));
        Ok(proposed);
        var id = proposed.Id!.Value;
        Assert.Equal(DutyStatus.Conflict, (await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Cm1), "P400", "0.021%", null, CancellationToken.None))).Status);

        async Task<DutyStatus> ApproveAs(StaffMember m) => (await s.As<CommissionWorkflow, DutyResult>(w => w.ApproveAsync(As(m), id, null, CancellationToken.None))).Status;
        Assert.Equal(DutyStatus.Forbidden, await ApproveAs(s.Org.Compliance));
        Assert.Equal(DutyStatus.Forbidden, await ApproveAs(s.Org.Cm1));
        Assert.Equal(DutyStatus.NotFound, await ApproveAs(s.Org.Cm2));
        Assert.Equal(DutyStatus.Forbidden, await ApproveAs(s.Org.Admin));
        await using (var db = s.NewDb())
        {
            var southHead = new StaffMember("head-s", "南区负责人", StaffRole.BranchHead, s.Org.South.Id);
            db.Staff.Add(southHead);
            await db.SaveChangesAsync();
            Assert.Equal(DutyStatus.NotFound, await ApproveAs(southHead));
        }
        Assert.Equal(DutyStatus.Done, await ApproveAs(s.Org.Head));
        var view = await s.As<DutyQueries, CommissionView?>(q => q.CommissionAsync(As(s.Org.Compliance), id, CancellationToken.None));
        Assert.Equal((CommissionStatus.PendingApproval, StaffRole.Compliance), (view!.Status, view.NextApprover));
        Assert.Equal(DutyStatus.Forbidden, await ApproveAs(s.Org.Head));
        Assert.Equal(DutyStatus.Done, await ApproveAs(s.Org.Compliance));
        view = await s.As<DutyQueries, CommissionView?>(q => q.CommissionAsync(As(s.Org.Cm1), id, CancellationToken.None));
        Assert.Equal(CommissionStatus.Approved, view!.Status);
        Assert.Equal(2, view.Approvals.Count);
        Assert.Equal(DutyStatus.Conflict, await ApproveAs(s.Org.Compliance));
    }

    [Fact]
    public async Task UnansweredRequest_RemindsTheOwner_ThenEscalatesToTheBranchHead()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c => c["Duties:Commission:AnswerBusinessDays"] = "1");
        var opened = await s.As<CommissionWorkflow, DutyResult>(w => w.ProposeForClientAsync(As(s.Org.Cm1), "P400", "0.025%", null, CancellationToken.None));
        Ok(opened);
        s.H.Clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(new DutyRunReport(1, 0), await s.As<DutyDeadlines, DutyRunReport>(d => d.RunAsync(CancellationToken.None)));
        s.H.Clock.Advance(TimeSpan.FromHours(17));
        Assert.Equal(new DutyRunReport(0, 1), await s.As<DutyDeadlines, DutyRunReport>(d => d.RunAsync(CancellationToken.None)));
        await using var db = s.NewDb();
        Assert.Contains(await db.StaffNotifications.ToListAsync(), n => n.StaffId == s.Org.Head.Id && n.Kind == CoServe.Features.Notifications.NotificationKind.SlaEscalation);
    }
}

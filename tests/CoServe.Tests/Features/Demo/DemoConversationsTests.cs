using CoServe.Features.Conversations;
using CoServe.Features.Demo;
using CoServe.Features.Handoffs;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Features.Demo;

public class DemoConversationsTests
{
    [Fact]
    public async Task DemoDialogues_AreAnsweredByTheRealOfficer_ComplaintsWaitForTheKeepingManager_AndAReplayStoresNothing()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite, s =>
        {
            s["Demo:Clients"] = "300";
            s["Demo:Months"] = "1";
            s["KnowledgeBase:ImportSeedWhenEmpty"] = "true";
        });
        await h.RunAsync<DemoSeeder, DemoSeedReport>(d => d.SeedAsync(CancellationToken.None));
        var messages = DemoConversations.Script.Sum(d => d.Messages.Length);

        // The service officer's worker, as the running host drives it, answers between the rounds.
        var officer = new OfficerWorker(h.Services.GetRequiredService<IServiceScopeFactory>(), h.Services.GetRequiredService<OfficerSignal>(),
            NullLogger<OfficerWorker>.Instance);
        async Task Answer(CancellationToken ct) => await officer.DrainAsync(ct);

        var first = await h.RunAsync<DemoConversations, DemoConversationsReport>(d => d.ReplayAsync(Answer, CancellationToken.None));
        await Answer(CancellationToken.None);
        Assert.Empty(first.Problems);
        Assert.Equal((messages, 0), (first.Stored, first.Duplicates));

        await using var db = h.NewDb();
        Assert.Equal(messages, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.ClientMessage));
        // Every dialogue got an answer, a clarification or a holding message from the officer.
        var officerReplied = await db.TimelineEvents.Where(e => e.Kind == TimelineKind.OfficerMessage).Select(e => e.ClientId).Distinct().CountAsync();
        Assert.Equal(DemoConversations.Script.Count, officerReplied);

        // A follow-up comes after the answer it follows up on, as a client sends it.
        var followUp = await db.TimelineEvents.Where(e => e.Kind == TimelineKind.ClientMessage && e.IdempotencyKey == "webchat:demo-dialogue-1-2").SingleAsync();
        Assert.True(await db.TimelineEvents.AnyAsync(e => e.ClientId == followUp.ClientId && e.Kind == TimelineKind.OfficerMessage && e.Id < followUp.Id));

        // The complaint of a client whose duties cm.bj1 keeps waits for cm.bj1, not for the digital team.
        var bj1 = await db.Staff.SingleAsync(s => s.Login == "cm.bj1");
        var complaint = await db.Tickets.SingleAsync(t => t.Reason == HandoffReason.Complaint && t.AssigneeStaffId == bj1.Id);
        Assert.Contains(complaint.ClientId, db.ClientServicers.Where(s => s.StaffId == bj1.Id && !s.IsPrimary).Select(s => s.ClientId));
        Assert.True(await db.Tickets.AnyAsync(t => t.Reason == HandoffReason.CommissionRequest && t.AssigneeStaffId == bj1.Id));
        Assert.True(await db.Tickets.AnyAsync(t => t.Reason == HandoffReason.AdviceRequest && t.Queue == TicketQueue.Advisors));

        var again = await h.RunAsync<DemoConversations, DemoConversationsReport>(d => d.ReplayAsync(Answer, CancellationToken.None));
        Assert.Equal((0, messages), (again.Stored, again.Duplicates));
        Assert.Equal(messages, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.ClientMessage));

        // Staff work on four handoffs through the console's actions; a second run finds them no longer waiting.
        var acted = await h.RunAsync<DemoConversations, DemoStaffReport>(d => d.ActAsStaffAsync(CancellationToken.None));
        Assert.Empty(acted.Problems);
        Assert.Equal((DemoConversations.StaffScript.Count, 0), (acted.Done, acted.Skipped));
        Assert.Equal(DemoConversations.StaffScript.Count, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.StaffMessage));
        await using (var check = h.NewDb())
        {
            // The manager holds the complaint he answered, and his ticket counts as responded.
            var held = await check.Conversations.SingleAsync(c => c.ClientId == complaint.ClientId);
            Assert.Equal((ConversationState.HumanActive, bj1.Id), (held.State, held.ControllerStaffId));
            Assert.NotNull((await check.Tickets.SingleAsync(t => t.Id == complaint.Id)).FirstRespondedAt);
            Assert.True(await check.TimelineEvents.AnyAsync(e => e.ClientId == complaint.ClientId && e.Kind == TimelineKind.Note));
            // The advice request was answered and closed; the request for a human went back to the service officer.
            Assert.True(await check.Tickets.AnyAsync(t => t.Reason == HandoffReason.AdviceRequest && t.Status == TicketStatus.Resolved));
            Assert.True(await check.Tickets.AnyAsync(t => t.Reason == HandoffReason.HumanRequested && t.Status == TicketStatus.Resolved));
        }
        var twice = await h.RunAsync<DemoConversations, DemoStaffReport>(d => d.ActAsStaffAsync(CancellationToken.None));
        Assert.Equal((0, DemoConversations.StaffScript.Count), (twice.Done, twice.Skipped));
        Assert.Equal(DemoConversations.StaffScript.Count, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.StaffMessage));
    }
}

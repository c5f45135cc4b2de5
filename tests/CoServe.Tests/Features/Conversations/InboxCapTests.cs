using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Conversations;

/// <summary>
/// A queue longer than the inbox shows: the list says it is cut, and an SLA filter still finds the tickets in that
/// state that lie beyond the cut (answered tickets due late, past-due ones first).
/// </summary>
public class InboxCapTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ALongQueue_IsCut_AndTheSlaFilterLooksPastTheCut(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var now = s.H.Clock.GetUtcNow();
        await using (var db = s.NewDb())
        {
            var client = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            // 3 past due, then more tickets not yet due than the inbox shows, then 4 already answered but due last.
            for (var i = 0; i < 3; i++) db.Tickets.Add(new Ticket(client.Id, null, HandoffReason.HumanRequested, TicketQueue.DigitalOps, null, now.AddHours(-2), now.AddMinutes(-30 + i)));
            for (var i = 0; i < ConversationQueries.InboxCap; i++) db.Tickets.Add(new Ticket(client.Id, null, HandoffReason.HumanRequested, TicketQueue.DigitalOps, null, now, now.AddMinutes(60 + i)));
            for (var i = 0; i < 4; i++)
            {
                var answered = new Ticket(client.Id, null, HandoffReason.HumanRequested, TicketQueue.DigitalOps, null, now, now.AddDays(2).AddMinutes(i));
                answered.MarkResponded(now);
                db.Tickets.Add(answered);
            }
            await db.SaveChangesAsync();
        }
        Task<(IReadOnlyList<InboxItem> Items, bool Capped)> ListAsync(SlaState? sla) =>
            s.H.RunAsync<ConversationQueries, (IReadOnlyList<InboxItem>, bool)>(q => q.InboxListAsync(As(s.Org.Ops), InboxView.All, null, sla, Ct));

        var all = await ListAsync(null);
        Assert.True(all.Capped);
        Assert.Equal(ConversationQueries.InboxCap, all.Items.Count);
        Assert.Equal([SlaState.Breached, SlaState.Breached, SlaState.Breached], all.Items.Take(3).Select(i => i.Sla));
        Assert.DoesNotContain(all.Items, i => i.Sla == SlaState.Met); // due last: beyond the cut

        var met = await ListAsync(SlaState.Met);
        Assert.False(met.Capped);
        Assert.Equal(4, met.Items.Count);
        Assert.All(met.Items, i => Assert.Equal(SlaState.Met, i.Sla));

        var breached = await ListAsync(SlaState.Breached);
        Assert.Equal((3, false), (breached.Items.Count, breached.Capped));

        // Not yet due and unanswered: exactly the cap's worth, so the list is full but not cut.
        var onTrack = await ListAsync(SlaState.OnTrack);
        Assert.False(onTrack.Capped);
        Assert.Equal(ConversationQueries.InboxCap, onTrack.Items.Count);
    }
}

using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Conversations;

/// <summary>
/// A client manager's co-served page at the size of a real book (hundreds of clients): new activity first, counted in
/// the store since his last look and capped, filtered and paged.
/// </summary>
public class CoServedPageTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task NewActivityComesFirst_CountedSinceTheLastLook_Capped_Filtered_AndPaged(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var t0 = s.H.Clock.GetUtcNow();
        var ids = new Dictionary<string, long>();
        await using (var db = s.NewDb())
        {
            var protector = s.H.Services.GetRequiredService<FieldProtector>();
            for (var i = 1; i <= 60; i++)
            {
                var no = $"K{i:0000}";
                var c = await AddClientAsync(db, protector, no, s.Org.North, null, t0, "客户" + i, $"1380000{i:0000}", coServicers: (s.Org.Cm1, DutyScopes.KeptByManager));
                ids[no] = c.Id;
            }
            // K0005 said three things; K0010 talked with the AI for a long time; K0020 talked and cm1 has read it;
            // K0030 has only an internal note, which is not conversation activity.
            Add(db, ids["K0005"], TimelineKind.ClientMessage, t0.AddMinutes(1), 3);
            Add(db, ids["K0010"], TimelineKind.OfficerMessage, t0.AddMinutes(2), 120);
            Add(db, ids["K0020"], TimelineKind.ClientMessage, t0.AddMinutes(3), 2);
            Add(db, ids["K0030"], TimelineKind.Note, t0.AddMinutes(4), 1);
            await db.SaveChangesAsync();
        }
        await using (var db = s.NewDb())
        {
            var lastOfK0020 = await db.TimelineEvents.Where(e => e.ClientId == ids["K0020"]).MaxAsync(e => e.Id);
            await s.H.RunAsync<ConversationQueries>(q => q.MarkReadAsync(s.Org.Cm1.Id, ids["K0020"], lastOfK0020, Ct));
        }
        Task<CoServedPage> PageAsync(CoServedFilter filter) => s.H.RunAsync<ConversationQueries, CoServedPage>(q => q.CoServedAsync(As(s.Org.Cm1), filter, Ct));

        // 60 clients added and P400, which the scenario gives cm1 as well.
        var first = await PageAsync(new CoServedFilter());
        Assert.Equal((61, 1, 2), (first.Total, first.Page, first.PageCount));
        Assert.Equal(CoServedPage.PageSize, first.Rows.Count);
        Assert.Equal(["K0010", "K0005", "K0020", "K0001", "K0002"], first.Rows.Take(5).Select(r => r.ClientNo));
        Assert.Equal([CoServedPage.UnreadCap, 3, 0], first.Rows.Take(3).Select(r => r.UnreadAiActivity));
        Assert.Equal(t0.AddMinutes(2), first.Rows[0].LastActivityAt);
        Assert.Equal(t0.AddMinutes(3), first.Rows[2].LastActivityAt);
        var k0030 = (await PageAsync(new CoServedFilter(ClientNoPrefix: "K0030"))).Rows.Single();
        Assert.Equal((0, (DateTimeOffset?)null), (k0030.UnreadAiActivity, k0030.LastActivityAt));
        Assert.All(first.Rows, r => Assert.Contains("*", r.ClientName, StringComparison.Ordinal)); // masked, never the full name

        // The second page holds the rest; a page past the end shows the last one.
        var second = await PageAsync(new CoServedFilter(Page: 2));
        Assert.Equal(11, second.Rows.Count);
        Assert.Empty(first.Rows.Select(r => r.ClientNo).Intersect(second.Rows.Select(r => r.ClientNo)));
        Assert.Contains(second.Rows, r => r.ClientNo == "P400");
        var beyond = await PageAsync(new CoServedFilter(Page: 99));
        Assert.Equal(2, beyond.Page);
        Assert.Equal(second.Rows.Select(r => r.ClientNo), beyond.Rows.Select(r => r.ClientNo));

        var unread = await PageAsync(new CoServedFilter(UnreadOnly: true));
        Assert.Equal((2, 1), (unread.Total, unread.PageCount));
        Assert.Equal(["K0010", "K0005"], unread.Rows.Select(r => r.ClientNo));
        Assert.Equal(2, await s.H.RunAsync<ConversationQueries, int>(q => q.CoServedWithUnreadCountAsync(As(s.Org.Cm1), Ct)));

        var prefix = await PageAsync(new CoServedFilter(ClientNoPrefix: " k001 "));
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"K{i:0000}").OrderBy(x => x == "K0010" ? 0 : 1).ThenBy(x => x, StringComparer.Ordinal), prefix.Rows.Select(r => r.ClientNo));

        // The live page follows exactly his co-served clients' events.
        var followed = await s.H.RunAsync<ConversationQueries, IReadOnlySet<long>>(q => q.CoServedClientIdsAsync(As(s.Org.Cm1), Ct));
        Assert.Equal(61, followed.Count);
        Assert.Subset(followed.ToHashSet(), ids.Values.ToHashSet());
        await using (var db = s.NewDb())
        {
            Assert.DoesNotContain((await db.Clients.SingleAsync(c => c.ClientNo == "C100")).Id, followed); // cm1 is its primary manager
        }

        // Another manager co-serves none of them.
        var other = await s.H.RunAsync<ConversationQueries, CoServedPage>(q => q.CoServedAsync(As(s.Org.Cm3), new CoServedFilter(), Ct));
        Assert.Equal((0, 1), (other.Total, other.PageCount));
        Assert.Empty(other.Rows);
    }

    private static void Add(CoServeDb db, long clientId, TimelineKind kind, DateTimeOffset at, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var visibility = kind == TimelineKind.Note ? EventVisibility.Internal : EventVisibility.ClientVisible;
            db.TimelineEvents.Add(new TimelineEvent(clientId, kind, kind == TimelineKind.ClientMessage ? ActorKind.Client : ActorKind.Officer, null, "webchat", visibility, at));
        }
    }
}

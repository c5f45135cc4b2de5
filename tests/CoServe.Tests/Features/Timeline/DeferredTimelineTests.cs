using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Conversations;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Timeline;

/// <summary>
/// The set-based path of message batches: timeline events stored with one multi-row insert outside change tracking
/// (ids in the order appended, text encrypted as always), and the inbound batch built on it.
/// </summary>
public class DeferredTimelineTests
{
    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task DeferredEvents_GetTheirIdsInTheOrderAppended_AndTheirTextRoundTrips(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var clients = await ClientIdsAsync(s, "P400", "C100");
        await using var scope = s.H.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var timeline = scope.ServiceProvider.GetRequiredService<TimelineWriter>();

        var appended = new List<TimelineEvent>();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            timeline.Defer();
            for (var n = 0; n < 7; n++)
            {
                // Two clients interleaved, with and without text, so that a wrong id order shows in the read-back.
                appended.Add(timeline.Append(clients[n % 2], n % 3 == 0 ? TimelineKind.Note : TimelineKind.ClientMessage, ActorKind.Client, null, "webchat",
                    EventVisibility.ClientVisible, text: n == 4 ? null : $"第{n}条消息", details: new { n }, idempotencyKey: $"k-{n}"));
            }
            Assert.All(appended, e => Assert.Equal(0, e.Id));
            Assert.Empty(db.ChangeTracker.Entries());
            await timeline.StoreAsync(default);
            await tx.CommitAsync();
        }

        Assert.Equal(appended.Select(e => e.Id).Order(), appended.Select(e => e.Id));
        Assert.Equal(7, appended.Select(e => e.Id).Distinct().Count());
        var protector = s.Get<FieldProtector>();
        await using var read = s.NewDb();
        var stored = await read.TimelineEvents.AsNoTracking().Where(e => e.IdempotencyKey != null && e.IdempotencyKey.StartsWith("k-")).ToDictionaryAsync(e => e.Id);
        Assert.Equal(7, stored.Count);
        for (var n = 0; n < 7; n++)
        {
            var e = stored[appended[n].Id];
            Assert.Equal((clients[n % 2], $"k-{n}", $"{{\"n\":{n}}}"), (e.ClientId, e.IdempotencyKey, e.Details));
            Assert.Equal(n == 4 ? null : $"第{n}条消息", protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher));
            Assert.NotEqual(System.Text.Encoding.UTF8.GetBytes($"第{n}条消息"), e.TextCipher);
            Assert.Equal(appended[n].At, e.At);
        }

        // The deferral ends with the store: the next event goes to the caller's unit of work again.
        timeline.Append(clients[0], TimelineKind.Note, ActorKind.System, null, "system", EventVisibility.Internal, text: "之后");
        Assert.Single(db.ChangeTracker.Entries<TimelineEvent>());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ADuplicateKeyInsideOneInsert_FailsAsAUniqueViolation_AndNothingIsWritten(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var client = (await ClientIdsAsync(s, "P400"))[0];
        await using var scope = s.H.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var timeline = scope.ServiceProvider.GetRequiredService<TimelineWriter>();

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            timeline.Defer();
            timeline.Append(client, TimelineKind.ClientMessage, ActorKind.Client, null, "webchat", EventVisibility.ClientVisible, text: "一", idempotencyKey: "webchat:same");
            timeline.Append(client, TimelineKind.ClientMessage, ActorKind.Client, null, "webchat", EventVisibility.ClientVisible, text: "二", idempotencyKey: "webchat:other");
            timeline.Append(client, TimelineKind.ClientMessage, ActorKind.Client, null, "webchat", EventVisibility.ClientVisible, text: "三", idempotencyKey: "webchat:same");
            var ex = await Assert.ThrowsAsync<DbUpdateException>(() => timeline.StoreAsync(default));
            Assert.True(DbErrors.IsUniqueViolation(ex));
        }

        await using var read = s.NewDb();
        Assert.Equal(0, await read.TimelineEvents.CountAsync(e => e.ClientId == client));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task InboundBatch_ARepeatedKeyInTheSameBatch_IsStoredOnce_AndTheConversationCountsEveryMessage(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("C100", "先问一句", key: "before");
        var before = await s.ConversationAsync("C100");
        var at = s.H.Clock.GetUtcNow();
        InboundClientMessage Message(string clientNo, string key, string text) => new("webchat", ClientReferenceKind.ClientNo, clientNo, text, key, at, []);

        s.H.Clock.Advance(TimeSpan.FromMinutes(1));
        var results = await s.H.RunAsync<InboundBatch, InboundResult[]>(b => b.StoreAsync(
            [Message("P400", "a", "第一条"), Message("C100", "b", "第二条"), Message("P400", "a", "第一条"), Message("C100", "c", "第三条"), Message("C100", "before", "重发")],
            default));

        Assert.Equal([InboundOutcome.Stored, InboundOutcome.Stored, InboundOutcome.Duplicate, InboundOutcome.Stored, InboundOutcome.Duplicate], results.Select(r => r.Outcome));
        Assert.Equal(results[0].EventId, results[2].EventId);
        Assert.True(results[0].EventId < results[1].EventId && results[1].EventId < results[3].EventId);
        var protector = s.Get<FieldProtector>();
        await using var db = s.NewDb();
        var texts = await db.TimelineEvents.AsNoTracking().Where(e => e.Kind == TimelineKind.ClientMessage).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["先问一句", "第一条", "第二条", "第三条"], texts.Select(e => protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher)));
        Assert.Equal([results[0].EventId, results[1].EventId, results[3].EventId], texts.Skip(1).Select(e => (long?)e.Id));

        // One work item per stored message, naming it; the existing conversation moved on by two versions, a new one for P400.
        var items = await db.OfficerWorkItems.AsNoTracking().OrderBy(w => w.Id).ToListAsync();
        Assert.Equal(texts.Select(e => e.Id), items.Select(w => w.ClientMessageEventId));
        Assert.Equal(texts.Select(e => e.ConversationId!.Value), items.Select(w => w.ConversationId));
        var after = await s.ConversationAsync("C100");
        Assert.Equal((before.Id, before.Version + 2, s.H.Clock.GetUtcNow()), (after.Id, after.Version, after.LastClientMessageAt));
        var started = await s.ConversationAsync("P400");
        Assert.Equal((ConversationState.AiActive, 2), (started.State, started.Version));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task RowUpdates_MixLiteralsParametersAndNulls_PerColumn_AndSkipAStaleVersion(StoreKind kind)
    {
        // Whole numbers, enums and NULL go into the SQL as literals, text and instants (on PostgreSQL) as parameters;
        // one column may be NULL in one row and a value in the next, and a row whose version moved on is not touched.
        await using var s = await CoServiceScenario.StartAsync(kind);
        var clients = await ClientIdsAsync(s, "P400", "C100", "S300");
        var t0 = new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);
        long[] ids;
        int staffId;
        await using (var db = s.NewDb())
        {
            var conversations = clients.Select(c => new Conversation(c, "rowupdates", t0)).ToList();
            db.Conversations.AddRange(conversations);
            await db.SaveChangesAsync();
            ids = [.. conversations.Select(c => c.Id)];
            staffId = await db.Staff.OrderBy(x => x.Id).Select(x => x.Id).FirstAsync();
        }

        string[] set = [nameof(Conversation.State), nameof(Conversation.ControllerStaffId), nameof(Conversation.Outcome),
            nameof(Conversation.KeepUntil), nameof(Conversation.OpenTicketId), nameof(Conversation.LastActivityAt)];
        var t1 = t0.AddMinutes(5);
        int updated;
        await using (var db = s.NewDb())
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            updated = await RowUpdates.ExecuteAsync<Conversation>(db, set,
            [
                new RowUpdate(ids[0], 0, [ConversationState.HumanActive, staffId, "已解决", t1.AddHours(4), 5_000_000_000L, t1]),
                new RowUpdate(ids[1], 0, [ConversationState.Closed, null, null, null, null, t1]),
                new RowUpdate(ids[2], 3, [ConversationState.Closed, staffId, "不应写入", t1, 1L, t1]),
            ], default);
            await tx.CommitAsync();
        }

        Assert.Equal(2, updated);
        await using var read = s.NewDb();
        var rows = await read.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id);
        Assert.Equal((ConversationState.HumanActive, (int?)staffId, "已解决", (DateTimeOffset?)t1.AddHours(4), (long?)5_000_000_000L, t1),
            (rows[ids[0]].State, rows[ids[0]].ControllerStaffId, rows[ids[0]].Outcome, rows[ids[0]].KeepUntil, rows[ids[0]].OpenTicketId, rows[ids[0]].LastActivityAt));
        Assert.Equal((ConversationState.Closed, (int?)null, (string?)null, (DateTimeOffset?)null, (long?)null, t1),
            (rows[ids[1]].State, rows[ids[1]].ControllerStaffId, rows[ids[1]].Outcome, rows[ids[1]].KeepUntil, rows[ids[1]].OpenTicketId, rows[ids[1]].LastActivityAt));
        Assert.Equal((ConversationState.New, (int?)null, (string?)null, t0), (rows[ids[2]].State, rows[ids[2]].ControllerStaffId, rows[ids[2]].Outcome, rows[ids[2]].LastActivityAt));
    }

    private static async Task<long[]> ClientIdsAsync(CoServiceScenario s, params string[] clientNos)
    {
        await using var db = s.NewDb();
        var ids = await db.Clients.Where(c => clientNos.Contains(c.ClientNo)).ToDictionaryAsync(c => c.ClientNo, c => c.Id);
        return [.. clientNos.Select(n => ids[n])];
    }
}

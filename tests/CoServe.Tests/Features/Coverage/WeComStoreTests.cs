using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Stored;
using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CoServe.Tests.Features.Coverage;

/// <summary>The WeCom adapter's state in the store: a restart (a new service provider over the same store) loses nothing.</summary>
public class WeComStoreTests
{
    private static WeComCallbackMessage Text(string msgId) =>
        new("corp", "wmClient", 1_764_000_000, "text", null, msgId, "你好", null, null, null, null, null, null, null, null, null, null, null, null, null);

    /// <summary>The same services as the harness, built again over the harness's store: a restarted node.</summary>
    private static ServiceProvider Restart(CoreHarness h)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(h.Store.Configuration()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCoServeCore(configuration);
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(h.Clock));
        return services.BuildServiceProvider();
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_AcceptedCallbackSurvivesRestart_RetryIsDuplicate_CrashedWorkerLeaseExpires(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var work = new WeComCallbackWork("main", Text("m1"), now) { Key = Text("m1").DeduplicationKey("main") };
        var queue = h.Services.GetRequiredService<IWeComCallbackQueue>();
        Assert.IsType<StoredWeComCallbackInbox>(queue);
        Assert.Equal(WeComEnqueueResult.Queued, await queue.TryEnqueueAsync(work, CancellationToken.None));
        // WeCom's retry of the same callback: the insert itself says the key is taken.
        Assert.Equal(WeComEnqueueResult.Duplicate, await queue.TryEnqueueAsync(work, CancellationToken.None));

        await using (var node2 = Restart(h))
        {
            var inbox = node2.GetRequiredService<StoredWeComCallbackInbox>();
            Assert.Equal(WeComEnqueueResult.Duplicate, await inbox.TryEnqueueAsync(work, CancellationToken.None));
            Assert.True(await inbox.AnyClaimableAsync(CancellationToken.None)); // what an idle poll looks at before claiming
            var claimed = Assert.Single(await inbox.ClaimAsync(10, CancellationToken.None));
            Assert.Equal(("main", "m1", "你好", now), (claimed.App, claimed.Message.MsgId, claimed.Message.Content, claimed.ReceivedAt));
            // node2 "crashes" here without completing: the callback is leased, nobody else gets it yet.
            Assert.False(await inbox.AnyClaimableAsync(CancellationToken.None));
            Assert.Empty(await inbox.ClaimAsync(10, CancellationToken.None));
        }

        await using var node3 = Restart(h);
        var inbox3 = node3.GetRequiredService<StoredWeComCallbackInbox>();
        Assert.Empty(await inbox3.ClaimAsync(10, CancellationToken.None));
        h.Clock.Advance(TimeSpan.FromSeconds(301));
        Assert.True(await inbox3.AnyClaimableAsync(CancellationToken.None)); // the lease ran out
        var again = Assert.Single(await inbox3.ClaimAsync(10, CancellationToken.None));
        await inbox3.CompleteAsync([again], CancellationToken.None);
        Assert.False(await inbox3.AnyClaimableAsync(CancellationToken.None));
        Assert.Equal(0, await inbox3.PendingAsync(CancellationToken.None));
        Assert.Empty(await inbox3.ClaimAsync(10, CancellationToken.None));
        // Still a duplicate within the window after processing; accepted again only once the window has passed.
        Assert.Equal(WeComEnqueueResult.Duplicate, await inbox3.TryEnqueueAsync(work with { ReceivedAt = h.Clock.GetUtcNow() }, CancellationToken.None));
        Assert.Empty(await inbox3.ClaimAsync(10, CancellationToken.None));
        h.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(WeComEnqueueResult.Queued, await inbox3.TryEnqueueAsync(work with { ReceivedAt = h.Clock.GetUtcNow() }, CancellationToken.None));
        var reused = Assert.Single(await inbox3.ClaimAsync(10, CancellationToken.None));
        Assert.Equal(("m1", h.Clock.GetUtcNow()), (reused.Message.MsgId, reused.ReceivedAt));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_BurstOfCallbacksWithRacingRetries_QueuesEachOnce_AndAnswersEachDuplicate(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var inbox = h.Services.GetRequiredService<StoredWeComCallbackInbox>();
        // 200 callbacks, each arriving three times at once: written together (group commit), queued once each,
        // and exactly one of the three deliveries is told it queued the callback.
        var works = Enumerable.Range(0, 200).Select(i => Text("burst" + i)).Select(m => new WeComCallbackWork("main", m, now) { Key = m.DeduplicationKey("main") }).ToList();
        var all = works.Concat(works).Concat(works).ToList();
        var answers = await Task.WhenAll(all.Select(w => Task.Run(async () => (w.Message.MsgId, Result: await inbox.TryEnqueueAsync(w, CancellationToken.None)))));

        Assert.All(answers.GroupBy(a => a.MsgId), g => Assert.Equal(
            [WeComEnqueueResult.Queued, WeComEnqueueResult.Duplicate, WeComEnqueueResult.Duplicate], g.Select(a => a.Result).Order()));
        Assert.Equal(200, await inbox.PendingAsync(CancellationToken.None));
        var claimed = new List<WeComCallbackWork>();
        while (await inbox.ClaimAsync(64, CancellationToken.None) is { Count: > 0 } page) claimed.AddRange(page);
        Assert.Equal(works.Select(w => w.Message.MsgId).Order(), claimed.Select(c => c.Message.MsgId).Order());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_RoundsOfBurstsOfManySizes_EachCallbackStoredOnceWithItsOwnPayload(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var inbox = h.Services.GetRequiredService<StoredWeComCallbackInbox>();
        // The inserts of each size are prepared once and run again with new values: round after round of bursts of
        // the same sizes, each with a retry inside the burst and a retry of the round before, must store every
        // callback once, with its own text, and answer every retry as a duplicate.
        static WeComCallbackWork Work(string msgId, DateTimeOffset at) =>
            new("main", Text(msgId) with { Content = "text of " + msgId }, at) { Key = Text(msgId).DeduplicationKey("main") };
        var expected = new List<string>();
        var previous = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            var current = new List<string>();
            foreach (var size in new[] { 1, 2, 3, 7, 16, 40, 64, 90 })
            {
                var ids = Enumerable.Range(0, size).Select(i => $"r{round}s{size}n{i}").ToList();
                var retries = ids.Take(1).Concat(previous.Take(1)).ToList();
                var answers = await Task.WhenAll(ids.Concat(retries).Select(id => Task.Run(async () =>
                    (Id: id, Result: await inbox.TryEnqueueAsync(Work(id, now), CancellationToken.None)))));
                Assert.Equal(size, answers.Count(a => a.Result == WeComEnqueueResult.Queued));
                Assert.Equal(ids.Order(), answers.Where(a => a.Result == WeComEnqueueResult.Queued).Select(a => a.Id).Order());
                Assert.Equal(retries.Count, answers.Count(a => a.Result == WeComEnqueueResult.Duplicate));
                current.AddRange(ids);
            }
            expected.AddRange(current);
            previous = current;
        }

        var claimed = new List<WeComCallbackWork>();
        while (await inbox.ClaimAsync(64, CancellationToken.None) is { Count: > 0 } page) claimed.AddRange(page);
        Assert.Equal(expected.Order(), claimed.Select(c => c.Message.MsgId!).Order());
        Assert.All(claimed, c => Assert.Equal("text of " + c.Message.MsgId, c.Message.Content));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_RetryRacingFirstDeliveryOnAnotherNode_QueuedOnce(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var inbox = h.Services.GetRequiredService<StoredWeComCallbackInbox>();
        await using var node2 = Restart(h);
        var other = node2.GetRequiredService<StoredWeComCallbackInbox>();
        // Each callback delivered to two nodes at once (WeCom retried on another connection): separate group
        // commits on separate connections race on the same key.
        var works = Enumerable.Range(0, 100).Select(i => Text("race" + i)).Select(m => new WeComCallbackWork("main", m, now) { Key = m.DeduplicationKey("main") }).ToList();
        var answers = await Task.WhenAll(works.SelectMany(w => new[] { inbox, other }.Select(node =>
            Task.Run(async () => (w.Message.MsgId, Result: await node.TryEnqueueAsync(w, CancellationToken.None))))));

        Assert.All(answers.GroupBy(a => a.MsgId), g => Assert.Equal([WeComEnqueueResult.Queued, WeComEnqueueResult.Duplicate], g.Select(a => a.Result).Order()));
        Assert.Equal(100, await inbox.PendingAsync(CancellationToken.None));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_BatchCompletion_MarksOnlyThatBatchDone_RestartResumesTheRest(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var inbox = h.Services.GetRequiredService<StoredWeComCallbackInbox>();
        for (var i = 0; i < 10; i++)
        {
            var m = Text("b" + i);
            Assert.Equal(WeComEnqueueResult.Queued, await inbox.TryEnqueueAsync(new WeComCallbackWork("main", m, now) { Key = m.DeduplicationKey("main") }, CancellationToken.None));
        }
        var first = await inbox.ClaimAsync(4, CancellationToken.None);
        Assert.Equal(["b0", "b1", "b2", "b3"], first.Select(w => w.Message.MsgId));
        var second = await inbox.ClaimAsync(4, CancellationToken.None);
        Assert.Equal(["b4", "b5", "b6", "b7"], second.Select(w => w.Message.MsgId));
        await inbox.CompleteAsync(first, CancellationToken.None);
        Assert.Equal(6, await inbox.PendingAsync(CancellationToken.None));
        await using (var db = h.NewDb())
        {
            var rows = db.WeComInbox.OrderBy(x => x.Id).ToList();
            Assert.All(rows.Take(4), r => Assert.Equal((WeComInboxState.Done, (string?)null, (DateTimeOffset?)null), (r.State, r.Payload, r.LeaseUntil)));
            Assert.All(rows.Skip(4), r => Assert.Equal(WeComInboxState.Pending, r.State));
        }

        // The node stops with the second batch claimed but not completed: after a restart the rest is handed on
        // at once, the second batch once its lease has run out, and nothing of the completed batch again.
        await using var node2 = Restart(h);
        var inbox2 = node2.GetRequiredService<StoredWeComCallbackInbox>();
        Assert.Equal(["b8", "b9"], (await inbox2.ClaimAsync(10, CancellationToken.None)).Select(w => w.Message.MsgId));
        h.Clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(["b4", "b5", "b6", "b7", "b8", "b9"], (await inbox2.ClaimAsync(10, CancellationToken.None)).Select(w => w.Message.MsgId));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task CursorsTokensDeliveriesAndContacts_SurviveRestart_AndRepeatsAreIdempotent(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var now = h.Clock.GetUtcNow();
        var ct = CancellationToken.None;
        var cursors = h.Services.GetRequiredService<IWeComCursorStore>();
        await cursors.SetAsync("kf:main:wk1", "c1", ct);
        await cursors.SetAsync("kf:main:wk1", "c2", ct);
        await cursors.SetAsync("contacts:main:x", "p1", ct);
        await cursors.SetAsync("contacts:main:x", null, ct);
        var tokens = h.Services.GetRequiredService<IWeComAccessTokenStore>();
        await tokens.SetAsync("main", new WeComAccessToken("t1", now.AddHours(2)), ct);
        await tokens.SetAsync("main", new WeComAccessToken("t2", now.AddHours(2)), ct);
        var ledger = h.Services.GetRequiredService<IWeComDeliveryLedger>();
        await ledger.RecordAsync("out-1", "msg-a", now, ct);
        await ledger.RecordAsync("out-1", "msg-b", now, ct);
        var contacts = h.Services.GetRequiredService<IWeComContactStore>();
        WeComExternalContact C(string follow, string ext) => new(ext, follow, "名字", 1, "备注", ["13900000001"], ["tag1"], now);
        Assert.Equal(2, await contacts.UpsertAsync([C("wx_a", "wm1"), C("wx_b", "wm1")], ct));
        Assert.Equal(1, await contacts.UpsertAsync([C("wx_a", "wm1"), C("wx_a", "wm2")], ct));

        await using var node2 = Restart(h);
        Assert.Equal("c2", await node2.GetRequiredService<IWeComCursorStore>().GetAsync("kf:main:wk1", ct));
        Assert.Null(await node2.GetRequiredService<IWeComCursorStore>().GetAsync("contacts:main:x", ct));
        var tokens2 = node2.GetRequiredService<IWeComAccessTokenStore>();
        Assert.Equal("t2", (await tokens2.GetAsync("main", ct))?.Token);
        // A stale token's removal does not drop the current one.
        await tokens2.RemoveAsync("main", "t1", ct);
        Assert.Equal("t2", (await node2.GetRequiredService<IWeComAccessTokenStore>().GetAsync("main", ct))?.Token);
        Assert.Equal("msg-a", await node2.GetRequiredService<IWeComDeliveryLedger>().FindAsync("out-1", ct));
        Assert.Equal(0, await node2.GetRequiredService<IWeComContactStore>().UpsertAsync([C("wx_b", "wm1")], ct));
        await using var db = h.NewDb();
        var rows = db.WeComContacts.OrderBy(x => x.Id).ToList();
        Assert.Equal(3, rows.Count);
        // The remark mobile is kept only as a blind index.
        Assert.All(rows, r => Assert.DoesNotContain("13900000001", r.RemarkMobileIndexes, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(32, r.RemarkMobileIndexes.Length));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Inbox_ConcurrentClaimers_EachCallbackClaimedOnce(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var inbox = h.Services.GetRequiredService<StoredWeComCallbackInbox>();
        var now = h.Clock.GetUtcNow();
        for (var i = 0; i < 40; i++)
        {
            var m = Text("m" + i);
            Assert.Equal(WeComEnqueueResult.Queued, await inbox.TryEnqueueAsync(new WeComCallbackWork("main", m, now) { Key = m.DeduplicationKey("main") }, CancellationToken.None));
        }
        await using var node2 = Restart(h);
        var other = node2.GetRequiredService<StoredWeComCallbackInbox>();
        var a = Task.Run(async () => { var all = new List<string>(); for (var i = 0; i < 10; i++) all.AddRange((await inbox.ClaimAsync(5, CancellationToken.None)).Select(w => w.Message.MsgId!)); return all; });
        var b = Task.Run(async () => { var all = new List<string>(); for (var i = 0; i < 10; i++) all.AddRange((await other.ClaimAsync(5, CancellationToken.None)).Select(w => w.Message.MsgId!)); return all; });
        var claimed = (await a).Concat(await b).ToList();
        Assert.Equal(40, claimed.Count);
        Assert.Equal(40, claimed.Distinct(StringComparer.Ordinal).Count());
    }
}

using CoServe.Features.Channels;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Features.Conversations;

/// <summary>
/// A channel's rate limit paces the outbox; it never uses up a message's attempts or fails it. Each pass stores every
/// message's delivery state (delivered, retried later, failed, postponed) with one statement.
/// </summary>
public class OutboxThrottlingTests
{
    /// <summary>Accepts <see cref="Allowance"/> messages, then answers "throttled" until given more.</summary>
    private sealed class MeteredChannel : IOutboundChannel
    {
        public int Allowance { get; set; }
        public int Calls { get; private set; }
        public List<long> Delivered { get; } = [];

        public string Channel => "metered";

        public Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct)
        {
            Calls++;
            if (Allowance == 0) return Task.FromResult(new DeliveryResult(DeliveryStatus.Throttled, null, "rate limited", TimeSpan.FromSeconds(2)));
            Allowance--;
            Delivered.Add(message.TimelineEventId);
            return Task.FromResult(new DeliveryResult(DeliveryStatus.Delivered, message.IdempotencyKey, null, null));
        }
    }

    /// <summary>Answers by the message text: "ok" delivered, "later" retry in a minute, anything else a permanent failure.</summary>
    private sealed class ScriptedChannel : IOutboundChannel
    {
        public string Channel => "scripted";

        public Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct) => Task.FromResult(message.Text switch
        {
            "ok" => new DeliveryResult(DeliveryStatus.Delivered, "provider-" + message.IdempotencyKey, null, null),
            "later" => new DeliveryResult(DeliveryStatus.RetryLater, null, "busy", TimeSpan.FromMinutes(1)),
            _ => new DeliveryResult(DeliveryStatus.Failed, null, "recipient unknown", null),
        });
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OnePass_StoresEachMessagesOwnDeliveryState(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind, services: s => s.AddSingleton<IOutboundChannel>(new ScriptedChannel()));
        var start = h.Clock.GetUtcNow();
        var ids = new Dictionary<string, long>();
        await using (var db = h.NewDb())
        {
            var org = await TestOrg.CreateAsync(db);
            var protector = h.Services.GetRequiredService<FieldProtector>();
            var client = await TestOrg.AddClientAsync(db, protector, "P401", org.North, null, start);
            var outbox = new Dictionary<string, OutboxMessage>();
            foreach (var (name, channel, text) in new[] { ("ok", "scripted", "ok"), ("later", "scripted", "later"), ("rejected", "scripted", "no"), ("nowhere", "fax", "ok") })
            {
                var ev = new TimelineEvent(client.Id, TimelineKind.Push, ActorKind.System, null, channel, EventVisibility.ClientVisible, start)
                {
                    TextCipher = protector.Encrypt(ProtectedField.MessageText, text),
                };
                db.TimelineEvents.Add(ev);
                db.Outbox.Add(outbox[name] = new OutboxMessage(client.Id, ev, channel, start));
            }
            await db.SaveChangesAsync();
            foreach (var (name, o) in outbox) ids[name] = o.Id;
        }
        var dispatcher = new OutboxDispatcher(h.Services.GetRequiredService<IServiceScopeFactory>(), h.Services.GetRequiredService<OutboxSignal>(), h.Clock, NullLogger<OutboxDispatcher>.Instance);

        Assert.Equal(4, await dispatcher.DispatchAsync(CancellationToken.None));

        await using (var db = h.NewDb())
        {
            var rows = await db.Outbox.AsNoTracking().ToDictionaryAsync(o => o.Id);
            var ok = rows[ids["ok"]];
            Assert.Equal((OutboxStatus.Delivered, 1, start, $"provider-coserve-{ok.Id}", (string?)null), (ok.Status, ok.Attempts, ok.DeliveredAt, ok.ProviderMessageId, ok.LastError));
            var later = rows[ids["later"]];
            Assert.Equal((OutboxStatus.Pending, 1, start.AddMinutes(1), "busy", (DateTimeOffset?)null), (later.Status, later.Attempts, later.NextAttemptAt, later.LastError, later.DeliveredAt));
            var rejected = rows[ids["rejected"]];
            Assert.Equal((OutboxStatus.Failed, 1, "recipient unknown"), (rejected.Status, rejected.Attempts, rejected.LastError));
            var nowhere = rows[ids["nowhere"]];
            Assert.Equal((OutboxStatus.Failed, 1, "no delivery channel 'fax' is configured"), (nowhere.Status, nowhere.Attempts, nowhere.LastError));
        }

        // Nothing is due until the retry time; then only that message is tried again.
        Assert.Equal(0, await dispatcher.DispatchAsync(CancellationToken.None));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await dispatcher.DispatchAsync(CancellationToken.None));
        await using (var db = h.NewDb())
        {
            var later = await db.Outbox.AsNoTracking().SingleAsync(o => o.Id == ids["later"]);
            Assert.Equal((OutboxStatus.Pending, 2, h.Clock.GetUtcNow().AddMinutes(1)), (later.Status, later.Attempts, later.NextAttemptAt));
        }
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ThrottledChannel_PausesForThePass_NoAttemptCounted_EverythingDeliveredLater(StoreKind kind)
    {
        var channel = new MeteredChannel { Allowance = 3 };
        await using var h = await CoreHarness.StartAsync(kind, services: s => s.AddSingleton<IOutboundChannel>(channel));
        await using (var db = h.NewDb())
        {
            var org = await TestOrg.CreateAsync(db);
            var client = await TestOrg.AddClientAsync(db, h.Services.GetRequiredService<FieldProtector>(), "P400", org.North, null, h.Clock.GetUtcNow());
            for (var i = 0; i < 20; i++)
            {
                var ev = new TimelineEvent(client.Id, TimelineKind.Push, ActorKind.System, null, "metered", EventVisibility.ClientVisible, h.Clock.GetUtcNow());
                db.TimelineEvents.Add(ev);
                db.Outbox.Add(new OutboxMessage(client.Id, ev, "metered", h.Clock.GetUtcNow()));
            }
            await db.SaveChangesAsync();
        }
        var dispatcher = new OutboxDispatcher(h.Services.GetRequiredService<IServiceScopeFactory>(), h.Services.GetRequiredService<OutboxSignal>(), h.Clock, NullLogger<OutboxDispatcher>.Instance);

        await dispatcher.DispatchAsync(CancellationToken.None);
        Assert.Equal(3, channel.Delivered.Count);
        Assert.Equal(4, channel.Calls); // one refusal, then the channel is paused for the rest of the pass
        await using (var db = h.NewDb())
        {
            var waiting = await db.Outbox.Where(o => o.Status == OutboxStatus.Pending).ToListAsync();
            Assert.Equal(17, waiting.Count);
            Assert.All(waiting, o => Assert.Equal(0, o.Attempts));
            Assert.All(waiting, o => Assert.Equal(h.Clock.GetUtcNow().AddSeconds(2), o.NextAttemptAt));
        }

        // Not due yet: nothing is tried. Then ten rounds of a tight limit: more refusals than the attempt limit.
        await dispatcher.DispatchAsync(CancellationToken.None);
        Assert.Equal(4, channel.Calls);
        for (var round = 0; round < 10 && channel.Delivered.Count < 20; round++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(2));
            channel.Allowance = 2;
            await dispatcher.DispatchAsync(CancellationToken.None);
        }

        Assert.Equal(20, channel.Delivered.Distinct().Count());
        await using (var db = h.NewDb())
        {
            Assert.Equal(20, await db.Outbox.CountAsync(o => o.Status == OutboxStatus.Delivered));
            Assert.Equal(0, await db.Outbox.CountAsync(o => o.Status == OutboxStatus.Failed));
        }
    }
}

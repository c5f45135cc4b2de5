using CoServe.Features.Channels;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Features.Conversations;

/// <summary>A channel's rate limit paces the outbox; it never uses up a message's attempts or fails it.</summary>
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

    [Fact]
    public async Task ThrottledChannel_PausesForThePass_NoAttemptCounted_EverythingDeliveredLater()
    {
        var channel = new MeteredChannel { Allowance = 3 };
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite, services: s => s.AddSingleton<IOutboundChannel>(channel));
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

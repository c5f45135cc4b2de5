using CoServe.Data;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Channels;

/// <summary>
/// Delivers outbox messages through their channel, retrying with backoff and honouring the channel's
/// RetryAfter. Each attempt passes the outbox row's key, so a channel that already delivered it does not
/// deliver it twice after a crash between sending and recording. A channel that answers "throttled" is paused for
/// the rest of the pass (its other messages wait too, without being tried), and throttling never uses up a
/// message's attempts: a campaign bursting into a rate limit loses nothing.
/// </summary>
public sealed partial class OutboxDispatcher(IServiceScopeFactory scopes, OutboxSignal signal, TimeProvider clock, ILogger<OutboxDispatcher> logger)
    : SignalledWorker(signal, TimeSpan.FromSeconds(1), logger)
{
    public const int MaxAttempts = 8;

    /// <summary>Messages one pass reads at most.</summary>
    public const int BatchSize = 100;

    // The dispatch's reads, translated once (see HotQuery).
    private static readonly HotQuery<DateTimeOffset, OutboxMessage> DueQuery = new((db, now) => db.Outbox.AsNoTracking()
        .Where(o => o.Status == OutboxStatus.Pending && o.NextAttemptAt <= now).OrderBy(o => o.Id).Take(BatchSize));
    private static readonly HotQuery<List<long>, EventText> EventsQuery = new((db, ids) =>
        db.TimelineEvents.AsNoTracking().Where(e => ids.Contains(e.Id)).Select(e => new EventText(e.Id, e.TextCipher)));
    private static readonly HotQuery<List<long>, Recipient> RecipientsQuery = new((db, ids) =>
        db.Clients.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new Recipient(c.Id, c.ClientNo, c.WeComExternalUserId)));
    private sealed record EventText(long Id, byte[]? TextCipher);
    private sealed record Recipient(long Id, string ClientNo, string? WeComExternalUserId);

    protected override Task<int> RunOnceAsync(CancellationToken ct) => DispatchAsync(ct);

    protected override bool MayHaveMore(int handled) => handled >= BatchSize;

    /// <summary>Delivers what is due now. Public for tests and tools.</summary>
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var protector = sp.GetRequiredService<FieldProtector>();
        var channels = sp.GetServices<IOutboundChannel>().ToDictionary(c => c.Channel, StringComparer.Ordinal);
        var live = sp.GetRequiredService<LiveEvents>();
        var now = clock.GetUtcNow();
        await db.HoldConnectionAsync(ct);
        var due = await DueQuery.ListAsync(db, now, ct);
        if (due.Count == 0) return 0;

        // The batch's messages and recipients in two reads, not two per message.
        var eventIds = due.Select(o => o.TimelineEventId).ToList();
        var events = (await EventsQuery.ListAsync(db, eventIds, ct)).ToDictionary(e => e.Id);
        var clientIds = due.Select(o => o.ClientId).Distinct().ToList();
        var clients = (await RecipientsQuery.ListAsync(db, clientIds, ct)).ToDictionary(c => c.Id);
        var paused = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var o in due)
        {
            if (paused.TryGetValue(o.Channel, out var until))
            {
                o.Postpone(until, "channel throttled");
                continue;
            }
            var (ev, client) = (events[o.TimelineEventId], clients[o.ClientId]);
            if (!channels.TryGetValue(o.Channel, out var channel))
            {
                o.Fail($"no delivery channel '{o.Channel}' is configured");
                continue;
            }
            DeliveryResult result;
            try
            {
                result = await channel.DeliverAsync(new OutboundMessage(ev.Id, o.Channel, client.ClientNo, client.WeComExternalUserId,
                    protector.DecryptOrNull(ProtectedField.MessageText, ev.TextCipher) ?? "", o.IdempotencyKey), ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException)
            {
                result = new DeliveryResult(DeliveryStatus.RetryLater, null, ex.GetType().Name, null);
            }
            switch (result.Status)
            {
                case DeliveryStatus.Delivered:
                    o.Delivered(result.ProviderMessageId, clock.GetUtcNow());
                    break;
                case DeliveryStatus.Throttled:
                    paused[o.Channel] = clock.GetUtcNow() + (result.RetryAfter ?? TimeSpan.FromSeconds(1));
                    o.Postpone(paused[o.Channel], result.Error ?? "channel throttled");
                    break;
                case DeliveryStatus.RetryLater when o.Attempts + 1 < MaxAttempts:
                    o.RetryAt(clock.GetUtcNow() + (result.RetryAfter ?? RetryBackoff.After(o.Attempts)), result.Error);
                    break;
                default:
                    o.Fail(result.Error ?? "delivery failed");
                    break;
            }
            LogDelivery(logger, o.Id, o.Channel, o.Status, o.Attempts);
        }
        await OutboxMessage.StoreDeliveryStateAsync(db, due, ct);
        foreach (var o in due) live.Publish(new TimelineAppended(o.ClientId, o.TimelineEventId, null));
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {OutboxId} via {Channel}: {Status} after {Attempts} attempt(s)")]
    private static partial void LogDelivery(ILogger logger, long outboxId, string channel, OutboxStatus status, int attempts);
}

/// <summary>The web chat reads client-visible events straight from the timeline, so delivery is immediate.</summary>
public sealed class WebChatChannel : IOutboundChannel
{
    public const string Name = "webchat";

    public string Channel => Name;

    public Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct) =>
        Task.FromResult(new DeliveryResult(DeliveryStatus.Delivered, message.IdempotencyKey, null, null));
}

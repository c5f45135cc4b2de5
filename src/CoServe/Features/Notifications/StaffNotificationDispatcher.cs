using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Notifications;

/// <summary>Wakes the staff notification dispatcher when a notification with an extra channel was committed.</summary>
public sealed class StaffNotificationSignal : WorkSignal;

/// <summary>
/// Sends pending staff notification deliveries through their channel (a WeCom app message), oldest first,
/// retrying with backoff and honouring the channel's RetryAfter; woken at once after a commit and polling
/// every few seconds, so deliveries written before a crash go out after the restart.
/// </summary>
public sealed partial class StaffNotificationDispatcher(
    IServiceScopeFactory scopes,
    StaffNotificationSignal signal,
    TimeProvider clock,
    ILogger<StaffNotificationDispatcher> logger) : SignalledWorker(signal, TimeSpan.FromSeconds(2), logger)
{
    public const int MaxAttempts = 8;

    /// <summary>Deliveries one pass reads at most.</summary>
    public const int BatchSize = 100;

    protected override Task<int> RunOnceAsync(CancellationToken ct) => DispatchAsync(ct);

    protected override bool MayHaveMore(int handled) => handled >= BatchSize;

    /// <summary>Sends what is due now (at most <see cref="BatchSize"/>). Public for tests and tools.</summary>
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var channels = sp.GetServices<IStaffNotificationChannel>().ToDictionary(c => c.Name, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var due = await db.StaffNotificationDeliveries
            .Include(d => d.Notification)
            .Where(d => d.Status == StaffDeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.Id)
            .Take(BatchSize)
            .ToListAsync(ct);
        foreach (var d in due)
        {
            if (!channels.TryGetValue(d.Channel, out var channel))
            {
                d.Fail($"the staff notification channel '{d.Channel}' is not enabled");
                continue;
            }
            DeliveryResult result;
            try
            {
                result = await channel.SendAsync(d.Notification!, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException)
            {
                result = new DeliveryResult(DeliveryStatus.RetryLater, null, ex.GetType().Name, null);
            }
            switch (result.Status)
            {
                case DeliveryStatus.Delivered:
                    d.Delivered(result.ProviderMessageId, clock.GetUtcNow());
                    break;
                case DeliveryStatus.RetryLater when d.Attempts + 1 < MaxAttempts:
                    d.RetryAt(clock.GetUtcNow() + (result.RetryAfter ?? RetryBackoff.After(d.Attempts + 1)), result.Error);
                    break;
                default:
                    d.Fail(result.Error ?? "delivery failed");
                    break;
            }
            LogDelivery(logger, d.Id, d.Channel, d.Status, d.Attempts);
            // One row at a time: a crash after a send repeats at most that send, which the channel de-duplicates.
            await db.SaveChangesAsync(ct);
        }
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Staff notification delivery {DeliveryId} via {Channel}: {Status} after {Attempts} attempt(s)")]
    private static partial void LogDelivery(ILogger logger, long deliveryId, string channel, StaffDeliveryStatus status, int attempts);
}

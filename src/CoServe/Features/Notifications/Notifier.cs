using CoServe.Data;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Notifications;

/// <summary>
/// An extra way to reach staff (e.g. a WeCom app message), in addition to the console. Never called inline:
/// <see cref="Notifier"/> writes a <see cref="StaffNotificationDelivery"/> in the caller's unit of work for
/// each channel that <see cref="Accepts"/> the notification, and <see cref="StaffNotificationDispatcher"/>
/// sends it later, with retries. Sending must be idempotent per notification.
/// </summary>
public interface IStaffNotificationChannel
{
    /// <summary>Short name stored with each delivery (at most 24 characters).</summary>
    string Name { get; }

    bool Accepts(NotificationKind kind);

    Task<Channels.DeliveryResult> SendAsync(StaffNotification notification, CancellationToken ct);
}

public sealed record NotificationView(long Id, NotificationKind Kind, string Text, string? Link, DateTimeOffset CreatedAt, bool Read);

/// <summary>
/// Writes notifications as part of the caller's unit of work, then pushes them live and to the extra channels
/// once the caller has committed (<see cref="FlushAsync"/>).
/// </summary>
public sealed class Notifier(CoServeDb db, LiveEvents live, IEnumerable<IStaffNotificationChannel> channels, StaffNotificationSignal signal, TimeProvider clock)
{
    private readonly List<StaffNotification> _pending = [];

    public void Add(int staffId, NotificationKind kind, string text, string? link, long? clientId = null, long? ticketId = null)
    {
        var n = new StaffNotification(staffId, kind, text, link, clientId, ticketId, clock.GetUtcNow());
        db.Add(n);
        foreach (var channel in channels)
        {
            if (channel.Accepts(kind)) db.Add(new StaffNotificationDelivery(n, channel.Name, n.CreatedAt));
        }
        _pending.Add(n);
    }

    /// <summary>Call after SaveChanges/commit: pushes the notifications live and wakes the dispatcher of the extra channels.</summary>
    public Task FlushAsync(CancellationToken ct)
    {
        var sent = _pending.ToList();
        _pending.Clear();
        foreach (var n in sent) live.Publish(new NotificationAdded(n.StaffId));
        if (sent.Count > 0 && channels.Any()) signal.Notify();
        return Task.CompletedTask;
    }

    public async Task<(int Unread, IReadOnlyList<NotificationView> Latest)> ListAsync(int staffId, int take, CancellationToken ct)
    {
        var unread = await db.Set<StaffNotification>().CountAsync(n => n.StaffId == staffId && n.ReadAt == null, ct);
        var latest = await db.Set<StaffNotification>().AsNoTracking()
            .Where(n => n.StaffId == staffId)
            .OrderByDescending(n => n.Id)
            .Take(take)
            .Select(n => new NotificationView(n.Id, n.Kind, n.Text, n.Link, n.CreatedAt, n.ReadAt != null))
            .ToListAsync(ct);
        return (unread, latest);
    }

    public async Task MarkAllReadAsync(int staffId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Set<StaffNotification>().Where(n => n.StaffId == staffId && n.ReadAt == null).ToListAsync(ct);
        foreach (var n in rows) n.MarkRead(now);
        await db.SaveChangesAsync(ct);
    }
}

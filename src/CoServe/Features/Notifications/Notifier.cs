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
/// once the caller has committed (<see cref="FlushAsync"/>). Callers that write set-based (<see cref="Defer"/>)
/// store a unit of work's notifications with one multi-row insert instead of one per notification.
/// </summary>
public sealed class Notifier(CoServeDb db, LiveEvents live, IEnumerable<IStaffNotificationChannel> channels, StaffNotificationSignal signal, TimeProvider clock)
{
    private static readonly string[] Columns =
    [
        nameof(StaffNotification.StaffId), nameof(StaffNotification.Kind), nameof(StaffNotification.Text), nameof(StaffNotification.Link),
        nameof(StaffNotification.ClientId), nameof(StaffNotification.TicketId), nameof(StaffNotification.CreatedAt),
    ];

    private static readonly string[] DeliveryColumns =
    [
        nameof(StaffNotificationDelivery.NotificationId), nameof(StaffNotificationDelivery.Channel), nameof(StaffNotificationDelivery.Status),
        nameof(StaffNotificationDelivery.Attempts), nameof(StaffNotificationDelivery.CreatedAt), nameof(StaffNotificationDelivery.NextAttemptAt),
    ];

    private readonly List<StaffNotification> _pending = [];
    private readonly List<(StaffNotification Notification, List<string>? Channels)> _deferred = [];
    private bool _defer;
    private bool _deliveriesAdded;

    /// <summary>
    /// Until <see cref="StoreAsync"/>, added notifications are not put in the change tracker: the caller stores them
    /// with that call inside its transaction (a handoff to a team notifies every member: one officer batch can add dozens).
    /// </summary>
    public void Defer() => _defer = true;

    public void Add(int staffId, NotificationKind kind, string text, string? link, long? clientId = null, long? ticketId = null)
    {
        var n = new StaffNotification(staffId, kind, text, link, clientId, ticketId, clock.GetUtcNow());
        // Usually no extra channel takes it (WeCom app messages off): no list then, a team handoff adds one per member.
        List<string>? accepting = null;
        foreach (var channel in channels)
        {
            if (channel.Accepts(kind)) (accepting ??= []).Add(channel.Name);
        }
        _deliveriesAdded |= accepting is not null;
        if (_defer)
        {
            _deferred.Add((n, accepting));
        }
        else
        {
            db.Add(n);
            foreach (var channel in accepting ?? []) db.Add(new StaffNotificationDelivery(n, channel, n.CreatedAt));
        }
        _pending.Add(n);
    }

    /// <summary>
    /// Inserts the deferred notifications, then their extra-channel deliveries, with one multi-row statement each in
    /// the caller's open transaction; notifications added after this go to the change tracker again.
    /// </summary>
    public async Task StoreAsync(CancellationToken ct)
    {
        _defer = false;
        if (_deferred.Count == 0) return;
        var ids = await RowUpdates.InsertAsync<StaffNotification>(db, Columns,
            _deferred.ConvertAll(d => new object?[] { d.Notification.StaffId, d.Notification.Kind, d.Notification.Text, d.Notification.Link, d.Notification.ClientId, d.Notification.TicketId, d.Notification.CreatedAt }), ct);
        var deliveries = _deferred.SelectMany((d, i) => (d.Channels ?? []).Select(channel => new object?[]
        {
            ids[i], channel, StaffDeliveryStatus.Pending, 0, d.Notification.CreatedAt, d.Notification.CreatedAt,
        })).ToList();
        if (deliveries.Count > 0) await RowUpdates.InsertAsync<StaffNotificationDelivery>(db, DeliveryColumns, deliveries, ct);
        _deferred.Clear();
    }

    /// <summary>Call after SaveChanges/commit: pushes the notifications live and wakes the dispatcher of the extra channels.</summary>
    public Task FlushAsync(CancellationToken ct)
    {
        var sent = _pending.ToList();
        _pending.Clear();
        foreach (var n in sent) live.Publish(new NotificationAdded(n.StaffId));
        // The dispatcher only has work when an extra channel took a notification (WeCom app messages switched on).
        if (_deliveriesAdded) signal.Notify();
        _deliveriesAdded = false;
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

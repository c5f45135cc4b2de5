using CoServe.Data;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Notifications;

/// <summary>An extra way to reach staff (e.g. a WeCom app message), in addition to the console.</summary>
public interface IStaffNotificationChannel
{
    Task SendAsync(StaffNotification notification, CancellationToken ct);
}

public sealed record NotificationView(long Id, NotificationKind Kind, string Text, string? Link, DateTimeOffset CreatedAt, bool Read);

/// <summary>
/// Writes notifications as part of the caller's unit of work, then pushes them live and to the extra channels
/// once the caller has committed (<see cref="FlushAsync"/>).
/// </summary>
public sealed class Notifier(CoServeDb db, LiveEvents live, IEnumerable<IStaffNotificationChannel> channels, TimeProvider clock)
{
    private readonly List<StaffNotification> _pending = [];

    public void Add(int staffId, NotificationKind kind, string text, string? link, long? clientId = null, long? ticketId = null)
    {
        var n = new StaffNotification(staffId, kind, text, link, clientId, ticketId, clock.GetUtcNow());
        db.Add(n);
        _pending.Add(n);
    }

    /// <summary>Call after SaveChanges/commit: a failing extra channel never undoes the stored notification.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var sent = _pending.ToList();
        _pending.Clear();
        foreach (var n in sent)
        {
            live.Publish(new NotificationAdded(n.StaffId));
            foreach (var channel in channels) await channel.SendAsync(n, ct);
        }
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

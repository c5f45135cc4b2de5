using System.Collections.Concurrent;
using CoServe.Platform.Live;

namespace CoServe.Features.Organization;

public enum PresenceStatus
{
    Offline = 0,
    Online = 1,
    /// <summary>Connected but not taking new handoffs.</summary>
    Away = 2,
}

/// <summary>
/// Who is at the console right now: open console connections per staff member, plus the status they chose.
/// Routing gives new handoffs only to people who are online; someone disconnected longer than the grace
/// period loses their waiting handoffs to a colleague. Kept per node (see LiveEvents for the multi-node note).
/// </summary>
public sealed class StaffPresence(TimeProvider clock, LiveEvents live)
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();

    private sealed class Entry
    {
        public int Connections;
        public PresenceStatus Chosen = PresenceStatus.Online;
        public DateTimeOffset ChangedAt;
    }

    public void Connected(int staffId)
    {
        var e = _entries.GetOrAdd(staffId, _ => new Entry());
        lock (e)
        {
            e.Connections++;
            e.ChangedAt = clock.GetUtcNow();
        }
        live.Publish(new NotificationAdded(staffId));
    }

    public void Disconnected(int staffId)
    {
        if (!_entries.TryGetValue(staffId, out var e)) return;
        lock (e)
        {
            e.Connections = Math.Max(0, e.Connections - 1);
            e.ChangedAt = clock.GetUtcNow();
        }
    }

    public void Choose(int staffId, PresenceStatus status)
    {
        var e = _entries.GetOrAdd(staffId, _ => new Entry());
        lock (e)
        {
            e.Chosen = status;
            e.ChangedAt = clock.GetUtcNow();
        }
    }

    public PresenceStatus StatusOf(int staffId)
    {
        if (!_entries.TryGetValue(staffId, out var e)) return PresenceStatus.Offline;
        lock (e) return e.Connections == 0 ? PresenceStatus.Offline : e.Chosen;
    }

    public bool IsAvailable(int staffId) => StatusOf(staffId) == PresenceStatus.Online;

    /// <summary>Offline for longer than <paramref name="grace"/> (never-seen counts as offline).</summary>
    public bool IsGone(int staffId, TimeSpan grace)
    {
        if (!_entries.TryGetValue(staffId, out var e)) return true;
        lock (e) return e.Connections == 0 && clock.GetUtcNow() - e.ChangedAt >= grace;
    }
}

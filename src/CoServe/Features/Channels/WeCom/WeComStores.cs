using System.Collections.Concurrent;

namespace CoServe.Features.Channels.WeCom;

// State the WeCom adapter keeps. Each store is a small interface with an in-memory implementation so that
// a database-backed one (shared by several nodes) can replace it without touching the adapter.

/// <summary>Sync positions: the kf/sync_msg cursor per open_kfid, contact-sync cursors per staff batch.</summary>
public interface IWeComCursorStore
{
    ValueTask<string?> GetAsync(string key, CancellationToken ct);
    ValueTask SetAsync(string key, string? cursor, CancellationToken ct);
}

public sealed record WeComAccessToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>Access tokens per app; shared between nodes in production because gettoken is itself rate-limited.</summary>
public interface IWeComAccessTokenStore
{
    ValueTask<WeComAccessToken?> GetAsync(string app, CancellationToken ct);
    ValueTask SetAsync(string app, WeComAccessToken token, CancellationToken ct);
    /// <summary>Removes the token only if it is still the given one, so one expiry causes one refresh.</summary>
    ValueTask RemoveAsync(string app, string token, CancellationToken ct);
}

/// <summary>When each customer was transferred (在职继承), for the 2-in-90-days rule.</summary>
public interface IWeComTransferHistory
{
    ValueTask<int> CountSinceAsync(string externalUserId, DateTimeOffset since, CancellationToken ct);
    ValueTask RecordAsync(string externalUserId, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct);

    /// <summary>Transfers since an instant of each of many customers (a stored history answers in one query per thousand).</summary>
    async ValueTask<IReadOnlyDictionary<string, int>> CountsSinceAsync(IReadOnlyCollection<string> externalUserIds, DateTimeOffset since, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in externalUserIds) counts[id] = await CountSinceAsync(id, since, ct);
        return counts;
    }

    /// <summary>Records the transfers one call started (a stored history writes them in one transaction).</summary>
    async ValueTask RecordManyAsync(IReadOnlyList<string> externalUserIds, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct)
    {
        foreach (var id in externalUserIds) await RecordAsync(id, handoverUserId, takeoverUserId, at, ct);
    }
}

/// <summary>Group messages (群发) each customer received per cap period.</summary>
public interface IWeComGroupMessageLedger
{
    /// <summary>Counts one message for the customer in the period if it stays within the cap; atomically.</summary>
    ValueTask<bool> TryReserveAsync(string externalUserId, string periodKey, int cap, CancellationToken ct);
    ValueTask ReleaseAsync(string externalUserId, string periodKey, CancellationToken ct);
}

/// <summary>Outbound messages already delivered, by the core's idempotency key, with WeCom's msgid.</summary>
public interface IWeComDeliveryLedger
{
    ValueTask<string?> FindAsync(string idempotencyKey, CancellationToken ct);
    ValueTask RecordAsync(string idempotencyKey, string providerMessageId, DateTimeOffset at, CancellationToken ct);
}

/// <summary>One external contact as one staff member follows it (a customer followed by two staff is two rows).</summary>
public sealed record WeComExternalContact(
    string ExternalUserId,
    string FollowUserId,
    string? Name,
    int Type,
    string? Remark,
    IReadOnlyList<string> RemarkMobiles,
    IReadOnlyList<string> TagIds,
    DateTimeOffset? AddedAt);

/// <summary>External contacts synced from WeCom, keyed by (follow user, external user).</summary>
public interface IWeComContactStore
{
    /// <summary>Inserts or updates; returns how many were new.</summary>
    ValueTask<int> UpsertAsync(IReadOnlyList<WeComExternalContact> contacts, CancellationToken ct);
}

/// <summary>Callbacks already accepted by the in-memory queue, so WeCom's retries (and replays) are queued once.</summary>
internal sealed class InMemoryCallbackDeduplication(int windowSeconds)
{
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly TimeSpan _window = TimeSpan.FromSeconds(windowSeconds);
    private long _nextSweep;

    /// <summary>True when the key was not seen within the window and is now claimed.</summary>
    public bool TryClaim(string key, DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        if (nowTicks >= Interlocked.Read(ref _nextSweep)) Sweep(nowTicks);
        var expires = nowTicks + _window.Ticks;
        while (true)
        {
            if (_seen.TryAdd(key, expires)) return true;
            if (!_seen.TryGetValue(key, out var old)) continue;
            if (old > nowTicks) return false;
            if (_seen.TryUpdate(key, expires, old)) return true;
        }
    }

    /// <summary>Gives a claim back when the callback could not be queued, so WeCom's retry is accepted.</summary>
    public void Release(string key) => _seen.TryRemove(key, out _);

    private void Sweep(long nowTicks)
    {
        // One sweep per tenth of the window keeps memory bounded without a timer.
        Interlocked.Exchange(ref _nextSweep, nowTicks + (_window.Ticks / 10));
        foreach (var (key, expires) in _seen)
        {
            if (expires <= nowTicks) _seen.TryRemove(new KeyValuePair<string, long>(key, expires));
        }
    }
}

internal sealed class InMemoryCursorStore : IWeComCursorStore
{
    private readonly ConcurrentDictionary<string, string> _cursors = new(StringComparer.Ordinal);

    public ValueTask<string?> GetAsync(string key, CancellationToken ct) =>
        ValueTask.FromResult(_cursors.TryGetValue(key, out var c) ? c : null);

    public ValueTask SetAsync(string key, string? cursor, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(cursor)) _cursors.TryRemove(key, out _);
        else _cursors[key] = cursor;
        return ValueTask.CompletedTask;
    }
}

internal sealed class InMemoryAccessTokenStore : IWeComAccessTokenStore
{
    private readonly ConcurrentDictionary<string, WeComAccessToken> _tokens = new(StringComparer.Ordinal);

    public ValueTask<WeComAccessToken?> GetAsync(string app, CancellationToken ct) => ValueTask.FromResult(_tokens.TryGetValue(app, out var t) ? t : null);

    public ValueTask SetAsync(string app, WeComAccessToken token, CancellationToken ct)
    {
        _tokens[app] = token;
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string app, string token, CancellationToken ct)
    {
        if (_tokens.TryGetValue(app, out var current) && current.Token == token)
        {
            _tokens.TryRemove(new KeyValuePair<string, WeComAccessToken>(app, current));
        }
        return ValueTask.CompletedTask;
    }
}

internal sealed class InMemoryTransferHistory : IWeComTransferHistory
{
    private readonly ConcurrentDictionary<string, List<DateTimeOffset>> _transfers = new(StringComparer.Ordinal);

    public ValueTask<int> CountSinceAsync(string externalUserId, DateTimeOffset since, CancellationToken ct)
    {
        if (!_transfers.TryGetValue(externalUserId, out var list)) return ValueTask.FromResult(0);
        lock (list) return ValueTask.FromResult(list.Count(t => t >= since));
    }

    public ValueTask RecordAsync(string externalUserId, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct)
    {
        var list = _transfers.GetOrAdd(externalUserId, _ => []);
        lock (list) list.Add(at);
        return ValueTask.CompletedTask;
    }
}

internal sealed class InMemoryGroupMessageLedger : IWeComGroupMessageLedger
{
    private readonly Dictionary<(string, string), int> _counts = [];
    private readonly Lock _gate = new();

    public ValueTask<bool> TryReserveAsync(string externalUserId, string periodKey, int cap, CancellationToken ct)
    {
        lock (_gate)
        {
            var key = (externalUserId, periodKey);
            var n = _counts.GetValueOrDefault(key);
            if (n >= cap) return ValueTask.FromResult(false);
            _counts[key] = n + 1;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ReleaseAsync(string externalUserId, string periodKey, CancellationToken ct)
    {
        lock (_gate)
        {
            var key = (externalUserId, periodKey);
            if (_counts.TryGetValue(key, out var n) && n > 0) _counts[key] = n - 1;
        }
        return ValueTask.CompletedTask;
    }
}

internal sealed class InMemoryDeliveryLedger : IWeComDeliveryLedger
{
    private readonly ConcurrentDictionary<string, string> _sent = new(StringComparer.Ordinal);

    public ValueTask<string?> FindAsync(string idempotencyKey, CancellationToken ct) =>
        ValueTask.FromResult(_sent.TryGetValue(idempotencyKey, out var id) ? id : null);

    public ValueTask RecordAsync(string idempotencyKey, string providerMessageId, DateTimeOffset at, CancellationToken ct)
    {
        _sent.TryAdd(idempotencyKey, providerMessageId);
        return ValueTask.CompletedTask;
    }
}

internal sealed class InMemoryContactStore : IWeComContactStore
{
    private readonly ConcurrentDictionary<(string FollowUserId, string ExternalUserId), WeComExternalContact> _contacts = new();

    public int Count => _contacts.Count;

    public IReadOnlyCollection<WeComExternalContact> All => [.. _contacts.Values];

    public ValueTask<int> UpsertAsync(IReadOnlyList<WeComExternalContact> contacts, CancellationToken ct)
    {
        var added = 0;
        foreach (var c in contacts)
        {
            var isNew = true;
            _contacts.AddOrUpdate((c.FollowUserId, c.ExternalUserId), c, (_, _) => { isNew = false; return c; });
            if (isNew) added++;
        }
        return ValueTask.FromResult(added);
    }
}

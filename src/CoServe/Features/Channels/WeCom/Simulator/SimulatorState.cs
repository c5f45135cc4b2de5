using System.Globalization;
using System.Text;
using CoServe.Platform.Time;

namespace CoServe.Features.Channels.WeCom.Simulator;

public sealed record SimKfMessage(string MsgId, string OpenKfId, string ExternalUserId, long SendTime, string MsgType, string? Text, string? MediaId);

public sealed record SimDeliveredMessage(string MsgId, string OpenKfId, string ToUser, string Text, DateTimeOffset At);

public sealed record SimContact(string ExternalUserId, string Name, string Remark, string Mobile, long CreateTime);

public sealed class SimTransfer
{
    public required string ExternalUserId { get; init; }
    public required string Handover { get; init; }
    public required string Takeover { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required bool Resigned { get; init; }
    public int Status { get; set; } = 2;
    public DateTimeOffset? TakeoverTime { get; set; }
}

/// <summary>An application message (message/send) delivered to one staff member.</summary>
public sealed record SimAppMessage(string MsgId, string ToUser, string MsgType, string? Title, string Text, string? Url, DateTimeOffset At);

public sealed record SimGroupMessage(string MsgId, string? Sender, IReadOnlyList<string> Recipients, string Text, DateTimeOffset At);

/// <summary>
/// Everything the simulator knows, behind one lock: it serves a handful of concurrent calls, and one lock
/// keeps WeCom's rules (transfers, caps, cursors) easy to read and check.
/// </summary>
public sealed class SimulatorState
{
    public const int TakeoverHours = 24;
    public const int TransferWindowDays = 90;
    public const int MaxTransfersInWindow = 2;
    public const int KfReplyWindowHours = 48;
    public const int KfRepliesPerClientMessage = 5;

    private readonly Lock _gate = new();
    private readonly SimulatorOptions _options;
    private readonly SimulatorClock _clock;

    // tokens
    private string? _accessToken;
    private DateTimeOffset _accessTokenExpires;
    private readonly Dictionary<string, DateTimeOffset> _syncTokens = new(StringComparer.Ordinal);

    // faults and limits
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Minute, int Count)> _windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _rateLimits = new(StringComparer.Ordinal);
    private readonly List<(string? Path, int ErrCode)> _forcedErrors = [];
    private int _forced5xx;
    private int _fail5xxAfterCalls = -1;

    // kf
    private readonly Dictionary<string, List<SimKfMessage>> _kf = new(StringComparer.Ordinal);
    private readonly List<SimDeliveredMessage> _delivered = [];
    private readonly Dictionary<(string Kf, string User), (int State, string? Servicer)> _serviceStates = [];
    private long _nextId;

    // contacts, transfers, group messages
    private readonly SortedDictionary<string, List<SimContact>> _contacts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resigned = new(StringComparer.Ordinal);
    private readonly List<SimTransfer> _transfers = [];
    private readonly HashSet<string> _willRefuse = new(StringComparer.Ordinal);
    private readonly HashSet<string> _atCapacity = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), int> _groupCounts = [];
    private readonly List<SimGroupMessage> _groupMessages = [];
    private readonly List<SimAppMessage> _appMessages = [];

    public SimulatorState(SimulatorOptions options, SimulatorClock clock)
    {
        _options = options;
        _clock = clock;
        for (var u = 1; u <= options.StaffUsers; u++) AddContacts(StaffUserId(u), options.ContactsPerUser);
    }

    public SimulatorOptions Options => _options;

    public static string StaffUserId(int n) => string.Create(CultureInfo.InvariantCulture, $"cm{n:0000}");

    private long Now => _clock.GetUtcNow().ToUnixTimeSeconds();

    private string NextId(string prefix)
    {
        var n = Interlocked.Increment(ref _nextId);
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}{_clock.GetUtcNow().ToUnixTimeMilliseconds():x}{n:x6}");
    }

    // ---------------------------------------------------------------- control

    public void AddContacts(string userId, int count)
    {
        lock (_gate)
        {
            if (!_contacts.TryGetValue(userId, out var list)) _contacts[userId] = list = [];
            var start = list.Count;
            for (var i = start; i < start + count; i++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"wmSim{userId}x{i:000000}");
                list.Add(new SimContact(id, string.Create(CultureInfo.InvariantCulture, $"客户{userId}-{i}"),
                    string.Create(CultureInfo.InvariantCulture, $"备注{i}"),
                    string.Create(CultureInfo.InvariantCulture, $"139{(Math.Abs(id.GetHashCode(StringComparison.Ordinal)) % 100_000_000):00000000}"),
                    Now - 86_400));
            }
        }
    }

    /// <summary>Adds (or replaces) one member's follow of a customer, with the remark mobile the member set.</summary>
    public void AddContact(string userId, string externalUserId, string remarkMobile)
    {
        lock (_gate)
        {
            if (!_contacts.TryGetValue(userId, out var list)) _contacts[userId] = list = [];
            list.RemoveAll(c => c.ExternalUserId == externalUserId);
            list.Add(new SimContact(externalUserId, "客户" + externalUserId, "备注", remarkMobile, Now));
        }
    }

    /// <summary>The member no longer follows the customer (as after del_external_contact).</summary>
    public void RemoveContact(string userId, string externalUserId)
    {
        lock (_gate)
        {
            if (_contacts.TryGetValue(userId, out var list)) list.RemoveAll(c => c.ExternalUserId == externalUserId);
        }
    }

    public int ContactCount { get { lock (_gate) return _contacts.Values.Sum(l => l.Count); } }

    public void ExpireTokens()
    {
        lock (_gate) _accessTokenExpires = _clock.GetUtcNow().AddSeconds(-1);
    }

    /// <summary>The next <paramref name="count"/> calls to the path (or to any API when null) answer errcode.</summary>
    public void ForceError(string? path, int errCode, int count)
    {
        lock (_gate) for (var i = 0; i < count; i++) _forcedErrors.Add((path, errCode));
    }

    public void Force5xx(int count)
    {
        lock (_gate) _forced5xx += count;
    }

    /// <summary>After this many more API calls every call answers 500 until cleared (an outage mid-sync).</summary>
    public void FailAfter(int calls)
    {
        lock (_gate) _fail5xxAfterCalls = calls;
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _forcedErrors.Clear();
            _forced5xx = 0;
            _fail5xxAfterCalls = -1;
        }
    }

    public void SetRateLimit(string path, int perMinute)
    {
        lock (_gate) _rateLimits[path] = perMinute;
    }

    public IReadOnlyDictionary<string, int> Calls { get { lock (_gate) return new Dictionary<string, int>(_calls, StringComparer.Ordinal); } }

    public int CallCount(string path) { lock (_gate) return _calls.GetValueOrDefault(path); }

    public IReadOnlyList<SimDeliveredMessage> Delivered { get { lock (_gate) return [.. _delivered]; } }

    public IReadOnlyList<SimAppMessage> AppMessages { get { lock (_gate) return [.. _appMessages]; } }

    public IReadOnlyList<SimGroupMessage> GroupMessages { get { lock (_gate) return [.. _groupMessages]; } }

    public IReadOnlyList<SimTransfer> Transfers { get { lock (_gate) { Settle(); return [.. _transfers]; } } }

    public void Resign(string userId)
    {
        lock (_gate) _resigned.Add(userId);
    }

    public void WillRefuse(string externalUserId)
    {
        lock (_gate) _willRefuse.Add(externalUserId);
    }

    public void AtCapacity(string externalUserId)
    {
        lock (_gate) _atCapacity.Add(externalUserId);
    }

    /// <summary>The customer refuses a pending transfer now; returns the takeover member for the transfer_fail callback.</summary>
    public string? Refuse(string externalUserId)
    {
        lock (_gate)
        {
            Settle();
            var t = _transfers.LastOrDefault(t => t.ExternalUserId == externalUserId && t.Status == 2);
            if (t is null) return null;
            t.Status = 3;
            return t.Takeover;
        }
    }

    /// <summary>A client writes to the kf account; returns the msgid and the sync token of the callback.</summary>
    public (SimKfMessage Message, string SyncToken) ClientSays(string externalUserId, string openKfId, string msgType, string? text)
    {
        lock (_gate)
        {
            var m = new SimKfMessage(NextId("msgSim"), openKfId, externalUserId, Now, msgType, text, msgType == "text" ? null : NextId("media"));
            if (!_kf.TryGetValue(openKfId, out var list)) _kf[openKfId] = list = [];
            list.Add(m);
            var token = "ENCSim" + NextId("");
            _syncTokens[token] = _clock.GetUtcNow().AddMinutes(10);
            return (m, token);
        }
    }

    public string NewAppMessageId() => string.Create(CultureInfo.InvariantCulture, $"{7_000_000_000_000_000_000L + Interlocked.Increment(ref _nextId)}");

    // ---------------------------------------------------------------- gate for every API call

    /// <summary>Counts the call and applies outage, forced errors, token checks and the rate limit; null = go on.</summary>
    public (int Http, int ErrCode)? Admit(string path, string? accessToken, bool needsToken)
    {
        lock (_gate)
        {
            _calls[path] = _calls.GetValueOrDefault(path) + 1;
            if (_fail5xxAfterCalls == 0) return (500, 0);
            if (_fail5xxAfterCalls > 0) _fail5xxAfterCalls--;
            if (_forced5xx > 0)
            {
                _forced5xx--;
                return (502, 0);
            }
            var forced = _forcedErrors.FindIndex(f => f.Path is null || f.Path == path);
            if (forced >= 0)
            {
                var code = _forcedErrors[forced].ErrCode;
                _forcedErrors.RemoveAt(forced);
                // A forced token error also ends the token, as WeCom's would: only a refresh gets a working one.
                if (code is SimulatorErrors.AccessTokenExpired or SimulatorErrors.InvalidAccessToken) _accessTokenExpires = _clock.GetUtcNow().AddSeconds(-1);
                return (200, code);
            }
            if (needsToken)
            {
                if (string.IsNullOrEmpty(accessToken)) return (200, SimulatorErrors.MissingAccessToken);
                if (accessToken != _accessToken) return (200, SimulatorErrors.InvalidAccessToken);
                if (_clock.GetUtcNow() >= _accessTokenExpires) return (200, SimulatorErrors.AccessTokenExpired);
            }
            var limit = _rateLimits.TryGetValue(path, out var l) ? l : _options.RateLimitPerMinute;
            var minute = Now / 60;
            var (windowMinute, count) = _windows.GetValueOrDefault(path);
            count = windowMinute == minute ? count + 1 : 1;
            _windows[path] = (minute, count);
            return count > limit ? (200, SimulatorErrors.ApiFrequencyLimit) : null;
        }
    }

    // ---------------------------------------------------------------- APIs

    public (int ErrCode, string? Token, int ExpiresIn) GetToken(string? corpId, string? secret)
    {
        lock (_gate)
        {
            if (corpId != _options.CorpId) return (SimulatorErrors.InvalidCorpId, null, 0);
            if (secret != _options.Secret) return (SimulatorErrors.InvalidSecret, null, 0);
            var now = _clock.GetUtcNow();
            // Like WeCom: the same token while it is valid, a new one after it expired.
            if (_accessToken is null || now >= _accessTokenExpires)
            {
                _accessToken = "simtok" + NextId("");
                _accessTokenExpires = now.AddSeconds(_options.TokenLifetimeSeconds);
            }
            return (0, _accessToken, (int)Math.Max(1, (_accessTokenExpires - now).TotalSeconds));
        }
    }

    public (int ErrCode, IReadOnlyList<SimKfMessage> Messages, string NextCursor, bool HasMore) SyncMessages(string? openKfId, string? cursor, string? token, int limit)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(openKfId) || openKfId != _options.OpenKfId) return (SimulatorErrors.InvalidOpenKfId, [], "", false);
            if (limit is < 0 or > 1000) return (SimulatorErrors.InvalidParameter, [], "", false);
            if (limit == 0) limit = 1000;
            if (!string.IsNullOrEmpty(token) && (!_syncTokens.TryGetValue(token, out var until) || _clock.GetUtcNow() > until))
            {
                return (SimulatorErrors.InvalidSyncToken, [], "", false);
            }
            var start = 0;
            if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, "kf", out start)) return (SimulatorErrors.InvalidParameter, [], "", false);
            var list = _kf.GetValueOrDefault(openKfId) ?? [];
            start = Math.Min(start, list.Count);
            var page = list.Skip(start).Take(limit).ToList();
            var next = start + page.Count;
            return (0, page, EncodeCursor("kf", next), next < list.Count);
        }
    }

    /// <summary>
    /// message/send to staff: the agent must be the app's, recipients must be known staff users (those with a
    /// contact list here); unknown ones come back in invaliduser, all unknown is 81013. With the duplicate check
    /// on, the same content to the same user within the interval is not delivered again (same msgid).
    /// </summary>
    public (int ErrCode, string? MsgId, string InvalidUsers) SendAppMessage(string? toUsers, string? msgType, string? agentId, string? title, string? text, string? url, bool duplicateCheck, int intervalSeconds)
    {
        lock (_gate)
        {
            if (agentId != _options.AgentId) return (SimulatorErrors.InvalidAgentId, null, "");
            if (msgType is not ("text" or "textcard") || string.IsNullOrEmpty(text)) return (SimulatorErrors.InvalidParameter, null, "");
            if (msgType == "text" && Encoding.UTF8.GetByteCount(text) > 2048) return (SimulatorErrors.InvalidParameter, null, "");
            var badCard = msgType == "textcard" && (string.IsNullOrEmpty(title) || Encoding.UTF8.GetByteCount(title) > 128
                || Encoding.UTF8.GetByteCount(text) > 512 || string.IsNullOrEmpty(url) || url.Length > 2048);
            if (badCard) return (SimulatorErrors.InvalidParameter, null, "");
            var users = (toUsers ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries);
            var invalid = users.Where(u => !_contacts.ContainsKey(u)).ToList();
            var valid = users.Except(invalid, StringComparer.Ordinal).ToList();
            if (valid.Count == 0) return (SimulatorErrors.AllRecipientsInvalid, null, string.Join('|', invalid));
            var since = _clock.GetUtcNow().AddSeconds(-Math.Clamp(intervalSeconds, 1, 4 * 3600));
            var repeat = duplicateCheck
                ? _appMessages.LastOrDefault(m => valid.Contains(m.ToUser) && m.At >= since && m.MsgType == msgType && m.Text == text && m.Title == title && m.Url == url)
                : null;
            if (repeat is not null) return (0, repeat.MsgId, string.Join('|', invalid));
            var id = NextId("app");
            foreach (var u in valid) _appMessages.Add(new SimAppMessage(id, u, msgType, title, text, url, _clock.GetUtcNow()));
            return (0, id, string.Join('|', invalid));
        }
    }

    public (int ErrCode, string? MsgId) SendKfText(string? toUser, string? openKfId, string? msgId, string? text)
    {
        lock (_gate)
        {
            if (openKfId != _options.OpenKfId) return (SimulatorErrors.InvalidOpenKfId, null);
            if (string.IsNullOrEmpty(toUser)) return (SimulatorErrors.InvalidExternalUserId, null);
            if (string.IsNullOrEmpty(text) || Encoding.UTF8.GetByteCount(text) > 2048) return (SimulatorErrors.InvalidParameter, null);
            if (msgId is { Length: > 0 } && (msgId.Length > 32 || !msgId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            {
                return (SimulatorErrors.InvalidParameter, null);
            }
            // Assumed from the kf docs: a repeated msgid is the same message, not delivered twice.
            if (msgId is { Length: > 0 } && _delivered.Any(d => d.MsgId == msgId)) return (0, msgId);
            var lastFromClient = _kf.GetValueOrDefault(openKfId)?.LastOrDefault(m => m.ExternalUserId == toUser);
            if (lastFromClient is null || Now - lastFromClient.SendTime > KfReplyWindowHours * 3600) return (SimulatorErrors.SendNotAllowed, null);
            var repliesSince = _delivered.Count(d => d.ToUser == toUser && d.OpenKfId == openKfId && d.At.ToUnixTimeSeconds() >= lastFromClient.SendTime);
            if (repliesSince >= KfRepliesPerClientMessage) return (SimulatorErrors.SendNotAllowed, null);
            var id = string.IsNullOrEmpty(msgId) ? NextId("sent") : msgId;
            _delivered.Add(new SimDeliveredMessage(id, openKfId, toUser, text, _clock.GetUtcNow()));
            return (0, id);
        }
    }

    public (int ErrCode, int State, string? Servicer) GetServiceState(string? openKfId, string? user)
    {
        lock (_gate)
        {
            if (openKfId != _options.OpenKfId) return (SimulatorErrors.InvalidOpenKfId, 0, null);
            if (string.IsNullOrEmpty(user)) return (SimulatorErrors.InvalidExternalUserId, 0, null);
            var (state, servicer) = _serviceStates.GetValueOrDefault((openKfId, user));
            return (0, state, servicer);
        }
    }

    public (int ErrCode, string? MsgCode) TransServiceState(string? openKfId, string? user, int to, string? servicer)
    {
        lock (_gate)
        {
            if (openKfId != _options.OpenKfId) return (SimulatorErrors.InvalidOpenKfId, null);
            if (string.IsNullOrEmpty(user)) return (SimulatorErrors.InvalidExternalUserId, null);
            var (from, _) = _serviceStates.GetValueOrDefault((openKfId, user));
            // 0 untouched, 1 smart assistant, 2 waiting pool, 3 human, 4 ended.
            var allowed = from switch
            {
                0 => to is 1 or 2 or 3,
                1 => to is 2 or 3 or 4,
                2 => to is 3 or 4,
                3 => to is 2 or 3 or 4,
                4 => to is 1 or 2 or 3,
                _ => false,
            };
            if (!allowed || (to == 3 && string.IsNullOrEmpty(servicer))) return (SimulatorErrors.StateTransitionNotAllowed, null);
            _serviceStates[(openKfId, user)] = (to, to == 3 ? servicer : null);
            return (0, to is 3 or 4 ? NextId("code") : null);
        }
    }

    public (int ErrCode, IReadOnlyList<string> Ids) ListContacts(string? userId)
    {
        lock (_gate)
        {
            if (userId is null || !_contacts.TryGetValue(userId, out var list)) return (SimulatorErrors.InvalidUserId, []);
            return (0, [.. list.Select(c => c.ExternalUserId)]);
        }
    }

    public (int ErrCode, SimContact? Contact, IReadOnlyList<(string UserId, SimContact Follow)> Followers, string NextCursor) GetContact(string? externalUserId, string? cursor)
    {
        const int followPage = 500;
        lock (_gate)
        {
            var followers = _contacts.SelectMany(kv => kv.Value.Where(c => c.ExternalUserId == externalUserId).Select(c => (kv.Key, c))).ToList();
            if (followers.Count == 0) return (SimulatorErrors.InvalidExternalUserId, null, [], "");
            var start = 0;
            if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, "get", out start)) return (SimulatorErrors.InvalidParameter, null, [], "");
            var page = followers.Skip(start).Take(followPage).ToList();
            var next = start + page.Count;
            return (0, followers[0].c, page, next < followers.Count ? EncodeCursor("get", next) : "");
        }
    }

    public (int ErrCode, IReadOnlyList<(string UserId, SimContact Contact)> Page, string NextCursor) BatchGetByUser(IReadOnlyList<string> userIds, string? cursor, int limit)
    {
        lock (_gate)
        {
            if (userIds.Count is 0 or > 100) return (SimulatorErrors.InvalidParameter, [], "");
            if (limit == 0) limit = 50;
            if (limit is < 1 or > 100) return (SimulatorErrors.InvalidParameter, [], "");
            if (userIds.Any(u => !_contacts.ContainsKey(u))) return (SimulatorErrors.InvalidUserId, [], "");
            // The cursor is a position in the concatenation of the members' contact lists, in request order.
            var position = 0;
            if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, "byuser", out position)) return (SimulatorErrors.InvalidParameter, [], "");
            var page = new List<(string, SimContact)>(limit);
            var offset = 0;
            foreach (var u in userIds)
            {
                var list = _contacts[u];
                if (position < offset + list.Count)
                {
                    for (var i = Math.Max(0, position - offset); i < list.Count && page.Count < limit; i++) page.Add((u, list[i]));
                }
                offset += list.Count;
                if (page.Count == limit) break;
            }
            var next = position + page.Count;
            var total = userIds.Sum(u => _contacts[u].Count);
            return (0, page, next < total ? EncodeCursor("byuser", next) : "");
        }
    }

    public (int ErrCode, IReadOnlyList<(string ExternalUserId, int ErrCode)> Customers) TransferCustomers(string? handover, string? takeover, IReadOnlyList<string> externalUserIds, string? successMsg, bool resigned)
    {
        lock (_gate)
        {
            Settle();
            if (string.IsNullOrEmpty(handover) || string.IsNullOrEmpty(takeover)) return (SimulatorErrors.InvalidUserId, []);
            if (handover == takeover) return (SimulatorErrors.TransferSameUser, []);
            if (externalUserIds.Count is 0 or > 100 || successMsg is { Length: > 200 }) return (SimulatorErrors.InvalidParameter, []);
            if (!_contacts.ContainsKey(takeover) || _resigned.Contains(takeover)) return (SimulatorErrors.InvalidUserId, []);
            if (resigned != _resigned.Contains(handover)) return (resigned ? SimulatorErrors.UserNotResigned : SimulatorErrors.InvalidUserId, []);
            var now = _clock.GetUtcNow();
            var results = new List<(string, int)>();
            // One pass over the history for the call's customers (up to 100), not two per customer: a simulated
            // run of 100,000 transfers spent most of its time in those scans.
            var asked = externalUserIds.ToHashSet(StringComparer.Ordinal);
            var contacts = _contacts.TryGetValue(handover, out var list) ? list.Where(c => asked.Contains(c.ExternalUserId)).Select(c => c.ExternalUserId).ToHashSet(StringComparer.Ordinal) : [];
            var recent = new Dictionary<string, int>(StringComparer.Ordinal);
            var inProgress = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in _transfers)
            {
                if (!asked.Contains(t.ExternalUserId)) continue;
                if (!t.Resigned && t.StartedAt > now.AddDays(-TransferWindowDays)) recent[t.ExternalUserId] = recent.GetValueOrDefault(t.ExternalUserId) + 1;
                if (t.Status == 2) inProgress.Add(t.ExternalUserId);
            }
            foreach (var id in externalUserIds)
            {
                var code = !contacts.Contains(id) ? SimulatorErrors.InvalidExternalUserId
                    : inProgress.Contains(id) ? SimulatorErrors.TransferInProgress
                    : !resigned && recent.GetValueOrDefault(id) >= MaxTransfersInWindow ? SimulatorErrors.TransferTooFrequent
                    : 0;
                if (code == 0)
                {
                    _transfers.Add(new SimTransfer { ExternalUserId = id, Handover = handover, Takeover = takeover, StartedAt = now, Resigned = resigned });
                    recent[id] = recent.GetValueOrDefault(id) + (resigned ? 0 : 1);
                    inProgress.Add(id);
                }
                results.Add((id, code));
            }
            return (0, results);
        }
    }

    public (int ErrCode, IReadOnlyList<SimTransfer> Page, string NextCursor) TransferResults(string? handover, string? takeover, string? cursor, bool resigned)
    {
        const int pageSize = 1000;
        lock (_gate)
        {
            Settle();
            var all = _transfers.Where(t => t.Handover == handover && t.Takeover == takeover && t.Resigned == resigned).ToList();
            var start = 0;
            if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, "tr", out start)) return (SimulatorErrors.InvalidParameter, [], "");
            var page = all.Skip(start).Take(pageSize).ToList();
            var next = start + page.Count;
            return (0, page, next < all.Count ? EncodeCursor("tr", next) : "");
        }
    }

    public (int ErrCode, IReadOnlyList<(string Handover, string ExternalUserId)> Page, bool IsLast, string NextCursor) Unassigned(string? cursor, int pageSize)
    {
        lock (_gate)
        {
            Settle();
            if (pageSize == 0) pageSize = 1000;
            if (pageSize is < 1 or > 1000) return (SimulatorErrors.InvalidParameter, [], true, "");
            var all = _resigned.Order(StringComparer.Ordinal)
                .SelectMany(u => (_contacts.GetValueOrDefault(u) ?? []).Select(c => (u, c.ExternalUserId)))
                .Where(x => !_transfers.Any(t => t.Resigned && t.ExternalUserId == x.ExternalUserId && t.Status is 1 or 2))
                .ToList();
            var start = 0;
            if (!string.IsNullOrEmpty(cursor) && !TryDecodeCursor(cursor, "un", out start)) return (SimulatorErrors.InvalidParameter, [], true, "");
            var page = all.Skip(start).Take(pageSize).ToList();
            var next = start + page.Count;
            var isLast = next >= all.Count;
            return (0, page, isLast, isLast ? "" : EncodeCursor("un", next));
        }
    }

    public (int ErrCode, IReadOnlyList<string> FailList, string? MsgId) AddMsgTemplate(string? chatType, IReadOnlyList<string> externalUserIds, string? sender, string? text)
    {
        lock (_gate)
        {
            if (chatType is not (null or "" or "single") || externalUserIds.Count is 0 or > 10_000 || string.IsNullOrEmpty(text)) return (SimulatorErrors.InvalidParameter, [], null);
            if (sender is { Length: > 0 } && !_contacts.ContainsKey(sender)) return (SimulatorErrors.InvalidUserId, [], null);
            var (period, cap) = WeComGroupMessages.Period(_options.GroupMessageCap, BusinessTime.DateOf(_clock.GetUtcNow()));
            var fail = new List<string>();
            var ok = new List<string>();
            foreach (var id in externalUserIds.Distinct(StringComparer.Ordinal))
            {
                var followed = sender is { Length: > 0 }
                    ? _contacts[sender].Any(c => c.ExternalUserId == id)
                    : _contacts.Values.Any(l => l.Any(c => c.ExternalUserId == id));
                var n = _groupCounts.GetValueOrDefault((id, period));
                if (!followed || n >= cap)
                {
                    fail.Add(id);
                    continue;
                }
                _groupCounts[(id, period)] = n + 1;
                ok.Add(id);
            }
            // Nobody left to send to: WeCom answers with the fail list and creates no task for the member.
            if (ok.Count == 0) return (0, fail, null);
            var msgId = NextId("msgTpl");
            _groupMessages.Add(new SimGroupMessage(msgId, sender, ok, text, _clock.GetUtcNow()));
            return (0, fail, msgId);
        }
    }

    public int MarkTag(string? userId, string? externalUserId, int addCount, int removeCount)
    {
        lock (_gate)
        {
            if (addCount == 0 && removeCount == 0) return SimulatorErrors.InvalidParameter;
            if (userId is null || !_contacts.TryGetValue(userId, out var list)) return SimulatorErrors.InvalidUserId;
            return list.Any(c => c.ExternalUserId == externalUserId) ? 0 : SimulatorErrors.InvalidExternalUserId;
        }
    }

    /// <summary>Applies the 24-hour takeover on the simulator clock: taken over, or at capacity when flagged.</summary>
    private void Settle()
    {
        var now = _clock.GetUtcNow();
        foreach (var t in _transfers)
        {
            if (t.Status == 2 && _willRefuse.Contains(t.ExternalUserId) && !t.Resigned)
            {
                t.Status = 3;
                continue;
            }
            if (t.Status != 2 || now < t.StartedAt.AddHours(TakeoverHours)) continue;
            if (_atCapacity.Contains(t.ExternalUserId))
            {
                t.Status = 4;
                continue;
            }
            t.Status = 1;
            t.TakeoverTime = t.StartedAt.AddHours(TakeoverHours);
            if (_contacts.TryGetValue(t.Handover, out var from))
            {
                var idx = from.FindIndex(c => c.ExternalUserId == t.ExternalUserId);
                if (idx >= 0)
                {
                    var c = from[idx];
                    from.RemoveAt(idx);
                    if (!_contacts.TryGetValue(t.Takeover, out var to)) _contacts[t.Takeover] = to = [];
                    to.Add(c);
                }
            }
        }
    }

    private static string EncodeCursor(string kind, int position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{kind}:{position}"))).TrimEnd('=');

    private static bool TryDecodeCursor(string cursor, string kind, out int position)
    {
        position = 0;
        var padded = cursor.PadRight(cursor.Length + ((4 - (cursor.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[64];
        if (cursor.Length > 80 || !Convert.TryFromBase64String(padded, bytes, out var n)) return false;
        var text = Encoding.UTF8.GetString(bytes[..n]);
        return text.StartsWith(kind + ":", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(kind.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out position);
    }
}

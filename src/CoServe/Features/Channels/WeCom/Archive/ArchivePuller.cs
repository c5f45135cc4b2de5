using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Timeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

public sealed record ArchivePullResult(
    string App, int Records, int Written, int SkippedNoConsent, int SkippedNoClient, int Ignored, int Failed, long Seq, bool CaughtUp, bool Raced);

/// <summary>
/// Reads one page (at most WeCom:Archive:BatchSize records after the stored seq) of an app's archive and writes
/// the messages between staff and a consenting, linked client onto that client's timeline. The events, the
/// failures and the advanced cursor are committed in one transaction, so a crash re-reads the page and the
/// idempotency key (msgid) keeps a re-read from writing anything twice. A record that cannot be read (unknown key
/// version, wrong key, corrupt ciphertext, malformed message) is recorded in WeComArchiveFailures with its seq and
/// reason and the cursor moves past it: WeCom drops records after 5 days, so holding the cursor on one bad record
/// would lose everything behind it.
/// </summary>
public sealed partial class ArchivePuller(
    IServiceScopeFactory scopes,
    ArchiveSources sources,
    IOptions<ArchiveOptions> options,
    TimeProvider clock,
    ILogger<ArchivePuller> logger)
{
    private const string IdempotencyPrefix = "wecom-archive:";

    private sealed record Decoded(ChatDataRecord Record, ArchiveMessage Message);

    private sealed record Linked(long Id, string ExternalUserId, bool Consented);

    public async Task<ArchivePullResult> PullPageAsync(string app, CancellationToken ct)
    {
        var limit = options.Value.BatchSize;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var timeline = scope.ServiceProvider.GetRequiredService<TimelineWriter>();
        // The cursor row exists before the source is opened, so a source that never works still shows a growing lag.
        var from = await EnsureCursorAsync(db, app, ct);
        var (source, keys) = sources.For(app);

        var reply = await source.GetChatDataAsync(from, limit, ct);
        var now = clock.GetUtcNow();
        var records = reply.ChatData.Where(r => r.Seq > from).OrderBy(r => r.Seq).ToList();

        var failures = new List<ArchiveFailure>();
        var decoded = new List<Decoded>(records.Count);
        foreach (var r in records)
        {
            if (Decode(app, r, source, keys, now, out var failure) is { } message)
            {
                decoded.Add(new Decoded(r, message));
            }
            else
            {
                failures.Add(failure!);
                LogRecordFailed(logger, app, r.Seq, failure!.Reason, failure.Detail);
            }
        }

        var ids = decoded.Where(d => !d.Message.IsSwitch).SelectMany(d => d.Message.ToList.Append(d.Message.From!)).Distinct(StringComparer.Ordinal).ToList();
        var staff = ids.Count == 0 ? [] : await db.Staff.AsNoTracking()
            .Where(s => s.WeComUserId != null && ids.Contains(s.WeComUserId))
            .ToDictionaryAsync(s => s.WeComUserId!, s => s.Id, StringComparer.Ordinal, ct);
        var clients = ids.Count == 0 ? [] : await db.Clients.AsNoTracking()
            .Where(c => c.WeComExternalUserId != null && ids.Contains(c.WeComExternalUserId))
            .Select(c => new Linked(c.Id, c.WeComExternalUserId!, c.Consents.Any(x => x.Purpose == ConsentPurpose.ConversationArchive && x.Granted)))
            .ToDictionaryAsync(c => c.ExternalUserId, StringComparer.Ordinal, ct);

        int noConsent = 0, noClient = 0, ignored = 0;
        var writes = new List<(Linked Client, Decoded Item, int? StaffId)>();
        foreach (var d in decoded)
        {
            var m = d.Message;
            if (m.IsSwitch)
            {
                ignored++;
                continue;
            }
            var linked = m.ToList.Append(m.From!).Where(clients.ContainsKey).Distinct(StringComparer.Ordinal).Select(x => clients[x]).ToList();
            int? staffId = staff.TryGetValue(m.From!, out var sid) ? sid : null;
            // Only a chat between CoServe staff and exactly one linked client: not internal chats, not a third
            // party's words in a group, not a group of several clients whose timelines would each get everything.
            if (linked.Count != 1 || (m.From != linked[0].ExternalUserId && staffId is null))
            {
                noClient++;
            }
            else if (!linked[0].Consented)
            {
                noConsent++;
            }
            else
            {
                writes.Add((linked[0], d, staffId));
            }
        }

        var keysOnPage = writes.Select(w => IdempotencyPrefix + w.Item.Message.MsgId).ToList();
        var clientIds = writes.Select(w => w.Client.Id).Distinct().ToList();
        var existing = writes.Count == 0 ? [] : (await db.TimelineEvents.AsNoTracking()
            .Where(e => clientIds.Contains(e.ClientId) && e.IdempotencyKey != null && keysOnPage.Contains(e.IdempotencyKey))
            .Select(e => new { e.ClientId, e.IdempotencyKey }).ToListAsync(ct))
            .Select(e => (e.ClientId, e.IdempotencyKey!)).ToHashSet();

        var seq = records.Count > 0 ? records[^1].Seq : from;
        var caughtUp = reply.ChatData.Count < limit;
        var newest = decoded.Where(d => d.Message.At is not null).Select(d => d.Message.At).Max();
        var written = 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var (client, item, staffId) in writes)
        {
            var key = IdempotencyPrefix + item.Message.MsgId;
            // A record WeCom lists twice within a page is written once as well.
            if (!existing.Add((client.Id, key)))
            {
                ignored++;
                continue;
            }
            var m = item.Message;
            var fromClient = m.From == client.ExternalUserId;
            timeline.Append(
                client.Id,
                fromClient ? TimelineKind.ClientMessage : TimelineKind.StaffMessage,
                fromClient ? ActorKind.Client : ActorKind.Staff,
                fromClient ? null : staffId,
                "wecom",
                EventVisibility.ClientVisible,
                text: m.Text,
                details: new ArchiveEventDetails("wecom-archive", m.MsgId, item.Record.Seq, m.MsgType, m.IsRecall ? "recall" : null, m.RecalledMsgId, string.IsNullOrEmpty(m.RoomId) ? null : m.RoomId),
                idempotencyKey: key,
                at: m.At);
            written++;
        }
        db.ArchiveFailures.AddRange(failures);
        var (w, nc, ncl, ig, f) = (written, noConsent, noClient, ignored, failures.Count);
        // The conditional update is the claim on the page: of two nodes that read the same page, one moves the cursor.
        var claimed = await db.ArchiveCursors.Where(x => x.App == app && x.Seq == from).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(x => x.Seq, seq)
                .SetProperty(x => x.LastPullAt, now)
                .SetProperty(x => x.Written, x => x.Written + w)
                .SetProperty(x => x.SkippedNoConsent, x => x.SkippedNoConsent + nc)
                .SetProperty(x => x.SkippedNoClient, x => x.SkippedNoClient + ncl)
                .SetProperty(x => x.Ignored, x => x.Ignored + ig)
                .SetProperty(x => x.Failed, x => x.Failed + f);
            if (caughtUp) s.SetProperty(x => x.CaughtUpAt, now);
            if (newest is not null) s.SetProperty(x => x.NewestMessageAt, newest);
        }, ct);
        if (claimed == 0)
        {
            await tx.RollbackAsync(ct);
            timeline.Discard();
            LogRaced(logger, app, from);
            return new ArchivePullResult(app, records.Count, 0, 0, 0, 0, 0, from, false, true);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        timeline.Publish();
        if (records.Count > 0) LogPage(logger, app, records.Count, written, noConsent, noClient, ignored, failures.Count, seq);
        return new ArchivePullResult(app, records.Count, written, noConsent, noClient, ignored, failures.Count, seq, caughtUp, false);
    }

    /// <summary>Pulls pages until the archive is read to its end (or <paramref name="maxPages"/> pages).</summary>
    public async Task<IReadOnlyList<ArchivePullResult>> PullAllAsync(string app, int maxPages, CancellationToken ct)
    {
        var pages = new List<ArchivePullResult>();
        while (pages.Count < maxPages)
        {
            var page = await PullPageAsync(app, ct);
            pages.Add(page);
            if (page.CaughtUp || page.Raced) break;
        }
        return pages;
    }

    private static ArchiveMessage? Decode(string app, ChatDataRecord r, IArchiveSource source, ArchiveKeyRing keys, DateTimeOffset now, out ArchiveFailure? failure)
    {
        ArchiveMessage? Fail(ArchiveFailureReason reason, string? detail, out ArchiveFailure? failed)
        {
            failed = new() { App = app, Seq = r.Seq, MsgId = Clip(r.MsgId, 128), PublicKeyVersion = r.PublicKeyVer, Reason = reason, Detail = detail, At = now };
            return null;
        }

        failure = null;
        if (string.IsNullOrEmpty(r.EncryptRandomKey) || string.IsNullOrEmpty(r.EncryptChatMsg)) return Fail(ArchiveFailureReason.MalformedMessage, "record without encrypt_random_key or encrypt_chat_msg", out failure);
        if (!keys.Has(r.PublicKeyVer)) return Fail(ArchiveFailureReason.UnknownKeyVersion, $"no private key for publickey_ver {r.PublicKeyVer}", out failure);
        if (keys.DecryptRandomKey(r.PublicKeyVer, r.EncryptRandomKey) is not { } randomKey) return Fail(ArchiveFailureReason.KeyDecryptFailed, null, out failure);
        if (source.DecryptData(randomKey, r.EncryptChatMsg) is not { } plain) return Fail(ArchiveFailureReason.MessageDecryptFailed, null, out failure);
        return ArchiveMessage.Parse(plain, out var problem) ?? Fail(ArchiveFailureReason.MalformedMessage, problem, out failure);
    }

    private static string? Clip(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    private async Task<long> EnsureCursorAsync(CoServeDb db, string app, CancellationToken ct)
    {
        if (await db.ArchiveCursors.AsNoTracking().Where(x => x.App == app).Select(x => (long?)x.Seq).FirstOrDefaultAsync(ct) is { } seq) return seq;
        db.ArchiveCursors.Add(new ArchiveCursor { App = app, StartedAt = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Another node started the same app's archive at the same moment.
        }
        db.ChangeTracker.Clear();
        return await db.ArchiveCursors.AsNoTracking().Where(x => x.App == app).Select(x => x.Seq).FirstAsync(ct);
    }

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App}: record seq {Seq} not readable ({Reason}: {Detail}); recorded and skipped")]
    private static partial void LogRecordFailed(ILogger logger, string app, long seq, ArchiveFailureReason reason, string? detail);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: {Records} records, {Written} written, {NoConsent} without consent, {NoClient} not a client chat, {Ignored} ignored, {Failed} failed; cursor at {Seq}")]
    private static partial void LogPage(ILogger logger, string app, int records, int written, int noConsent, int noClient, int ignored, int failed, long seq);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: another puller moved the cursor from {Seq} first; page dropped")]
    private static partial void LogRaced(ILogger logger, string app, long seq);
}

/// <summary>Timeline details of an archived message: ids and types only, never content.</summary>
public sealed record ArchiveEventDetails(string Source, string MsgId, long Seq, string? MsgType, string? Action, string? RecalledMsgId, string? RoomId);

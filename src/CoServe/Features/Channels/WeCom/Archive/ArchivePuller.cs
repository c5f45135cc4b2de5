using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Timeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

public sealed record ArchivePullResult(
    string App, int Records, int Written, int SkippedNoConsent, int SkippedNoClient, int Ignored, int Failed, long Seq, bool CaughtUp, bool Raced, long MissingSeqs = 0);

public sealed record ArchiveRetryResult(string App, int Tried, int Written, int SkippedNoConsent, int SkippedNoClient, int Ignored, int StillFailing, bool Raced);

/// <summary>
/// Reads one page (at most WeCom:Archive:BatchSize records after the stored seq) of an app's archive and writes
/// the messages between staff and a consenting, linked client onto that client's timeline. The events, the
/// quarantined records, the detected gaps and the advanced cursor are committed in one transaction, so a crash
/// re-reads the page and the idempotency key (msgid) keeps a re-read from writing anything twice. A record that
/// cannot be read (unknown key version, wrong key, corrupt ciphertext, malformed message) is quarantined in
/// WeComArchiveFailures with its seq, reason and ciphertext, and the cursor moves past it: WeCom drops records after
/// 5 days, so holding the cursor on one bad record would lose everything behind it. Quarantined records are read
/// again when the key ring changes (<see cref="RetryQuarantinedAsync"/>).
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
        var (from, lastPullAt) = await EnsureCursorAsync(db, app, ct);
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
                failure!.EncryptRandomKey = NullIfEmpty(r.EncryptRandomKey);
                failure.EncryptChatMsg = NullIfEmpty(r.EncryptChatMsg);
                failure.KeysTried = keys.Fingerprint;
                failure.LastTriedAt = now;
                failures.Add(failure);
                LogRecordFailed(logger, app, r.Seq, failure.Reason, failure.Detail);
            }
        }
        var gaps = DetectGaps(app, from, lastPullAt, records, now, options.Value.SeqGapTolerance);
        var dispositions = await PlaceAsync(db, timeline, decoded, ct);

        var seq = records.Count > 0 ? records[^1].Seq : from;
        var caughtUp = reply.ChatData.Count < limit;
        var newest = decoded.Where(d => d.Message.At is not null).Select(d => d.Message.At).Max();
        var (w, nc, ncl, ig) = Count(dispositions);
        var f = failures.Count;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ArchiveFailures.AddRange(failures);
        db.ArchiveGaps.AddRange(gaps);
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
        foreach (var g in gaps)
        {
            if (g.Kind == ArchiveGapKind.SeqJump) LogGap(logger, app, g.Missing ?? 0, g.AfterSeq, g.BeforeSeq ?? 0);
            else LogCursorExpired(logger, app, g.AfterSeq, ArchiveOptions.RetentionDays);
        }
        if (records.Count > 0) LogPage(logger, app, records.Count, w, nc, ncl, ig, f, seq);
        return new ArchivePullResult(app, records.Count, w, nc, ncl, ig, f, seq, caughtUp, false, gaps.Sum(g => g.Missing ?? 0));
    }

    /// <summary>
    /// Reads quarantined records of <paramref name="app"/> again: those last tried with another key ring than the
    /// current one, or every unresolved one when <paramref name="all"/> (the operator's retry). A record that now
    /// reads is placed exactly as a pulled one (timeline, consent, linkage) and resolved; the msgid idempotency key
    /// and the timeline's unique index keep a record already on the timeline from being written twice, even when
    /// two nodes retry at once. One that still fails keeps its ciphertext, with the new reason and key fingerprint.
    /// </summary>
    public async Task<ArchiveRetryResult> RetryQuarantinedAsync(string app, bool all, CancellationToken ct)
    {
        var (source, keys) = sources.For(app);
        var batch = options.Value.BatchSize;
        var total = new ArchiveRetryResult(app, 0, 0, 0, 0, 0, 0, false);
        long afterId = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            var timeline = scope.ServiceProvider.GetRequiredService<TimelineWriter>();
            var fingerprint = keys.Fingerprint;
            var rows = await db.ArchiveFailures
                .Where(x => x.App == app && x.ResolvedAt == null && x.Id > afterId && x.EncryptRandomKey != null && x.EncryptChatMsg != null)
                .Where(x => all || x.KeysTried == null || x.KeysTried != fingerprint)
                .OrderBy(x => x.Id).Take(batch).ToListAsync(ct);
            if (rows.Count == 0) return total;
            afterId = rows[^1].Id;

            var now = clock.GetUtcNow();
            var decoded = new List<Decoded>();
            var byRecord = new Dictionary<ChatDataRecord, ArchiveFailure>();
            foreach (var row in rows)
            {
                var record = new ChatDataRecord { Seq = row.Seq, MsgId = row.MsgId, PublicKeyVer = row.PublicKeyVersion, EncryptRandomKey = row.EncryptRandomKey, EncryptChatMsg = row.EncryptChatMsg };
                row.Attempts++;
                row.LastTriedAt = now;
                row.KeysTried = fingerprint;
                if (Decode(app, record, source, keys, now, out var failure) is { } message)
                {
                    decoded.Add(new Decoded(record, message));
                    byRecord[record] = row;
                }
                else
                {
                    row.Reason = failure!.Reason;
                    row.Detail = failure.Detail;
                }
            }
            var dispositions = await PlaceAsync(db, timeline, decoded, ct);
            for (var i = 0; i < decoded.Count; i++)
            {
                var row = byRecord[decoded[i].Record];
                row.ResolvedAt = now;
                row.Resolution = dispositions[i];
                row.Detail = null;
                row.EncryptRandomKey = null;
                row.EncryptChatMsg = null;
            }
            var (w, nc, ncl, ig) = Count(dispositions);
            var resolved = decoded.Count;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                // Another node retried the same records and wrote them first: nothing of this batch is kept.
                await tx.RollbackAsync(ct);
                timeline.Discard();
                LogRetryRaced(logger, app);
                return total with { Raced = true };
            }
            if (resolved > 0)
            {
                // Resolved records move from the failed count to what became of them, so the totals still add up to the records read.
                await db.ArchiveCursors.Where(x => x.App == app).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Written, x => x.Written + w)
                    .SetProperty(x => x.SkippedNoConsent, x => x.SkippedNoConsent + nc)
                    .SetProperty(x => x.SkippedNoClient, x => x.SkippedNoClient + ncl)
                    .SetProperty(x => x.Ignored, x => x.Ignored + ig)
                    .SetProperty(x => x.Failed, x => x.Failed - resolved), ct);
            }
            await tx.CommitAsync(ct);
            timeline.Publish();
            LogRetried(logger, app, rows.Count, resolved, w, rows.Count - resolved);
            total = total with
            {
                Tried = total.Tried + rows.Count,
                Written = total.Written + w,
                SkippedNoConsent = total.SkippedNoConsent + nc,
                SkippedNoClient = total.SkippedNoClient + ncl,
                Ignored = total.Ignored + ig,
                StillFailing = total.StillFailing + rows.Count - resolved,
            };
        }
    }

    /// <summary>
    /// Where each decoded record goes: onto a client's timeline (appended to the caller's unit of work), or counted
    /// as without consent, not a client chat, or ignored (switch records, messages already on the timeline).
    /// </summary>
    private static async Task<List<ArchiveResolution>> PlaceAsync(CoServeDb db, TimelineWriter timeline, IReadOnlyList<Decoded> decoded, CancellationToken ct)
    {
        var ids = decoded.Where(d => !d.Message.IsSwitch).SelectMany(d => d.Message.ToList.Append(d.Message.From!)).Distinct(StringComparer.Ordinal).ToList();
        var staff = ids.Count == 0 ? [] : await db.Staff.AsNoTracking()
            .Where(s => s.WeComUserId != null && ids.Contains(s.WeComUserId))
            .ToDictionaryAsync(s => s.WeComUserId!, s => s.Id, StringComparer.Ordinal, ct);
        var clients = ids.Count == 0 ? [] : await db.Clients.AsNoTracking()
            .Where(c => c.WeComExternalUserId != null && ids.Contains(c.WeComExternalUserId))
            .Select(c => new Linked(c.Id, c.WeComExternalUserId!, c.Consents.Any(x => x.Purpose == ConsentPurpose.ConversationArchive && x.Granted)))
            .ToDictionaryAsync(c => c.ExternalUserId, StringComparer.Ordinal, ct);

        var result = new List<ArchiveResolution>(decoded.Count);
        var writes = new List<(int Index, Linked Client, int? StaffId)>();
        foreach (var d in decoded)
        {
            var m = d.Message;
            if (m.IsSwitch)
            {
                result.Add(ArchiveResolution.Ignored);
                continue;
            }
            var linked = m.ToList.Append(m.From!).Where(clients.ContainsKey).Distinct(StringComparer.Ordinal).Select(x => clients[x]).ToList();
            int? staffId = staff.TryGetValue(m.From!, out var sid) ? sid : null;
            // Only a chat between CoServe staff and exactly one linked client: not internal chats, not a third
            // party's words in a group, not a group of several clients whose timelines would each get everything.
            if (linked.Count != 1 || (m.From != linked[0].ExternalUserId && staffId is null))
            {
                result.Add(ArchiveResolution.SkippedNoClient);
            }
            else if (!linked[0].Consented)
            {
                result.Add(ArchiveResolution.SkippedNoConsent);
            }
            else
            {
                writes.Add((result.Count, linked[0], staffId));
                result.Add(ArchiveResolution.Written);
            }
        }
        if (writes.Count == 0) return result;

        var keysOnPage = writes.Select(w => IdempotencyPrefix + decoded[w.Index].Message.MsgId).ToList();
        var clientIds = writes.Select(w => w.Client.Id).Distinct().ToList();
        var existing = (await db.TimelineEvents.AsNoTracking()
            .Where(e => clientIds.Contains(e.ClientId) && e.IdempotencyKey != null && keysOnPage.Contains(e.IdempotencyKey))
            .Select(e => new { e.ClientId, e.IdempotencyKey }).ToListAsync(ct))
            .Select(e => (e.ClientId, e.IdempotencyKey!)).ToHashSet();
        foreach (var (index, client, staffId) in writes)
        {
            var item = decoded[index];
            var m = item.Message;
            var key = IdempotencyPrefix + m.MsgId;
            // A record WeCom lists twice within a page is written once as well.
            if (!existing.Add((client.Id, key)))
            {
                result[index] = ArchiveResolution.Ignored;
                continue;
            }
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
        }
        return result;
    }

    private static (int Written, int NoConsent, int NoClient, int Ignored) Count(List<ArchiveResolution> dispositions) => (
        dispositions.Count(d => d == ArchiveResolution.Written),
        dispositions.Count(d => d == ArchiveResolution.SkippedNoConsent),
        dispositions.Count(d => d == ArchiveResolution.SkippedNoClient),
        dispositions.Count(d => d == ArchiveResolution.Ignored));

    /// <summary>
    /// WeCom numbers archive records with increasing seqs, so seqs skipped between the cursor and the records of a
    /// page, or within it, are records CoServe will never read (expired before they were pulled). When the last
    /// pull is older than the retention and the archive answers nothing, records may have expired without a seq
    /// to show it. The very first pull (cursor 0) has no earlier seq to compare with: what expired before CoServe
    /// started reading is not a loss of the puller's. Jumps of at most <paramref name="tolerance"/> missing seqs
    /// (WeCom:Archive:SeqGapTolerance) are taken as holes in WeCom's numbering, not losses.
    /// </summary>
    private static List<ArchiveGap> DetectGaps(string app, long from, DateTimeOffset? lastPullAt, List<ChatDataRecord> records, DateTimeOffset now, int tolerance)
    {
        var gaps = new List<ArchiveGap>();
        if (from == 0) return gaps;
        if (records.Count == 0)
        {
            if (lastPullAt is { } last && now - last > TimeSpan.FromDays(ArchiveOptions.RetentionDays))
            {
                gaps.Add(new ArchiveGap { App = app, Kind = ArchiveGapKind.CursorExpired, AfterSeq = from, DetectedAt = now });
            }
            return gaps;
        }
        var previous = from;
        foreach (var r in records)
        {
            if (r.Seq - previous - 1 > tolerance)
            {
                gaps.Add(new ArchiveGap { App = app, Kind = ArchiveGapKind.SeqJump, AfterSeq = previous, BeforeSeq = r.Seq, Missing = r.Seq - previous - 1, DetectedAt = now });
            }
            previous = Math.Max(previous, r.Seq);
        }
        return gaps;
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

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private async Task<(long Seq, DateTimeOffset? LastPullAt)> EnsureCursorAsync(CoServeDb db, string app, CancellationToken ct)
    {
        var cursor = await db.ArchiveCursors.AsNoTracking().Where(x => x.App == app).Select(x => new { x.Seq, x.LastPullAt }).FirstOrDefaultAsync(ct);
        if (cursor is not null) return (cursor.Seq, cursor.LastPullAt);
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
        var created = await db.ArchiveCursors.AsNoTracking().Where(x => x.App == app).Select(x => new { x.Seq, x.LastPullAt }).FirstAsync(ct);
        return (created.Seq, created.LastPullAt);
    }

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App}: record seq {Seq} not readable ({Reason}: {Detail}); quarantined and skipped")]
    private static partial void LogRecordFailed(ILogger logger, string app, long seq, ArchiveFailureReason reason, string? detail);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: {Records} records, {Written} written, {NoConsent} without consent, {NoClient} not a client chat, {Ignored} ignored, {Failed} failed; cursor at {Seq}")]
    private static partial void LogPage(ILogger logger, string app, int records, int written, int noConsent, int noClient, int ignored, int failed, long seq);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: another puller moved the cursor from {Seq} first; page dropped")]
    private static partial void LogRaced(ILogger logger, string app, long seq);

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App}: {Missing} records lost, seqs between {AfterSeq} and {BeforeSeq} were never read (expired before the pull)")]
    private static partial void LogGap(ILogger logger, string app, long missing, long afterSeq, long beforeSeq);

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App}: the last pull (cursor {Seq}) is older than WeCom's {RetentionDays}-day retention; records may have expired unread")]
    private static partial void LogCursorExpired(ILogger logger, string app, long seq, int retentionDays);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: retried {Tried} quarantined records, {Resolved} now read ({Written} written), {StillFailing} still failing")]
    private static partial void LogRetried(ILogger logger, string app, int tried, int resolved, int written, int stillFailing);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: another node retried the same quarantined records first; batch dropped")]
    private static partial void LogRetryRaced(ILogger logger, string app);
}

/// <summary>Timeline details of an archived message: ids and types only, never content.</summary>
public sealed record ArchiveEventDetails(string Source, string MsgId, long Seq, string? MsgType, string? Action, string? RecalledMsgId, string? RoomId);

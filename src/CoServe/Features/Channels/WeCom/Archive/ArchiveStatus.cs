using CoServe.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

public sealed record ArchiveAppStatus(
    string App, long Seq, DateTimeOffset? LastPullAt, DateTimeOffset? CaughtUpAt, DateTimeOffset? NewestMessageAt,
    TimeSpan Lag, bool Alert, long Written, long SkippedNoConsent, long SkippedNoClient, long Ignored, long Failed,
    int Quarantined = 0, int OpenGaps = 0, long MissingSeqs = 0, string? KeyProblem = null)
{
    /// <summary>Records were lost (seq gaps, or a cursor older than the retention) and no operator has acknowledged it yet.</summary>
    public bool GapAlert => OpenGaps > 0;
}

public sealed record ArchiveFailureRow(string App, long Seq, string? MsgId, int PublicKeyVersion, ArchiveFailureReason Reason, string? Detail, DateTimeOffset At, int Attempts = 1);

public sealed record ArchiveGapRow(long Id, string App, ArchiveGapKind Kind, long AfterSeq, long? BeforeSeq, long? Missing, DateTimeOffset DetectedAt);

public sealed record ArchiveStatusReport(
    bool Enabled, int LagAlertMinutes, IReadOnlyList<ArchiveAppStatus> Apps, IReadOnlyList<ArchiveFailureRow> RecentFailures, IReadOnlyList<ArchiveGapRow> OpenGaps);

/// <summary>
/// How far behind each app's archive is. Lag = now - the last pull that read the archive to its end (or since the
/// first pull, until one has): it grows when the puller is stopped, failing, or cannot keep up, and it is computed
/// when read, so a dead puller still shows. Past WeCom:Archive:LagAlertMinutes operators are alerted, well before
/// WeCom's 5-day retention drops what was not read. The alert holds for every configured app that has been
/// pulled at least once, whether by the background puller (WeCom:Archive:Enabled) or by `coserve wecom archive pull`.
/// Lost records (seq gaps) raise a second alert that holds until an operator acknowledges them; quarantined
/// (unreadable) records are counted and listed. A changed private key configuration that was rejected (the previous
/// keys are still in use) is shown with its error, from this process's key rings.
/// </summary>
public sealed class ArchiveStatus(IDbContextFactory<CoServeDb> dbFactory, IOptions<ArchiveOptions> options, TimeProvider clock, ArchiveKeyRings keyRings)
{
    public async Task<ArchiveStatusReport> ReadAsync(int failures, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cursors = await db.ArchiveCursors.AsNoTracking().ToDictionaryAsync(x => x.App, StringComparer.Ordinal, ct);
        var quarantined = await db.ArchiveFailures.Where(x => x.ResolvedAt == null).GroupBy(x => x.App)
            .Select(g => new { App = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.App, x => x.Count, StringComparer.Ordinal, ct);
        var gaps = await db.ArchiveGaps.Where(x => x.AcknowledgedAt == null).GroupBy(x => x.App)
            .Select(g => new { App = g.Key, Count = g.Count(), Missing = g.Sum(x => x.Missing ?? 0) }).ToDictionaryAsync(x => x.App, StringComparer.Ordinal, ct);
        var apps = o.Apps.Keys.Concat(cursors.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(app =>
        {
            if (!cursors.TryGetValue(app, out var c)) return new ArchiveAppStatus(app, 0, null, null, null, TimeSpan.Zero, false, 0, 0, 0, 0, 0, KeyProblem: keyRings.Problem(app));
            var lag = now - (c.CaughtUpAt ?? c.StartedAt);
            if (lag < TimeSpan.Zero) lag = TimeSpan.Zero;
            var gap = gaps.GetValueOrDefault(app);
            return new ArchiveAppStatus(app, c.Seq, c.LastPullAt, c.CaughtUpAt, c.NewestMessageAt, lag, o.Apps.ContainsKey(app) && lag > TimeSpan.FromMinutes(o.LagAlertMinutes),
                c.Written, c.SkippedNoConsent, c.SkippedNoClient, c.Ignored, c.Failed, quarantined.GetValueOrDefault(app), gap?.Count ?? 0, gap?.Missing ?? 0, keyRings.Problem(app));
        }).ToList();
        var recent = failures <= 0 ? [] : await db.ArchiveFailures.AsNoTracking().Where(x => x.ResolvedAt == null).OrderByDescending(x => x.Id).Take(failures)
            .Select(x => new ArchiveFailureRow(x.App, x.Seq, x.MsgId, x.PublicKeyVersion, x.Reason, x.Detail, x.At, x.Attempts)).ToListAsync(ct);
        var openGaps = failures <= 0 ? [] : await db.ArchiveGaps.AsNoTracking().Where(x => x.AcknowledgedAt == null).OrderByDescending(x => x.Id).Take(failures)
            .Select(x => new ArchiveGapRow(x.Id, x.App, x.Kind, x.AfterSeq, x.BeforeSeq, x.Missing, x.DetectedAt)).ToListAsync(ct);
        return new ArchiveStatusReport(o.Enabled, o.LagAlertMinutes, apps, recent, openGaps);
    }

    /// <summary>An operator has seen the lost records of <paramref name="app"/> (all apps when null): the gap alert ends. Returns how many gaps.</summary>
    public async Task<int> AcknowledgeGapsAsync(string? app, string by, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.ArchiveGaps.Where(x => x.AcknowledgedAt == null && (app == null || x.App == app))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AcknowledgedAt, now).SetProperty(x => x.AcknowledgedBy, by), ct);
    }
}

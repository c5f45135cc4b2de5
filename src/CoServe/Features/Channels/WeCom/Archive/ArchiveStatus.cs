using CoServe.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

public sealed record ArchiveAppStatus(
    string App, long Seq, DateTimeOffset? LastPullAt, DateTimeOffset? CaughtUpAt, DateTimeOffset? NewestMessageAt,
    TimeSpan Lag, bool Alert, long Written, long SkippedNoConsent, long SkippedNoClient, long Ignored, long Failed);

public sealed record ArchiveFailureRow(string App, long Seq, string? MsgId, int PublicKeyVersion, ArchiveFailureReason Reason, string? Detail, DateTimeOffset At);

public sealed record ArchiveStatusReport(bool Enabled, int LagAlertMinutes, IReadOnlyList<ArchiveAppStatus> Apps, IReadOnlyList<ArchiveFailureRow> RecentFailures);

/// <summary>
/// How far behind each app's archive is. Lag = now - the last pull that read the archive to its end (or since the
/// first pull, until one has): it grows when the puller is stopped, failing, or cannot keep up, and it is computed
/// when read, so a dead puller still shows. Past WeCom:Archive:LagAlertMinutes operators are alerted, well before
/// WeCom's 5-day retention drops what was not read. The alert holds for every configured app that has been
/// pulled at least once, whether by the background puller (WeCom:Archive:Enabled) or by `coserve wecom archive pull`.
/// </summary>
public sealed class ArchiveStatus(IDbContextFactory<CoServeDb> dbFactory, IOptions<ArchiveOptions> options, TimeProvider clock)
{
    public async Task<ArchiveStatusReport> ReadAsync(int failures, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cursors = await db.ArchiveCursors.AsNoTracking().ToDictionaryAsync(x => x.App, StringComparer.Ordinal, ct);
        var apps = o.Apps.Keys.Concat(cursors.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(app =>
        {
            if (!cursors.TryGetValue(app, out var c)) return new ArchiveAppStatus(app, 0, null, null, null, TimeSpan.Zero, false, 0, 0, 0, 0, 0);
            var lag = now - (c.CaughtUpAt ?? c.StartedAt);
            if (lag < TimeSpan.Zero) lag = TimeSpan.Zero;
            return new ArchiveAppStatus(app, c.Seq, c.LastPullAt, c.CaughtUpAt, c.NewestMessageAt, lag, o.Apps.ContainsKey(app) && lag > TimeSpan.FromMinutes(o.LagAlertMinutes),
                c.Written, c.SkippedNoConsent, c.SkippedNoClient, c.Ignored, c.Failed);
        }).ToList();
        var recent = failures <= 0 ? [] : await db.ArchiveFailures.AsNoTracking().OrderByDescending(x => x.Id).Take(failures)
            .Select(x => new ArchiveFailureRow(x.App, x.Seq, x.MsgId, x.PublicKeyVersion, x.Reason, x.Detail, x.At)).ToListAsync(ct);
        return new ArchiveStatusReport(o.Enabled, o.LagAlertMinutes, apps, recent);
    }
}

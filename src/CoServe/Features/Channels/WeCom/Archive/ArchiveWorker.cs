using CoServe.Platform.Live;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>Wakes the archive puller early (the CLI or a test); otherwise it pulls every WeCom:Archive:IntervalSeconds.</summary>
public sealed class ArchiveSignal : WorkSignal;

/// <summary>
/// Pulls every configured app's archive continuously: page after page while pages come back full, then once per
/// interval. Quarantined records last tried with other keys are read again (a key was installed or replaced since).
/// After each round it checks the lag and warns once when it crosses the bound (and once when it is back), and
/// warns once for lost records (seq gaps) until an operator acknowledges them.
/// </summary>
public sealed partial class ArchiveWorker(
    ArchivePuller puller,
    ArchiveSources sources,
    ArchiveStatus status,
    ArchiveSignal signal,
    IOptions<ArchiveOptions> options,
    ILogger<ArchiveWorker> logger)
    : SignalledWorker(signal, TimeSpan.FromSeconds(options.Value.IntervalSeconds), logger)
{
    private readonly HashSet<string> _alerting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _gapAlerting = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        await base.ExecuteAsync(stoppingToken);
    }

    protected override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var more = 0;
        foreach (var app in sources.Apps)
        {
            try
            {
                var page = await puller.PullPageAsync(app, ct);
                if (!page.CaughtUp && !page.Raced) more++;
                await puller.RetryQuarantinedAsync(app, all: false, ct);
            }
            catch (Exception ex) when (ex is ArchiveSourceException or InvalidOperationException)
            {
                // The SDK or simulator failed, or the SDK would not load: the cursor stays, the next round retries,
                // and the lag check below alerts if this goes on. Other apps are still pulled.
                LogPullFailed(logger, app, ex);
            }
        }
        await CheckLagAsync(ct);
        return more;
    }

    private async Task CheckLagAsync(CancellationToken ct)
    {
        var report = await status.ReadAsync(0, ct);
        foreach (var a in report.Apps)
        {
            if (a.Alert && _alerting.Add(a.App)) LogLagAlert(logger, a.App, (int)a.Lag.TotalMinutes, report.LagAlertMinutes, ArchiveOptions.RetentionDays);
            else if (!a.Alert && _alerting.Remove(a.App)) LogLagRecovered(logger, a.App);
            if (a.GapAlert && _gapAlerting.Add(a.App)) LogGapAlert(logger, a.App, a.OpenGaps, a.MissingSeqs);
            else if (!a.GapAlert) _gapAlerting.Remove(a.App);
        }
    }

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App}: pull failed; cursor unchanged, retrying next round")]
    private static partial void LogPullFailed(ILogger logger, string app, Exception ex);

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App} is {LagMinutes} minutes behind (alert bound {BoundMinutes}); WeCom keeps messages only {RetentionDays} days")]
    private static partial void LogLagAlert(ILogger logger, string app, int lagMinutes, int boundMinutes, int retentionDays);

    [LoggerMessage(LogLevel.Warning, "WeCom archive {App} has lost records: {Gaps} unacknowledged gaps, {Missing} seqs known missing; acknowledge with `coserve wecom archive gaps --ack` once handled")]
    private static partial void LogGapAlert(ILogger logger, string app, int gaps, long missing);

    [LoggerMessage(LogLevel.Information, "WeCom archive {App} has caught up again")]
    private static partial void LogLagRecovered(ILogger logger, string app);
}

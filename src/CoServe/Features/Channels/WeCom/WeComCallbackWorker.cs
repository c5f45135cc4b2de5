using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

/// <summary>
/// Does the work the callback endpoint only queued: kf events trigger a sync_msg pull, app messages go to
/// the core's sink, contact changes to <see cref="IWeComContactEvents"/>. Failures are retried with backoff
/// and then logged and counted, never swallowed silently.
/// </summary>
internal sealed partial class WeComCallbackWorker(
    IWeComCallbackQueue queue,
    WeComKfPuller kf,
    IServiceScopeFactory scopes,
    IOptions<WeComOptions> options,
    WeComMetrics metrics,
    TimeProvider clock,
    ILogger<WeComCallbackWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in queue.ReadBatchesAsync(stoppingToken))
            {
                foreach (var work in batch) await ProcessWithRetriesAsync(work, stoppingToken);
                // One completion per batch: on a stored queue each completion is a write competing with the
                // callback inserts. A crash before it hands the batch on again after its lease, as a crash between
                // one callback and its completion always could; the core stores a message once by its idempotency key.
                await queue.CompleteAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    private async Task ProcessWithRetriesAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var max = options.Value.WorkerMaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ProcessAsync(work, ct);
                metrics.Processed.Add(1);
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                if (attempt >= max)
                {
                    metrics.Failed.Add(1);
                    LogGaveUp(logger, ex, work.App, work.Message.MsgType, work.Message.Event, attempt);
                    return;
                }
                var delay = ex is WeComApiException { RetryAfter: { } after } ? after : TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt));
                LogRetry(logger, ex, work.App, work.Message.MsgType, attempt);
                await Task.Delay(delay, clock, ct);
            }
        }
    }

    internal async Task ProcessAsync(WeComCallbackWork work, CancellationToken ct)
    {
        var m = work.Message;
        if (m.MsgType == "event")
        {
            switch (m.Event)
            {
                case "kf_msg_or_event" when !string.IsNullOrEmpty(m.OpenKfId):
                    await kf.PullAsync(work.App, m.OpenKfId, m.Token, ct);
                    return;
                case "change_external_contact":
                    if (WeComInbound.FromContactEvent(work.App, m) is { } change)
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        await scope.ServiceProvider.GetRequiredService<IWeComContactEvents>().OnContactChangedAsync(change, ct);
                    }
                    else
                    {
                        LogIgnored(logger, work.App, m.MsgType, m.ChangeType);
                    }
                    return;
                default:
                    LogIgnored(logger, work.App, m.MsgType, m.Event);
                    return;
            }
        }
        if (WeComInbound.FromAppCallback(m) is { } inbound)
        {
            await using var scope = scopes.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<IInboundMessageSink>().AcceptAsync(inbound, ct);
            if (result.Outcome is InboundOutcome.UnknownClient or InboundOutcome.Rejected) LogNotStored(logger, work.App, result.Outcome);
            return;
        }
        LogIgnored(logger, work.App, m.MsgType, null);
    }

    [LoggerMessage(LogLevel.Debug, "WeCom callback for app {App} ignored: {MsgType} {Detail}")]
    private static partial void LogIgnored(ILogger logger, string app, string msgType, string? detail);

    [LoggerMessage(LogLevel.Warning, "WeCom message for app {App} not stored by the core: {Outcome}")]
    private static partial void LogNotStored(ILogger logger, string app, InboundOutcome outcome);

    [LoggerMessage(LogLevel.Warning, "WeCom callback for app {App} ({MsgType}) failed on attempt {Attempt}; retrying")]
    private static partial void LogRetry(ILogger logger, Exception ex, string app, string msgType, int attempt);

    [LoggerMessage(LogLevel.Error, "WeCom callback for app {App} ({MsgType} {Event}) failed {Attempts} times; given up")]
    private static partial void LogGaveUp(ILogger logger, Exception ex, string app, string msgType, string? @event, int attempts);
}

/// <summary>Counters for the WeCom adapter (OpenTelemetry picks up the meter by name).</summary>
public sealed class WeComMetrics
{
    public const string MeterName = "CoServe.WeCom";

    public WeComMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Accepted = meter.CreateCounter<long>("coserve.wecom.callbacks.accepted");
        Duplicates = meter.CreateCounter<long>("coserve.wecom.callbacks.duplicate");
        Rejected = meter.CreateCounter<long>("coserve.wecom.callbacks.rejected");
        Processed = meter.CreateCounter<long>("coserve.wecom.callbacks.processed");
        Failed = meter.CreateCounter<long>("coserve.wecom.callbacks.failed");
    }

    public Counter<long> Accepted { get; }
    public Counter<long> Duplicates { get; }
    public Counter<long> Rejected { get; }
    public Counter<long> Processed { get; }
    public Counter<long> Failed { get; }
}

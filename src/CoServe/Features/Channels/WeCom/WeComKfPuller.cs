using System.Collections.Concurrent;

namespace CoServe.Features.Channels.WeCom;

/// <summary>
/// Pulls 微信客服 messages with kf/sync_msg after a kf_msg_or_event callback. The cursor per open_kfid is
/// stored only after the page's messages reached the sink, so a crash re-reads a page (the sink is
/// idempotent by msgid) instead of losing it.
/// </summary>
public sealed partial class WeComKfPuller(WeComApiClient api, IWeComCursorStore cursors, IServiceScopeFactory scopes, ILogger<WeComKfPuller> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<int> PullAsync(string app, string openKfId, string? syncToken, CancellationToken ct)
    {
        var key = $"kf:{app}:{openKfId}";
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var delivered = 0;
            var cursor = await cursors.GetAsync(key, ct);
            await using var scope = scopes.CreateAsyncScope();
            var sink = scope.ServiceProvider.GetRequiredService<IInboundMessageSink>();
            while (true)
            {
                var reply = await api.KfSyncMessagesAsync(app, new KfSyncRequest { Cursor = cursor, Token = syncToken, OpenKfid = openKfId, Limit = 1000 }, ct);
                if (reply.Status == WeComCallStatus.Failed && syncToken is not null)
                {
                    // The callback's token lives 10 minutes; after a late retry, pull by cursor alone (a stricter rate limit, but no loss).
                    LogTokenDropped(logger, app, reply.ErrCode);
                    syncToken = null;
                    continue;
                }
                var page = reply.Require();
                foreach (var item in page.MsgList)
                {
                    if (WeComInbound.FromKf(item) is not { } inbound) continue;
                    var result = await sink.AcceptAsync(inbound, ct);
                    if (result.Outcome is InboundOutcome.Stored) delivered++;
                    else if (result.Outcome is InboundOutcome.UnknownClient or InboundOutcome.Rejected) LogNotStored(logger, app, result.Outcome);
                }
                if (!string.IsNullOrEmpty(page.NextCursor))
                {
                    cursor = page.NextCursor;
                    await cursors.SetAsync(key, cursor, ct);
                }
                if (page.HasMore != 1) return delivered;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(LogLevel.Information, "WeCom kf sync for app {App} refused the callback token (errcode {ErrCode}); pulling without it")]
    private static partial void LogTokenDropped(ILogger logger, string app, int errCode);

    [LoggerMessage(LogLevel.Warning, "WeCom kf message for app {App} not stored by the core: {Outcome}")]
    private static partial void LogNotStored(ILogger logger, string app, InboundOutcome outcome);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

public enum WeComCallStatus
{
    Ok = 1,
    /// <summary>Rate-limited, busy or unreachable after the allowed retries: try again after RetryAfter.</summary>
    RetryLater = 2,
    /// <summary>WeCom refused the call with an errcode that a retry will not change.</summary>
    Failed = 3,
}

public sealed record WeComCallResult<T>(WeComCallStatus Status, T? Value, int ErrCode, TimeSpan? RetryAfter)
    where T : WeComReply
{
    public bool IsOk => Status == WeComCallStatus.Ok;

    /// <summary>The reply, or a <see cref="WeComApiException"/> with the errcode.</summary>
    public T Require() => IsOk && Value is not null ? Value : throw new WeComApiException(Status, ErrCode, RetryAfter);
}

public sealed class WeComApiException : Exception
{
    public WeComApiException() { }
    public WeComApiException(string message) : base(message) { }
    public WeComApiException(string message, Exception inner) : base(message, inner) { }

    public WeComApiException(WeComCallStatus status, int errCode, TimeSpan? retryAfter)
        : base($"WeCom call {status}: errcode {errCode}")
    {
        Status = status;
        ErrCode = errCode;
        RetryAfter = retryAfter;
    }

    public WeComCallStatus Status { get; }
    public int ErrCode { get; }
    public TimeSpan? RetryAfter { get; }
}

/// <summary>WeCom error codes CoServe reacts to (全局错误码).</summary>
public static class WeComErrors
{
    public const int SystemBusy = -1;
    public const int InvalidSecret = 40001;
    public const int InvalidCorpId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidParameter = 40058;
    public const int InvalidExternalUserId = 40096;
    public const int TransferTooFrequent = 40128;
    public const int TransferInProgress = 40129;
    public const int TransferSameUser = 40130;
    public const int AccessTokenExpired = 42001;
    public const int ApiFrequencyLimit = 45009;
    public const int ApiConcurrencyLimit = 45033;
    /// <summary>Not a WeCom code: the HTTP call failed or answered 5xx.</summary>
    public const int Transport = -2;
    /// <summary>Not a WeCom code: the app is not configured or has no secret.</summary>
    public const int NotConfigured = -3;
}

/// <summary>
/// WeCom API over HttpClient: access tokens cached per app and refreshed once at a time, one refresh-and-retry
/// on token errors, backoff on rate limits and transient failures, typed failures otherwise.
/// </summary>
public sealed partial class WeComApiClient(
    IHttpClientFactory httpFactory,
    IOptions<WeComOptions> options,
    IWeComAccessTokenStore tokens,
    TimeProvider clock,
    ILogger<WeComApiClient> logger)
{
    public const string HttpClientName = "wecom";

    private readonly WeComOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _refreshGates = new(StringComparer.Ordinal);

    // --- 微信客服 (kf) ---

    public Task<WeComCallResult<KfSyncReply>> KfSyncMessagesAsync(string app, KfSyncRequest request, CancellationToken ct) =>
        PostAsync<KfSyncReply>(app, "cgi-bin/kf/sync_msg", request, ct);

    public Task<WeComCallResult<KfSendReply>> KfSendTextAsync(string app, string openKfId, string externalUserId, string text, string msgId, CancellationToken ct) =>
        PostAsync<KfSendReply>(app, "cgi-bin/kf/send_msg",
            new KfSendTextRequest { Touser = externalUserId, OpenKfid = openKfId, Msgid = msgId, Text = new KfText { Content = text } }, ct);

    public Task<WeComCallResult<KfServiceStateReply>> KfServiceStateAsync(string app, string openKfId, string externalUserId, CancellationToken ct) =>
        PostAsync<KfServiceStateReply>(app, "cgi-bin/kf/service_state/get", new Dictionary<string, object> { ["open_kfid"] = openKfId, ["external_userid"] = externalUserId }, ct);

    /// <summary>Changes a kf session state (0 untouched, 1 smart assistant, 2 waiting pool, 3 human, 4 ended).</summary>
    public Task<WeComCallResult<KfServiceStateTransReply>> KfTransServiceStateAsync(string app, string openKfId, string externalUserId, int serviceState, string? servicerUserId, CancellationToken ct)
    {
        var body = new Dictionary<string, object> { ["open_kfid"] = openKfId, ["external_userid"] = externalUserId, ["service_state"] = serviceState };
        if (servicerUserId is not null) body["servicer_userid"] = servicerUserId;
        return PostAsync<KfServiceStateTransReply>(app, "cgi-bin/kf/service_state/trans", body, ct);
    }

    // --- application messages (应用消息) to staff ---

    public Task<WeComCallResult<AppMessageReply>> AppMessageSendAsync(string app, AppMessageRequest request, CancellationToken ct) =>
        PostAsync<AppMessageReply>(app, "cgi-bin/message/send", request, ct);

    // --- external contacts (客户联系) ---

    public Task<WeComCallResult<ContactListReply>> ContactListAsync(string app, string userId, CancellationToken ct) =>
        GetAsync<ContactListReply>(app, "cgi-bin/externalcontact/list", $"userid={Uri.EscapeDataString(userId)}", ct);

    public Task<WeComCallResult<ContactGetReply>> ContactGetAsync(string app, string externalUserId, string? cursor, CancellationToken ct) =>
        GetAsync<ContactGetReply>(app, "cgi-bin/externalcontact/get",
            $"external_userid={Uri.EscapeDataString(externalUserId)}" + (string.IsNullOrEmpty(cursor) ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), ct);

    public Task<WeComCallResult<BatchGetByUserReply>> ContactBatchGetByUserAsync(string app, BatchGetByUserRequest request, CancellationToken ct)
    {
        // WeCom rejects more; checking here saves a round trip and names the problem.
        if (request.UseridList.Count is 0 or > 100) throw new ArgumentException("userid_list must hold 1-100 staff user ids", nameof(request));
        if (request.Limit is < 1 or > 100) throw new ArgumentException("limit must be 1-100", nameof(request));
        return PostAsync<BatchGetByUserReply>(app, "cgi-bin/externalcontact/batch/get_by_user", request, ct);
    }

    public Task<WeComCallResult<WeComReply>> MarkTagAsync(string app, MarkTagRequest request, CancellationToken ct)
    {
        if ((request.AddTag?.Count ?? 0) == 0 && (request.RemoveTag?.Count ?? 0) == 0)
        {
            throw new ArgumentException("add_tag and remove_tag cannot both be empty", nameof(request));
        }
        return PostAsync<WeComReply>(app, "cgi-bin/externalcontact/mark_tag", request, ct);
    }

    // Raw transfer and group-message calls; WeComTransfers and WeComGroupMessages enforce the limits around them.

    internal Task<WeComCallResult<TransferCustomerReply>> TransferCustomerRawAsync(string app, TransferCustomerRequest request, bool resigned, CancellationToken ct) =>
        PostAsync<TransferCustomerReply>(app, resigned ? "cgi-bin/externalcontact/resigned/transfer_customer" : "cgi-bin/externalcontact/transfer_customer", request, ct);

    public Task<WeComCallResult<TransferResultReply>> TransferResultAsync(string app, TransferResultRequest request, bool resigned, CancellationToken ct) =>
        PostAsync<TransferResultReply>(app, resigned ? "cgi-bin/externalcontact/resigned/transfer_result" : "cgi-bin/externalcontact/transfer_result", request, ct);

    public Task<WeComCallResult<UnassignedReply>> UnassignedListAsync(string app, UnassignedRequest request, CancellationToken ct)
    {
        if (request.PageSize is < 1 or > 1000) throw new ArgumentException("page_size must be 1-1000", nameof(request));
        return PostAsync<UnassignedReply>(app, "cgi-bin/externalcontact/get_unassigned_list", request, ct);
    }

    internal Task<WeComCallResult<AddMsgTemplateReply>> AddMsgTemplateRawAsync(string app, AddMsgTemplateRequest request, CancellationToken ct) =>
        PostAsync<AddMsgTemplateReply>(app, "cgi-bin/externalcontact/add_msg_template", request, ct);

    // --- plumbing ---

    private Task<WeComCallResult<T>> PostAsync<T>(string app, string path, object body, CancellationToken ct) where T : WeComReply =>
        CallWithTokenAsync<T>(app, token => new HttpRequestMessage(HttpMethod.Post, $"{path}?access_token={Uri.EscapeDataString(token)}")
        {
            Content = JsonContent.Create(body, body.GetType(), options: WeComJson.Options),
        }, path, ct);

    private Task<WeComCallResult<T>> GetAsync<T>(string app, string path, string query, CancellationToken ct) where T : WeComReply =>
        CallWithTokenAsync<T>(app, token => new HttpRequestMessage(HttpMethod.Get, $"{path}?access_token={Uri.EscapeDataString(token)}&{query}"), path, ct);

    private async Task<WeComCallResult<T>> CallWithTokenAsync<T>(string app, Func<string, HttpRequestMessage> build, string path, CancellationToken ct) where T : WeComReply
    {
        var refreshed = false;
        while (true)
        {
            var token = await GetAccessTokenAsync(app, ct);
            if (!token.IsOk) return new WeComCallResult<T>(token.Status, null, token.ErrCode, token.RetryAfter);
            var result = await ExchangeAsync<T>(() => build(token.Value!.AccessToken!), path, ct);
            if (result.ErrCode is WeComErrors.InvalidAccessToken or WeComErrors.AccessTokenExpired && !refreshed)
            {
                // Many calls may see the same expiry; Remove only drops this exact token, so one caller refreshes.
                LogTokenRejected(logger, app, result.ErrCode);
                await tokens.RemoveAsync(app, token.Value!.AccessToken!, ct);
                refreshed = true;
                continue;
            }
            return result;
        }
    }

    /// <summary>The app's cached access token, fetched with gettoken when missing or about to expire; one fetch at a time per app.</summary>
    public async Task<WeComCallResult<WeComTokenReply>> GetAccessTokenAsync(string app, CancellationToken ct)
    {
        if (await FreshAsync(app, ct) is { } cached) return Ok(cached);
        var gate = _refreshGates.GetOrAdd(app, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (await FreshAsync(app, ct) is { } again) return Ok(again);
            if (!_options.Apps.TryGetValue(app, out var config) || string.IsNullOrEmpty(config.Secret))
            {
                return new WeComCallResult<WeComTokenReply>(WeComCallStatus.Failed, null, WeComErrors.NotConfigured, null);
            }
            var query = $"corpid={Uri.EscapeDataString(config.CorpId)}&corpsecret={Uri.EscapeDataString(config.Secret)}";
            var reply = await ExchangeAsync<WeComTokenReply>(() => new HttpRequestMessage(HttpMethod.Get, $"cgi-bin/gettoken?{query}"), "cgi-bin/gettoken", ct);
            if (!reply.IsOk) return reply;
            if (string.IsNullOrEmpty(reply.Value!.AccessToken) || reply.Value.ExpiresIn <= 0)
            {
                return new WeComCallResult<WeComTokenReply>(WeComCallStatus.Failed, null, WeComErrors.Transport, null);
            }
            var expires = clock.GetUtcNow().AddSeconds(reply.Value.ExpiresIn);
            await tokens.SetAsync(app, new WeComAccessToken(reply.Value.AccessToken, expires), ct);
            LogTokenRefreshed(logger, app);
            return reply;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask<string?> FreshAsync(string app, CancellationToken ct) =>
        await tokens.GetAsync(app, ct) is { } t && t.ExpiresAt - TimeSpan.FromSeconds(_options.TokenRefreshMarginSeconds) > clock.GetUtcNow() ? t.Token : null;

    private static WeComCallResult<WeComTokenReply> Ok(string token) =>
        new(WeComCallStatus.Ok, new WeComTokenReply { AccessToken = token }, 0, null);

    private async Task<WeComCallResult<T>> ExchangeAsync<T>(Func<HttpRequestMessage> build, string path, CancellationToken ct) where T : WeComReply
    {
        var http = httpFactory.CreateClient(HttpClientName);
        for (var attempt = 0; ; attempt++)
        {
            int errCode;
            try
            {
                using var request = build();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(_options.HttpTimeoutSeconds));
                using var response = await http.SendAsync(request, timeout.Token);
                if ((int)response.StatusCode >= 500)
                {
                    errCode = WeComErrors.Transport;
                }
                else
                {
                    response.EnsureSuccessStatusCode();
                    var reply = await response.Content.ReadFromJsonAsync<T>(WeComJson.Options, timeout.Token)
                        ?? throw new HttpRequestException("empty WeCom reply");
                    errCode = reply.Errcode;
                    if (errCode == 0) return new WeComCallResult<T>(WeComCallStatus.Ok, reply, 0, null);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                errCode = WeComErrors.Transport;
            }

            var transient = errCode is WeComErrors.SystemBusy or WeComErrors.Transport or WeComErrors.ApiFrequencyLimit or WeComErrors.ApiConcurrencyLimit;
            if (!transient)
            {
                LogCallFailed(logger, path, errCode);
                return new WeComCallResult<T>(WeComCallStatus.Failed, null, errCode, null);
            }
            var delay = Backoff(attempt);
            if (attempt >= _options.MaxRetries)
            {
                LogGaveUp(logger, path, errCode, attempt + 1);
                return new WeComCallResult<T>(WeComCallStatus.RetryLater, null, errCode, delay);
            }
            LogRetrying(logger, path, errCode, (int)delay.TotalMilliseconds);
            await Task.Delay(delay, clock, ct);
        }
    }

    /// <summary>Exponential backoff with full jitter, so many callers hit by one rate limit do not come back together.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.RetryMaxDelayMilliseconds, _options.RetryBaseDelayMilliseconds * Math.Pow(2, attempt));
        var ms = (ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2);
        return TimeSpan.FromMilliseconds(ms);
    }

    [LoggerMessage(LogLevel.Information, "WeCom access token refreshed for app {App}")]
    private static partial void LogTokenRefreshed(ILogger logger, string app);

    [LoggerMessage(LogLevel.Information, "WeCom rejected the access token of app {App} (errcode {ErrCode}); refreshing once")]
    private static partial void LogTokenRejected(ILogger logger, string app, int errCode);

    [LoggerMessage(LogLevel.Warning, "WeCom {Path} failed with errcode {ErrCode}")]
    private static partial void LogCallFailed(ILogger logger, string path, int errCode);

    [LoggerMessage(LogLevel.Information, "WeCom {Path} answered errcode {ErrCode}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string path, int errCode, int delayMs);

    [LoggerMessage(LogLevel.Warning, "WeCom {Path} still answered errcode {ErrCode} after {Attempts} attempts; retry later")]
    private static partial void LogGaveUp(ILogger logger, string path, int errCode, int attempts);
}

using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

/// <summary>How many group messages (群发) one customer may receive, as the WeCom admin has set it.</summary>
public enum GroupMessageCapMode
{
    /// <summary>As many per calendar month as the month has days (WeCom's current default).</summary>
    DaysInMonthPerMonth = 1,
    SevenPerWeek = 2,
    OnePerDay = 3,
}

/// <summary>One WeCom application (self-built app or the 微信客服 port) CoServe receives callbacks for.</summary>
public sealed class WeComAppOptions
{
    public string CorpId { get; set; } = "";
    /// <summary>Callback Token (3-32 letters or digits) set in the WeCom admin console.</summary>
    public string Token { get; set; } = "";
    /// <summary>43-character EncodingAESKey set in the WeCom admin console.</summary>
    public string EncodingAesKey { get; set; } = "";
    public string? AgentId { get; set; }
    /// <summary>The app's secret for gettoken; optional for a callback-only app.</summary>
    public string? Secret { get; set; }
    /// <summary>The 微信客服 account (open_kfid) replies go out from, for the kf app.</summary>
    public string? OpenKfId { get; set; }
}

public sealed class WeComOptions
{
    public const string Section = "WeCom";

    public Dictionary<string, WeComAppOptions> Apps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Callbacks whose timestamp is further than this from now are rejected; 0 turns the check off.</summary>
    public int ReplayWindowSeconds { get; set; } = 300;

    /// <summary>How long a callback's MsgId is remembered for de-duplication; must cover the replay window and WeCom's retries.</summary>
    public int DeduplicationWindowSeconds { get; set; } = 3600;

    public int MaxCallbackBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Callbacks waiting for the worker; when full the endpoint answers 503 and WeCom retries.</summary>
    public int CallbackQueueCapacity { get; set; } = 20_000;

    /// <summary>WeCom's API base address; tests and the demo point it at the simulator.</summary>
    public string ApiBaseAddress { get; set; } = "https://qyapi.weixin.qq.com/";

    /// <summary>The app whose secret and open_kfid carry 微信客服 replies (kf/send_msg).</summary>
    public string KfApp { get; set; } = "main";

    /// <summary>A cached access token is refreshed this long before WeCom says it expires.</summary>
    public int TokenRefreshMarginSeconds { get; set; } = 300;

    /// <summary>Retries after a rate limit (45009/45033), system busy (-1), 5xx or a network error, before giving up for now.</summary>
    public int MaxRetries { get; set; } = 3;
    public int RetryBaseDelayMilliseconds { get; set; } = 500;
    public int RetryMaxDelayMilliseconds { get; set; } = 20_000;
    public int HttpTimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts the background worker makes at one callback before it logs and counts it as failed.</summary>
    public int WorkerMaxAttempts { get; set; } = 5;

    /// <summary>Stored callback queue: how long a worker holds a claimed callback before another may take it over (a crashed worker's callbacks come back after this).</summary>
    public int CallbackLeaseSeconds { get; set; } = 300;

    /// <summary>Stored callback queue: how often an idle worker looks for callbacks another node accepted.</summary>
    public int CallbackPollMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Stored callback queue: after handing on a batch, the worker lets the next one gather this long before it claims
    /// it, so that under load one claim and one completion serve many callbacks (each is a write beside the inserts).
    /// Only processing waits, never WeCom's answer; an idle worker still takes a lone callback at once. 0 = no wait.
    /// </summary>
    public int CallbackGatherMilliseconds { get; set; } = 20;

    /// <summary>WeCom allows a customer to be transferred (在职继承) at most this often in <see cref="TransferWindowDays"/> natural days.</summary>
    public int MaxTransfersPerCustomer { get; set; } = 2;
    public int TransferWindowDays { get; set; } = 90;

    public GroupMessageCapMode GroupMessageCap { get; set; } = GroupMessageCapMode.DaysInMonthPerMonth;
}

internal sealed class WeComOptionsValidator : IValidateOptions<WeComOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComOptions o)
    {
        var errors = new List<string>();
        foreach (var (app, a) in o.Apps)
        {
            var at = $"WeCom:Apps:{app}";
            if (!IsAppName(app)) errors.Add($"{at}: app names are letters, digits, '-' or '_'");
            if (string.IsNullOrWhiteSpace(a.CorpId)) errors.Add($"{at}:CorpId is required");
            if (a.Token.Length is < 3 or > 32 || !a.Token.All(char.IsAsciiLetterOrDigit)) errors.Add($"{at}:Token must be 3-32 letters or digits");
            if (WeComCrypto.DecodeAesKey(a.EncodingAesKey) is null) errors.Add($"{at}:EncodingAesKey must be 43 base64 characters");
        }
        if (o.ReplayWindowSeconds < 0) errors.Add("WeCom:ReplayWindowSeconds must be 0 (off) or positive");
        if (o.DeduplicationWindowSeconds < 60) errors.Add("WeCom:DeduplicationWindowSeconds must be at least 60");
        if (o.ReplayWindowSeconds > 0 && o.DeduplicationWindowSeconds < o.ReplayWindowSeconds * 2)
        {
            errors.Add("WeCom:DeduplicationWindowSeconds must be at least twice ReplayWindowSeconds, or a replay could pass both checks");
        }
        if (o.MaxCallbackBodyBytes is < 1024 or > 1024 * 1024) errors.Add("WeCom:MaxCallbackBodyBytes must be 1024..1048576");
        if (o.CallbackQueueCapacity < 1) errors.Add("WeCom:CallbackQueueCapacity must be positive");
        if (!Uri.TryCreate(o.ApiBaseAddress, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            errors.Add("WeCom:ApiBaseAddress must be an absolute http(s) address");
        }
        if (o.TokenRefreshMarginSeconds is < 0 or > 3600) errors.Add("WeCom:TokenRefreshMarginSeconds must be 0..3600");
        if (o.MaxRetries is < 0 or > 10) errors.Add("WeCom:MaxRetries must be 0..10");
        if (o.RetryBaseDelayMilliseconds < 1 || o.RetryMaxDelayMilliseconds < o.RetryBaseDelayMilliseconds) errors.Add("WeCom: retry delays must be positive and max >= base");
        if (o.HttpTimeoutSeconds is < 1 or > 120) errors.Add("WeCom:HttpTimeoutSeconds must be 1..120");
        if (o.WorkerMaxAttempts < 1) errors.Add("WeCom:WorkerMaxAttempts must be at least 1");
        if (o.CallbackLeaseSeconds < 30) errors.Add("WeCom:CallbackLeaseSeconds must be at least 30");
        if (o.CallbackPollMilliseconds is < 10 or > 60_000) errors.Add("WeCom:CallbackPollMilliseconds must be 10..60000");
        if (o.CallbackGatherMilliseconds is < 0 or > 1000) errors.Add("WeCom:CallbackGatherMilliseconds must be 0..1000");
        if (o.MaxTransfersPerCustomer < 1) errors.Add("WeCom:MaxTransfersPerCustomer must be at least 1");
        if (o.TransferWindowDays < 1) errors.Add("WeCom:TransferWindowDays must be at least 1");
        if (!Enum.IsDefined(o.GroupMessageCap)) errors.Add("WeCom:GroupMessageCap must be DaysInMonthPerMonth, SevenPerWeek or OnePerDay");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsAppName(string app) =>
        app.Length is > 0 and <= 64 && app.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

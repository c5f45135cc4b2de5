using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>One WeCom app whose conversation archive (会话存档) CoServe pulls; its CorpId comes from WeCom:Apps:{app}.</summary>
public sealed class ArchiveAppOptions
{
    /// <summary>The 会话内容存档 secret (not the app's own secret): the SDK's Init(corpid, secret).</summary>
    public string Secret { get; set; } = "";

    /// <summary>
    /// The enterprise's RSA private keys by publickey_ver, each a PEM text or the path of a PEM file. Keep the old
    /// versions after a rotation: records already in the archive carry the version they were encrypted with.
    /// </summary>
    public Dictionary<string, string> PrivateKeys { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ArchiveOptions
{
    public const string Section = "WeCom:Archive";

    /// <summary>WeCom keeps archived messages this long; what is not pulled by then is gone.</summary>
    public const int RetentionDays = 5;

    /// <summary>WeCom's GetChatData returns at most this many records per call.</summary>
    public const int MaxBatchSize = 1000;

    public bool Enabled { get; set; }

    /// <summary>Pause between pulls once the archive has been read to its end.</summary>
    public int IntervalSeconds { get; set; } = 60;

    public int BatchSize { get; set; } = MaxBatchSize;

    /// <summary>Operators are alerted when the last pull that reached the end of the archive is older than this.</summary>
    public int LagAlertMinutes { get; set; } = 360;

    /// <summary>
    /// A seq jump of at most this many missing records is taken as a hole in WeCom's numbering, not as lost records:
    /// not recorded, not alerted. DOMAIN.md does not say whether the archive's seqs are dense (WeCom documents only
    /// that they increase), so this is configurable; the default 0 treats every hole as a loss (a false alarm costs an
    /// acknowledgement, a missed loss costs records the brokerage must keep). Raise it where holes show up that are not
    /// losses. Expired records behind a cursor older than the retention are alerted whatever this says.
    /// </summary>
    public int SeqGapTolerance { get; set; }

    /// <summary>Path of WeCom's native Finance SDK (libWeWorkFinanceSdk_C.so). Required against the real WeCom; unset = the simulator at WeCom:ApiBaseAddress.</summary>
    public string? SdkLibraryPath { get; set; }

    /// <summary>GetChatData timeout handed to the SDK (and the HTTP timeout against the simulator).</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Optional proxy for the SDK ("socks5://host:port" or "http://host:port") and its credentials ("user:password").</summary>
    public string? Proxy { get; set; }
    public string? ProxyCredentials { get; set; }

    public Dictionary<string, ArchiveAppOptions> Apps { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class ArchiveOptionsValidator(IOptions<WeComOptions> wecom) : IValidateOptions<ArchiveOptions>
{
    public ValidateOptionsResult Validate(string? name, ArchiveOptions o)
    {
        var errors = new List<string>();
        if (o.IntervalSeconds is < 1 or > 3600) errors.Add("WeCom:Archive:IntervalSeconds must be 1..3600");
        if (o.BatchSize is < 1 or > ArchiveOptions.MaxBatchSize) errors.Add($"WeCom:Archive:BatchSize must be 1..{ArchiveOptions.MaxBatchSize} (WeCom's limit per GetChatData call)");
        if (o.LagAlertMinutes < 1 || o.LagAlertMinutes >= ArchiveOptions.RetentionDays * 24 * 60)
        {
            errors.Add($"WeCom:Archive:LagAlertMinutes must be 1..{(ArchiveOptions.RetentionDays * 24 * 60) - 1}: the alert must come before WeCom's {ArchiveOptions.RetentionDays}-day retention drops messages");
        }
        if (o.SeqGapTolerance is < 0 or > ArchiveOptions.MaxBatchSize)
        {
            errors.Add($"WeCom:Archive:SeqGapTolerance must be 0..{ArchiveOptions.MaxBatchSize} (missing seqs per jump taken as a numbering hole; more would hide a lost page)");
        }
        if (o.TimeoutSeconds is < 1 or > 120) errors.Add("WeCom:Archive:TimeoutSeconds must be 1..120");
        if (!string.IsNullOrWhiteSpace(o.SdkLibraryPath) && !File.Exists(o.SdkLibraryPath))
        {
            errors.Add($"WeCom:Archive:SdkLibraryPath: no file at {o.SdkLibraryPath} (WeCom's libWeWorkFinanceSdk_C.so)");
        }
        if (o.Enabled)
        {
            if (o.Apps.Count == 0) errors.Add("WeCom:Archive:Apps must name at least one app when the archive is enabled");
            if (string.IsNullOrWhiteSpace(o.SdkLibraryPath) && Uri.TryCreate(wecom.Value.ApiBaseAddress, UriKind.Absolute, out var api) && api.Host.EndsWith("weixin.qq.com", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("WeCom:Archive:SdkLibraryPath is required: WeCom serves the archive only through its native SDK (without it CoServe reads the simulator at WeCom:ApiBaseAddress)");
            }
        }
        foreach (var (app, a) in o.Apps)
        {
            var at = $"WeCom:Archive:Apps:{app}";
            if (!wecom.Value.Apps.ContainsKey(app)) errors.Add($"{at}: no WeCom:Apps:{app} (its CorpId is needed)");
            if (string.IsNullOrWhiteSpace(a.Secret)) errors.Add($"{at}:Secret (the 会话内容存档 secret) is required");
            if (a.PrivateKeys.Count == 0) errors.Add($"{at}:PrivateKeys needs at least one key (by publickey_ver)");
            foreach (var (version, key) in a.PrivateKeys)
            {
                if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{at}:PrivateKeys:{version}: the key version must be a number (publickey_ver)");
                }
                else if (ArchiveKeyRing.Describe(key) is { } problem)
                {
                    errors.Add($"{at}:PrivateKeys:{version}: {problem}");
                }
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

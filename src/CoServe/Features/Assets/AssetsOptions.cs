using Microsoft.Extensions.Options;

namespace CoServe.Features.Assets;

public enum MadaMode
{
    /// <summary>Denominator = the month's natural days; days without a snapshot carry the latest earlier value.</summary>
    Natural = 1,
    /// <summary>Denominator = the distinct dates of the month present in the store (trading days).</summary>
    Trading = 2,
}

/// <summary>A reporting band above the tier line, e.g. 2,000,000 (Wealth) and 6,000,000 (Private).</summary>
public sealed class ReportingTier
{
    public string Name { get; set; } = "";
    public decimal Minimum { get; set; }
}

/// <summary>Month-end policy for monthly average daily assets (月日均资产) and tiers.</summary>
public sealed class AssetsOptions
{
    public const string Section = "Assets";

    /// <summary>MADA below this is Base (两基); at or above is HighEnd. Default 500,000.00.</summary>
    public decimal TierThreshold { get; set; } = 500_000.00m;

    /// <summary>Optional extra bands for reports; they never change the Base/HighEnd tier.</summary>
    public List<ReportingTier> ReportingTiers { get; set; } = [];

    public MadaMode DefaultMode { get; set; } = MadaMode.Natural;

    /// <summary>Components summed into total assets when a feed row has no total_assets column value.</summary>
    public bool IncludeCash { get; set; } = true;
    public bool IncludeSecurities { get; set; } = true;
    public bool IncludeProducts { get; set; } = true;
    /// <summary>Margin account net assets (assets minus debt).</summary>
    public bool IncludeMarginNet { get; set; } = true;

    /// <summary>Lines longer than this are rejected without being buffered.</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024;

    /// <summary>Reject snapshot dates more than this many days after today (Asia/Shanghai): catches swapped day/month.</summary>
    public int MaxDaysInFuture { get; set; } = 1;

    /// <summary>Parsed feed rows kept in memory before they spill to temporary files (default 512 MiB).</summary>
    public long ImportMemoryBudgetBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Daily values are kept at least this many months (minimum 3).</summary>
    public int DailyRetentionMonths { get; set; } = 13;
}

internal sealed class AssetsOptionsValidator : IValidateOptions<AssetsOptions>
{
    public ValidateOptionsResult Validate(string? name, AssetsOptions o)
    {
        var errors = new List<string>();
        if (o.TierThreshold <= 0) errors.Add("Assets:TierThreshold must be positive");
        if (decimal.Round(o.TierThreshold, 2) != o.TierThreshold) errors.Add("Assets:TierThreshold has more than 2 decimals");
        foreach (var t in o.ReportingTiers)
        {
            if (string.IsNullOrWhiteSpace(t.Name)) errors.Add("Assets:ReportingTiers: every tier needs a Name");
            if (t.Minimum <= 0) errors.Add($"Assets:ReportingTiers:{t.Name}: Minimum must be positive");
        }
        if (o.ReportingTiers.Select(t => t.Minimum).Distinct().Count() != o.ReportingTiers.Count)
        {
            errors.Add("Assets:ReportingTiers: minimums must differ");
        }
        if (!o.IncludeCash && !o.IncludeSecurities && !o.IncludeProducts && !o.IncludeMarginNet)
        {
            errors.Add("Assets: at least one component must be included in total assets");
        }
        if (o.MaxLineBytes is < 256 or > 16 * 1024 * 1024) errors.Add("Assets:MaxLineBytes must be 256..16777216");
        if (o.MaxDaysInFuture is < 0 or > 366) errors.Add("Assets:MaxDaysInFuture must be 0..366");
        if (o.ImportMemoryBudgetBytes < 4096) errors.Add("Assets:ImportMemoryBudgetBytes must be at least 4096");
        if (o.DailyRetentionMonths < 3) errors.Add("Assets:DailyRetentionMonths must be at least 3");
        if (!Enum.IsDefined(o.DefaultMode)) errors.Add("Assets:DefaultMode must be natural or trading");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

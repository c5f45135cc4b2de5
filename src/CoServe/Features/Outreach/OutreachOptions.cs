using System.Globalization;
using CoServe.Features.Clients;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

/// <summary>A cap per period; 0 means no cap for that period.</summary>
public sealed class PeriodCaps
{
    public int PerDay { get; set; }
    public int PerWeek { get; set; }
    public int PerMonth { get; set; }

    public int For(CapPeriod period) => period switch
    {
        CapPeriod.Day => PerDay,
        CapPeriod.Week => PerWeek,
        CapPeriod.Month => PerMonth,
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, null),
    };
}

public sealed class ConsentRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Service notices need the client's ServiceMessages consent (PIPL: a stated purpose per message kind).</summary>
    public bool ServiceNoticesNeedConsent { get; set; } = true;

    /// <summary>
    /// PIPL requires an easy opt-out from personalised push, not an opt-in; by default a client receives
    /// personalised content unless a PersonalisedPush consent row says "not granted". True makes it opt-in.
    /// </summary>
    public bool PersonalisedNeedsExplicitConsent { get; set; }
}

public sealed class SuitabilityRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Clients at or below this level are treated as the lowest category (最低类别): never any above-level product
    /// content, not even in a conversation they started. C1 "includes" the lowest category and the client book
    /// does not mark it separately, so the safe default treats every C1 client as lowest category.
    /// </summary>
    public SuitabilityLevel LowestCategoryUpTo { get; set; } = SuitabilityLevel.C1;
}

public sealed class CapRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Urgent service notices (risk alerts about the client's own account) are never capped.</summary>
    public bool UrgentExempt { get; set; } = true;

    public PeriodCaps Marketing { get; set; } = new() { PerDay = 1, PerWeek = 3, PerMonth = 8 };
    public PeriodCaps Research { get; set; } = new() { PerDay = 2, PerWeek = 6, PerMonth = 20 };
    public PeriodCaps ServiceNotice { get; set; } = new() { PerDay = 5, PerWeek = 15, PerMonth = 40 };

    public PeriodCaps For(OutboundCategory category) => category switch
    {
        OutboundCategory.Marketing => Marketing,
        OutboundCategory.Research => Research,
        OutboundCategory.ServiceNotice => ServiceNotice,
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };
}

public sealed class WeComGroupCapRuleOptions
{
    /// <summary>The cap itself (days-in-month per month, 7 per week or 1 per day) is WeCom:GroupMessageCap.</summary>
    public bool Enabled { get; set; } = true;
}

public sealed class DeduplicationRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>What the client received within this many days counts.</summary>
    public int WindowDays { get; set; } = 7;

    /// <summary>Texts shorter than this after normalisation ("好的", "您好") are never duplicates.</summary>
    public int MinCharacters { get; set; } = 20;

    /// <summary>Near duplicate: estimated Jaccard similarity of character bigrams at least this...</summary>
    public double NearDuplicateJaccard { get; set; } = 0.4;

    /// <summary>...and at least this share of the shorter text's bigrams found in the other...</summary>
    public double NearDuplicateContainment { get; set; } = 0.55;

    // ...and the same numbers (dates, times, rates, codes) in both: the same template with other figures is other news.

    /// <summary>Replies in a conversation the client started are de-duplicated too (the default).</summary>
    public bool ConversationReplies { get; set; } = true;
}

public sealed class QuietHoursRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Asia/Shanghai local time, HH:mm; may be later than <see cref="End"/> (across midnight).</summary>
    public string Start { get; set; } = "21:30";

    public string End { get; set; } = "08:30";

    public TimeOnly StartTime => TimeOnly.ParseExact(Start, "HH:mm", CultureInfo.InvariantCulture);
    public TimeOnly EndTime => TimeOnly.ParseExact(End, "HH:mm", CultureInfo.InvariantCulture);
}

public sealed class OpenComplaintRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Research pushes are held back too while a complaint is open (marketing always is).</summary>
    public bool AlsoResearch { get; set; }
}

public sealed class GateOptions
{
    public ConsentRuleOptions Consent { get; set; } = new();
    public SuitabilityRuleOptions Suitability { get; set; } = new();
    public CapRuleOptions Caps { get; set; } = new();
    public WeComGroupCapRuleOptions WeComGroupCap { get; set; } = new();
    public DeduplicationRuleOptions Deduplication { get; set; } = new();
    public QuietHoursRuleOptions QuietHours { get; set; } = new();
    public OpenComplaintRuleOptions OpenComplaint { get; set; } = new();
}

public sealed class CampaignOptions
{
    /// <summary>How often the campaign worker looks for due campaigns and deferred recipients.</summary>
    public int PollSeconds { get; set; } = 5;

    /// <summary>Default and upper bound of a campaign's throttle (messages per minute).</summary>
    public int DefaultThrottlePerMinute { get; set; } = 600;
    public int MaxThrottlePerMinute { get; set; } = 60_000;

    /// <summary>Audiences larger than this are refused (protects the store and the channel).</summary>
    public int MaxAudience { get; set; } = 2_000_000;

    /// <summary>
    /// WeCom userid that sends group-message tasks for clients no staff member has chatted with (the service
    /// officer's port); empty means such clients are reported as "no sender".
    /// </summary>
    public string? ServiceOfficerWeComUserId { get; set; }

    /// <summary>A WeCom task still "calling" after this long was interrupted; its outcome is unknown and it is not retried.</summary>
    public int StaleTaskMinutes { get; set; } = 10;

    /// <summary>The WeCom app whose secret creates group-message tasks.</summary>
    public string WeComApp { get; set; } = "main";

    /// <summary>
    /// Recipients claimed, decided by the gate and written in one transaction (never more than the throttle
    /// allows at the time). Larger batches cost less per message but hold the batch's clients' gate locks longer.
    /// </summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Claims (each deferral and each failed try counts) after which a recipient whose send fails on its own is failed for good.</summary>
    public int MaxAttempts { get; set; } = 5;
}

public sealed class OutreachOptions
{
    public const string Section = "Outreach";

    public GateOptions Gate { get; set; } = new();
    public CampaignOptions Campaigns { get; set; } = new();

    /// <summary>Sent-message ledger rows older than this are removed (the client view shows this far back).</summary>
    public int LedgerRetentionDays { get; set; } = 400;
}

internal sealed class OutreachOptionsValidator : IValidateOptions<OutreachOptions>
{
    public ValidateOptionsResult Validate(string? name, OutreachOptions o)
    {
        var errors = new List<string>();
        var g = o.Gate;
        if (!Enum.IsDefined(g.Suitability.LowestCategoryUpTo)) errors.Add("Outreach:Gate:Suitability:LowestCategoryUpTo must be C1..C5");
        foreach (var category in Enum.GetValues<OutboundCategory>())
        {
            var c = g.Caps.For(category);
            if (c.PerDay < 0 || c.PerWeek < 0 || c.PerMonth < 0) errors.Add($"Outreach:Gate:Caps:{category}: caps are 0 (none) or positive");
            if (c.PerDay > 0 && c.PerWeek > 0 && c.PerWeek < c.PerDay) errors.Add($"Outreach:Gate:Caps:{category}: PerWeek below PerDay");
            if (c.PerWeek > 0 && c.PerMonth > 0 && c.PerMonth < c.PerWeek) errors.Add($"Outreach:Gate:Caps:{category}: PerMonth below PerWeek");
        }
        var d = g.Deduplication;
        if (d.WindowDays is < 1 or > 90) errors.Add("Outreach:Gate:Deduplication:WindowDays must be 1..90");
        if (d.MinCharacters is < 2 or > 1000) errors.Add("Outreach:Gate:Deduplication:MinCharacters must be 2..1000");
        if (d.NearDuplicateJaccard is <= 0 or > 1) errors.Add("Outreach:Gate:Deduplication:NearDuplicateJaccard must be in (0, 1]");
        if (d.NearDuplicateContainment is <= 0 or > 1) errors.Add("Outreach:Gate:Deduplication:NearDuplicateContainment must be in (0, 1]");
        if (!TimeOnly.TryParseExact(g.QuietHours.Start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(g.QuietHours.End, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            errors.Add("Outreach:Gate:QuietHours:Start and End are HH:mm (Asia/Shanghai)");
        }
        else if (start == end)
        {
            errors.Add("Outreach:Gate:QuietHours: Start and End must differ (turn the rule off with Enabled=false)");
        }
        var c2 = o.Campaigns;
        if (c2.PollSeconds is < 1 or > 3600) errors.Add("Outreach:Campaigns:PollSeconds must be 1..3600");
        if (c2.MaxThrottlePerMinute < 1) errors.Add("Outreach:Campaigns:MaxThrottlePerMinute must be positive");
        if (c2.DefaultThrottlePerMinute < 1 || c2.DefaultThrottlePerMinute > c2.MaxThrottlePerMinute)
        {
            errors.Add("Outreach:Campaigns:DefaultThrottlePerMinute must be 1..MaxThrottlePerMinute");
        }
        if (c2.StaleTaskMinutes is < 1 or > 1440) errors.Add("Outreach:Campaigns:StaleTaskMinutes must be 1..1440");
        if (c2.MaxAudience < 1) errors.Add("Outreach:Campaigns:MaxAudience must be positive");
        if (string.IsNullOrWhiteSpace(c2.WeComApp)) errors.Add("Outreach:Campaigns:WeComApp is required");
        if (c2.BatchSize is < 1 or > 1000) errors.Add("Outreach:Campaigns:BatchSize must be 1..1000");
        if (c2.MaxAttempts is < 1 or > 100) errors.Add("Outreach:Campaigns:MaxAttempts must be 1..100");
        if (o.LedgerRetentionDays < d.WindowDays || o.LedgerRetentionDays < 32) errors.Add("Outreach:LedgerRetentionDays must cover the de-duplication window and a month");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

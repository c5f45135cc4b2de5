using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Organization;
using CoServe.Platform.Time;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties;

/// <summary>
/// Policy for the duties the client manager keeps (commission, AML, complaints, callbacks). Every number here is
/// firm policy or a regulatory threshold, so it is configuration ("Duties" section); defaults are in
/// appsettings.json, docs in Features/Duties/README.md. Lists left empty in configuration get the defaults.
/// </summary>
public sealed class DutiesOptions
{
    public const string Section = "Duties";

    /// <summary>
    /// The business day that duty deadlines count in (Asia/Shanghai), with the shared Calendar's public holidays
    /// and make-up workdays. "N business days" means N times this window of working time.
    /// </summary>
    public WorkingHoursOptions BusinessHours { get; set; } = new();

    /// <summary>How often the deadline job runs (seconds).</summary>
    public int JobIntervalSeconds { get; set; } = 60;

    public CommissionOptions Commission { get; set; } = new();
    public AmlOptions Aml { get; set; } = new();
    public ComplaintOptions Complaints { get; set; } = new();
    public CallbackOptions Callbacks { get; set; } = new();

    /// <summary>Fills lists the configuration left empty (the binder appends to non-empty defaults, so defaults live here).</summary>
    public void ApplyDefaults()
    {
        if (Commission.Floors.Count == 0)
        {
            Commission.Floors =
            [
                new CommissionFloor { MinAssets = 0m, Rate = "0.025%" },
                new CommissionFloor { MinAssets = 500_000m, Rate = "0.02%" },
                new CommissionFloor { MinAssets = 2_000_000m, Rate = "0.015%" },
                new CommissionFloor { MinAssets = 6_000_000m, Rate = "0.012%" },
            ];
        }
        if (Commission.Approvals.Count == 0)
        {
            Commission.Approvals =
            [
                new ApprovalRule { MaxDiscountPercent = 20, Chain = [StaffRole.BranchHead] },
                new ApprovalRule { MaxDiscountPercent = 100, Chain = [StaffRole.BranchHead, StaffRole.Compliance] },
            ];
        }
        if (Commission.Deadline.Ladder.Count == 0) Commission.Deadline.Ladder = [StaffRole.BranchHead, StaffRole.Admin];
        if (Complaints.Deadline.Ladder.Count == 0) Complaints.Deadline.Ladder = [StaffRole.BranchHead, StaffRole.Compliance, StaffRole.Admin];
    }
}

/// <summary>Reminder before and escalation ladder after a duty deadline.</summary>
public sealed class DeadlinePolicy
{
    /// <summary>Remind the owner when this share of the time to the deadline has passed (0.8 = at 80%).</summary>
    public double ReminderAt { get; set; } = 0.8;

    /// <summary>Who is told, level by level, once the deadline is breached; the owner is always told too.</summary>
    public List<StaffRole> Ladder { get; set; } = [];

    /// <summary>After a breach, climb one level every this many business days.</summary>
    public double EscalateEveryBusinessDays { get; set; } = 1;
}

/// <summary>A floor (lowest allowed rate) for clients with at least <see cref="MinAssets"/> monthly average daily assets.</summary>
public sealed class CommissionFloor
{
    /// <summary>Only for this tier; null = any tier.</summary>
    public AssetTier? Tier { get; set; }

    /// <summary>Monthly average daily assets (yuan) from which this floor applies.</summary>
    public decimal MinAssets { get; set; }

    /// <summary>"0.025%" or "万2.5".</summary>
    public string Rate { get; set; } = "";
}

/// <summary>Discounts up to <see cref="MaxDiscountPercent"/> of the current rate need this approval chain, in order.</summary>
public sealed class ApprovalRule
{
    public int MaxDiscountPercent { get; set; }
    public List<StaffRole> Chain { get; set; } = [];
}

public sealed class CommissionOptions
{
    /// <summary>The firm's list rate: a client's rate until one is agreed.</summary>
    public string StandardRate { get; set; } = "0.03%";

    /// <summary>The highest rate a request may set (regulatory cap 0.3%).</summary>
    public string MaxRate { get; set; } = "0.3%";

    public List<CommissionFloor> Floors { get; set; } = [];

    /// <summary>Sorted by <see cref="ApprovalRule.MaxDiscountPercent"/>; the first rule covering the discount applies.</summary>
    public List<ApprovalRule> Approvals { get; set; } = [];

    /// <summary>From the client's request to the answer (approved or refused), in business days.</summary>
    public double AnswerBusinessDays { get; set; } = 3;

    public DeadlinePolicy Deadline { get; set; } = new();

    /// <summary>Told to the client when the new rate is approved: {0} the rate (万2.5), {1} the effective date.</summary>
    public string ApprovedNotice { get; set; } = "您好，您的佣金费率已调整为{0}，自{1}起生效。如有疑问，请联系您的客户经理。";

    /// <summary>Told to the client when a rate they asked for cannot be granted.</summary>
    public string RejectedNotice { get; set; } = "您好，您申请的佣金调整暂未获批准，您的客户经理会与您联系说明情况。";

    internal CommissionRate Standard => CommissionRate.Parse(StandardRate);
    internal CommissionRate Max => CommissionRate.Parse(MaxRate);
}

public sealed class LargeValueThresholds
{
    /// <summary>Cash deposits and withdrawals, same day, single or cumulative.</summary>
    public decimal Cash { get; set; } = 50_000m;

    /// <summary>Natural person, domestic transfers.</summary>
    public decimal NaturalDomesticTransfer { get; set; } = 500_000m;

    /// <summary>Natural person, cross-border transfers.</summary>
    public decimal NaturalCrossBorderTransfer { get; set; } = 200_000m;

    /// <summary>Non-natural person (organisation) transfers.</summary>
    public decimal NonNaturalTransfer { get; set; } = 2_000_000m;
}

public sealed class AmlOptions
{
    /// <summary>Months between periodic reviews by risk level (highest risk at least every 6 months, unconfirmed).</summary>
    public Dictionary<AmlRiskLevel, int> ReviewMonths { get; set; } = new()
    {
        [AmlRiskLevel.High] = 6,
        [AmlRiskLevel.Medium] = 12,
        [AmlRiskLevel.Low] = 36,
    };

    /// <summary>Tasks are created this many days before they are due.</summary>
    public int TaskLeadDays { get; set; } = 30;

    /// <summary>Identity and contact information older than this needs a KYC refresh.</summary>
    public int KycRefreshMonths { get; set; } = 24;

    public LargeValueThresholds LargeValue { get; set; } = new();

    /// <summary>Structuring: amounts within this percentage below a threshold count as near it.</summary>
    public int StructuringBandPercent { get; set; } = 10;

    /// <summary>Structuring: this many near-threshold transactions of one kind in a day open a case.</summary>
    public int StructuringMinCount { get; set; } = 2;

    /// <summary>Rapid in-and-out: money in on a day at least this much ...</summary>
    public decimal RapidInOutMinInflow { get; set; } = 100_000m;

    /// <summary>... and at least this percentage of it out again the same day.</summary>
    public int RapidInOutOutflowPercent { get; set; } = 90;

    /// <summary>Many third parties: this many distinct counterparties in a day.</summary>
    public int ManyCounterpartiesMin { get; set; } = 10;

    /// <summary>Large-value reports are due this many business days after the transaction day.</summary>
    public double ReportBusinessDays { get; set; } = 5;

    /// <summary>Compliance decides a suspicious case (report or dismiss) within this many business days.</summary>
    public double CaseBusinessDays { get; set; } = 5;

    /// <summary>Feed lines longer than this are rejected without being buffered.</summary>
    public int MaxLineBytes { get; set; } = 4096;
}

public sealed class ComplaintOptions
{
    /// <summary>Acknowledge the complaint to the client within this many business days (firm policy, unconfirmed).</summary>
    public double AcknowledgeBusinessDays { get; set; } = 1;

    /// <summary>Resolve within this many business days of receipt (firm policy, unconfirmed).</summary>
    public double ResolveBusinessDays { get; set; } = 15;

    /// <summary>Satisfaction callback within this many business days after resolution.</summary>
    public double CallbackBusinessDays { get; set; } = 3;

    /// <summary>Complaint files are kept at least this many years from resolution (law: at least 3).</summary>
    public int RetentionYears { get; set; } = 3;

    public DeadlinePolicy Deadline { get; set; } = new();

    /// <summary>Told to the client on acknowledgement: {0} the complaint number, {1} the business days to resolve.</summary>
    public string AcknowledgedNotice { get; set; } = "您好，您的投诉（编号{0}）已受理，我们将在{1}个工作日内答复您。";

    /// <summary>Told to the client on resolution: {0} the complaint number, {1} the outcome in words.</summary>
    public string ResolvedNotice { get; set; } = "您好，您的投诉（编号{0}）已办结：{1}。稍后我们会回访了解您的满意度。";
}

public sealed class CallbackOptions
{
    /// <summary>New clients are called back within this many months of opening the account.</summary>
    public int NewClientWithinMonths { get; set; } = 1;

    /// <summary>Share of existing clients called back each year (at least 10%).</summary>
    public decimal AnnualSampleRate { get; set; } = 0.10m;
}

internal sealed class DutiesOptionsValidator : IValidateOptions<DutiesOptions>
{
    public ValidateOptionsResult Validate(string? name, DutiesOptions o)
    {
        var errors = new List<string>();
        errors.AddRange(o.BusinessHours.Validate("Duties:BusinessHours"));
        if (o.JobIntervalSeconds is < 1 or > 3600) errors.Add("Duties:JobIntervalSeconds must be 1..3600");
        ValidateCommission(o.Commission, errors);
        ValidateAml(o.Aml, errors);
        var c = o.Complaints;
        if (c.AcknowledgeBusinessDays is <= 0 or > 60) errors.Add("Duties:Complaints:AcknowledgeBusinessDays must be more than 0 and at most 60");
        if (c.ResolveBusinessDays < c.AcknowledgeBusinessDays || c.ResolveBusinessDays > 120) errors.Add("Duties:Complaints:ResolveBusinessDays must be at least AcknowledgeBusinessDays and at most 120");
        if (c.CallbackBusinessDays is <= 0 or > 60) errors.Add("Duties:Complaints:CallbackBusinessDays must be more than 0 and at most 60");
        if (c.RetentionYears < 3) errors.Add("Duties:Complaints:RetentionYears must be at least 3 (complaint files are kept at least 3 years)");
        ValidateDeadline(c.Deadline, "Duties:Complaints:Deadline", errors);
        if (!c.AcknowledgedNotice.Contains("{0}", StringComparison.Ordinal)) errors.Add("Duties:Complaints:AcknowledgedNotice must contain {0} (complaint number)");
        if (!c.ResolvedNotice.Contains("{1}", StringComparison.Ordinal)) errors.Add("Duties:Complaints:ResolvedNotice must contain {1} (outcome)");
        if (o.Callbacks.NewClientWithinMonths is < 1 or > 12) errors.Add("Duties:Callbacks:NewClientWithinMonths must be 1..12");
        if (o.Callbacks.AnnualSampleRate is < 0.10m or > 1m) errors.Add("Duties:Callbacks:AnnualSampleRate must be 0.10..1 (at least 10% of existing clients a year)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateCommission(CommissionOptions c, List<string> errors)
    {
        if (!CommissionRate.TryParse(c.StandardRate, out _, out var e1)) errors.Add($"Duties:Commission:StandardRate: {e1}");
        if (!CommissionRate.TryParse(c.MaxRate, out _, out var e2)) errors.Add($"Duties:Commission:MaxRate: {e2}");
        if (c.Floors.Count == 0) errors.Add("Duties:Commission:Floors needs at least one floor");
        foreach (var f in c.Floors)
        {
            if (!CommissionRate.TryParse(f.Rate, out _, out var e)) errors.Add($"Duties:Commission:Floors: '{f.Rate}': {e}");
            if (f.MinAssets < 0) errors.Add("Duties:Commission:Floors: MinAssets cannot be negative");
        }
        if (!c.Floors.Any(f => f.MinAssets == 0 && f.Tier is null)) errors.Add("Duties:Commission:Floors needs a floor for any tier from 0 assets");
        if (c.Approvals.Count == 0 || c.Approvals.Max(a => a.MaxDiscountPercent) < 100) errors.Add("Duties:Commission:Approvals must cover discounts up to 100%");
        foreach (var a in c.Approvals)
        {
            if (a.Chain.Count == 0) errors.Add("Duties:Commission:Approvals: every rule needs a Chain of roles");
            if (a.Chain.Any(r => r is not (StaffRole.BranchHead or StaffRole.Compliance or StaffRole.Admin))) errors.Add("Duties:Commission:Approvals: approvers are BranchHead, Compliance or Admin");
        }
        if (c.AnswerBusinessDays is <= 0 or > 60) errors.Add("Duties:Commission:AnswerBusinessDays must be more than 0 and at most 60");
        ValidateDeadline(c.Deadline, "Duties:Commission:Deadline", errors);
        if (!c.ApprovedNotice.Contains("{0}", StringComparison.Ordinal) || !c.ApprovedNotice.Contains("{1}", StringComparison.Ordinal)) errors.Add("Duties:Commission:ApprovedNotice must contain {0} (rate) and {1} (effective date)");
    }

    private static void ValidateAml(AmlOptions a, List<string> errors)
    {
        foreach (var level in Enum.GetValues<AmlRiskLevel>())
        {
            if (!a.ReviewMonths.TryGetValue(level, out var m) || m is < 1 or > 120) errors.Add($"Duties:Aml:ReviewMonths:{level} must be 1..120");
        }
        if (a.TaskLeadDays is < 0 or > 365) errors.Add("Duties:Aml:TaskLeadDays must be 0..365");
        if (a.KycRefreshMonths is < 1 or > 240) errors.Add("Duties:Aml:KycRefreshMonths must be 1..240");
        var t = a.LargeValue;
        if (t.Cash <= 0 || t.NaturalDomesticTransfer <= 0 || t.NaturalCrossBorderTransfer <= 0 || t.NonNaturalTransfer <= 0) errors.Add("Duties:Aml:LargeValue thresholds must be positive");
        if (a.StructuringBandPercent is < 1 or > 50) errors.Add("Duties:Aml:StructuringBandPercent must be 1..50");
        if (a.StructuringMinCount < 2) errors.Add("Duties:Aml:StructuringMinCount must be at least 2");
        if (a.RapidInOutMinInflow <= 0) errors.Add("Duties:Aml:RapidInOutMinInflow must be positive");
        if (a.RapidInOutOutflowPercent is < 1 or > 100) errors.Add("Duties:Aml:RapidInOutOutflowPercent must be 1..100");
        if (a.ManyCounterpartiesMin < 2) errors.Add("Duties:Aml:ManyCounterpartiesMin must be at least 2");
        if (a.ReportBusinessDays <= 0 || a.CaseBusinessDays <= 0) errors.Add("Duties:Aml: ReportBusinessDays and CaseBusinessDays must be positive");
        if (a.MaxLineBytes is < 256 or > 1 << 20) errors.Add("Duties:Aml:MaxLineBytes must be 256..1048576");
    }

    private static void ValidateDeadline(DeadlinePolicy d, string section, List<string> errors)
    {
        if (d.ReminderAt is <= 0 or >= 1) errors.Add($"{section}:ReminderAt must be between 0 and 1 (exclusive)");
        if (d.Ladder.Count == 0) errors.Add($"{section}:Ladder needs at least one role");
        if (d.EscalateEveryBusinessDays <= 0) errors.Add($"{section}:EscalateEveryBusinessDays must be positive");
    }
}

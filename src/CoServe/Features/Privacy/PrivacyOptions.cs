using CoServe.Features.Organization;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Privacy;

/// <summary>The client's privacy page and the privacy desk (section <c>Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>
    /// Working days the privacy desk has to answer a rights request. GB/T 35273-2020 (8.7) allows up to 30 days;
    /// the default is the firm's stricter 15 working days.
    /// </summary>
    public int ResponseWorkingDays { get; set; } = 15;

    /// <summary>The desk is reminded of an open request when this many working days are left (the last day included).</summary>
    public int ReminderWorkingDays { get; set; } = 3;

    /// <summary>How far back the client's page lists who viewed his personal information.</summary>
    public int AccessHistoryDays { get; set; } = 365;

    /// <summary>
    /// No tipping-off (反洗钱法): a view of the client's data made while an AML matter of his was open, or this many
    /// days before one opened, is not shown to him, whatever purpose it stated.
    /// </summary>
    public int AmlLookBackDays { get; set; } = 90;

    /// <summary>
    /// Roles whose views are never shown to the client besides Compliance, which always is withheld (inspections and
    /// investigations are confidential). Empty by default.
    /// </summary>
    public List<StaffRole> AlsoWithheldRoles { get; set; } = [];

    public bool IsWithheld(StaffRole role) => role == StaffRole.Compliance || AlsoWithheldRoles.Contains(role);

    /// <summary>Longest text a client may write in a request.</summary>
    public int MaxRequestLength { get; set; } = 1000;

    /// <summary>Open requests a client may have at once (a form is not a flood channel).</summary>
    public int MaxOpenRequestsPerClient { get; set; } = 5;
}

internal sealed class PrivacyOptionsValidator : IValidateOptions<PrivacyOptions>
{
    public ValidateOptionsResult Validate(string? name, PrivacyOptions o)
    {
        var errors = new List<string>();
        if (o.ResponseWorkingDays is < 1 or > 30) errors.Add("Privacy:ResponseWorkingDays must be 1..30 (GB/T 35273-2020 allows at most 30 days)");
        if (o.ReminderWorkingDays < 1 || o.ReminderWorkingDays > o.ResponseWorkingDays) errors.Add("Privacy:ReminderWorkingDays must be 1..ResponseWorkingDays");
        if (o.AccessHistoryDays is < 30 or > 3650) errors.Add("Privacy:AccessHistoryDays must be 30..3650");
        if (o.AmlLookBackDays is < 0 or > 365) errors.Add("Privacy:AmlLookBackDays must be 0..365");
        if (o.MaxRequestLength is < 50 or > 5000) errors.Add("Privacy:MaxRequestLength must be 50..5000");
        if (o.MaxOpenRequestsPerClient is < 1 or > 50) errors.Add("Privacy:MaxOpenRequestsPerClient must be 1..50");
        if (o.AlsoWithheldRoles.Any(r => !Enum.IsDefined(r))) errors.Add("Privacy:AlsoWithheldRoles names an unknown role");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

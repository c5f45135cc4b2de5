using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

/// <summary>A service-officer WeCom account (服务官企微号) that takes over clients, with how many it may hold.</summary>
public sealed class OfficerWeComAccount
{
    public string UserId { get; set; } = "";
    public int Capacity { get; set; } = 20_000;
}

/// <summary>
/// Month-end transfer policy (划转). Validated at start-up; every number here is firm policy, not code.
/// </summary>
public sealed class TransferOptions
{
    public const string Section = "Transfers";

    /// <summary>Move down (to the service officer) only when MADA is below this in every month considered. Default: the tier threshold.</summary>
    public decimal? MoveDownBelow { get; set; }

    /// <summary>Move up (to a manager) only when MADA is at or above this in every month considered. Default: the tier threshold.</summary>
    public decimal? MoveUpAtOrAbove { get; set; }

    /// <summary>Consecutive months below before a client moves down (hysteresis).</summary>
    public int MonthsBelowToMoveDown { get; set; } = 2;

    /// <summary>Consecutive months at or above before a client moves up.</summary>
    public int MonthsAboveToMoveUp { get; set; } = 1;

    /// <summary>Clients a manager opened (developed) within this many months stay with him.</summary>
    public int ExemptDevelopedWithinMonths { get; set; } = 12;

    public bool ExemptProfessionalInvestors { get; set; } = true;

    /// <summary>Whether a client's request to keep his manager is honoured (firm policy).</summary>
    public bool HonourKeepManagerRequests { get; set; } = true;

    /// <summary>Days managers have to appeal their items after a plan is made.</summary>
    public int ReviewWindowDays { get; set; } = 5;

    /// <summary>Days after execution during which an item or a run can be rolled back.</summary>
    public int RollbackWindowDays { get; set; } = 30;

    /// <summary>Items moved per transaction when executing.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>A pool client whose MADA reached this share of the line and rose for the last months is a lead for managers.</summary>
    public double LeadMinShareOfThreshold { get; set; } = 0.8;

    public int LeadRisingMonths { get; set; } = 3;

    /// <summary>The service officer's WeCom accounts; takeovers go to the one with most room left.</summary>
    public List<OfficerWeComAccount> OfficerWeComAccounts { get; set; } = [];

    /// <summary>WeCom app (WeCom:Apps:{app}) used for transfers.</summary>
    public string WeComApp { get; set; } = "main";

    /// <summary>How often the WeCom transfer results are reconciled.</summary>
    public int ReconcileEveryMinutes { get; set; } = 30;

    /// <summary>Notice to a client moving to the service officer. {manager} is the manager's name.</summary>
    public string NoticeToOfficer { get; set; } =
        "您的服务已升级：后续将由服务官与您的客户经理{manager}共同为您服务。日常咨询由服务官随时为您解答；调佣、反洗钱和投诉等事项仍由{manager}负责。";

    /// <summary>Notice to a client moving to a manager. {manager} is the new manager's name.</summary>
    public string NoticeToManager { get; set; } =
        "您好，您的专属客户经理{manager}将为您提供一对一服务；日常问题服务官仍可随时为您解答。";

    /// <summary>WeCom's transfer_success_msg (max 200 characters).</summary>
    public string WeComSuccessMessage { get; set; } = "您好，您的服务升级后由服务官为您服务，原客户经理仍负责调佣、反洗钱与投诉事项。";
}

internal sealed class TransferOptionsValidator : IValidateOptions<TransferOptions>
{
    public ValidateOptionsResult Validate(string? name, TransferOptions o)
    {
        var errors = new List<string>();
        if (o.MonthsBelowToMoveDown is < 1 or > 12) errors.Add("Transfers:MonthsBelowToMoveDown must be 1..12");
        if (o.MonthsAboveToMoveUp is < 1 or > 12) errors.Add("Transfers:MonthsAboveToMoveUp must be 1..12");
        if (o.MoveDownBelow is <= 0) errors.Add("Transfers:MoveDownBelow must be positive");
        if (o.MoveUpAtOrAbove is <= 0) errors.Add("Transfers:MoveUpAtOrAbove must be positive");
        if (o.MoveDownBelow is { } d && o.MoveUpAtOrAbove is { } u && d > u) errors.Add("Transfers: MoveDownBelow must not exceed MoveUpAtOrAbove (the no-move band)");
        if (o.ExemptDevelopedWithinMonths is < 0 or > 120) errors.Add("Transfers:ExemptDevelopedWithinMonths must be 0..120");
        if (o.ReviewWindowDays is < 0 or > 60) errors.Add("Transfers:ReviewWindowDays must be 0..60");
        if (o.RollbackWindowDays is < 0 or > 365) errors.Add("Transfers:RollbackWindowDays must be 0..365");
        if (o.BatchSize is < 1 or > 1000) errors.Add("Transfers:BatchSize must be 1..1000");
        if (o.LeadMinShareOfThreshold is <= 0 or >= 1) errors.Add("Transfers:LeadMinShareOfThreshold must be between 0 and 1");
        if (o.LeadRisingMonths is < 2 or > 12) errors.Add("Transfers:LeadRisingMonths must be 2..12");
        if (o.ReconcileEveryMinutes < 1) errors.Add("Transfers:ReconcileEveryMinutes must be at least 1");
        if (o.WeComSuccessMessage.Length > 200) errors.Add("Transfers:WeComSuccessMessage is at most 200 characters (WeCom's limit)");
        foreach (var a in o.OfficerWeComAccounts)
        {
            if (string.IsNullOrWhiteSpace(a.UserId)) errors.Add("Transfers:OfficerWeComAccounts: every account needs a UserId");
            if (a.Capacity < 1) errors.Add($"Transfers:OfficerWeComAccounts:{a.UserId}: Capacity must be positive");
        }
        if (!o.NoticeToOfficer.Contains("{manager}", StringComparison.Ordinal)) errors.Add("Transfers:NoticeToOfficer must name {manager}, who still handles commission, AML and complaints");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

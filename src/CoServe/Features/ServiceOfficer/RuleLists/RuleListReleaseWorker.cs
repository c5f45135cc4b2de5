namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>
/// On start, compares the rules this build ships with each approved rule list and records a new release for
/// Compliance to review (<see cref="IRuleReleaseCheck"/>). Never changes an approved list. Runs once in the
/// background; a failure (a missing seed file, the store unreachable) is logged and the check can be run again from
/// the console or the API.
/// </summary>
internal sealed partial class RuleListReleaseWorker(IEnumerable<IRuleReleaseCheck> checks, IConfiguration configuration, ILogger<RuleListReleaseWorker> logger) : BackgroundService
{
    /// <summary>Configuration key; default true. Tests that do not look at releases turn it off.</summary>
    public const string Setting = "ServiceOfficer:CheckRuleReleasesOnStart";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue(Setting, defaultValue: true)) return;
        foreach (var check in checks)
        {
            try
            {
                var r = await check.CheckReleaseAsync(stoppingToken);
                if (r.Created) LogFound(logger, r.Kind, r.ReleaseId ?? 0, r.Offered);
                else if (r.ReleaseId is { } id && r.Status is RuleReleaseStatus.Pending or RuleReleaseStatus.Drafted) LogOpen(logger, r.Kind, id, r.Offered);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, check.Kind, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This release ships other {Kind} rules than the approved list was reconciled with: release update {ReleaseId} offers {Offered} rule changes to Compliance; the approved list stays in force until they approve")]
    private static partial void LogFound(ILogger logger, RuleListKind kind, long releaseId, int offered);

    [LoggerMessage(Level = LogLevel.Information, Message = "Release update {ReleaseId} of the {Kind} rules still awaits Compliance ({Offered} rule changes offered)")]
    private static partial void LogOpen(ILogger logger, RuleListKind kind, long releaseId, int offered);

    [LoggerMessage(Level = LogLevel.Error, Message = "Comparing the shipped {Kind} rules with the approved list failed at start-up")]
    private static partial void LogFailed(ILogger logger, RuleListKind kind, Exception ex);
}

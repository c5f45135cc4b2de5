namespace CoServe.Features.ServiceOfficer;

/// <summary>
/// Builds the service officer's first knowledge snapshot while the app starts, so the first client message
/// is not the one that waits for it. Runs in the background: the console is usable at once.
/// </summary>
internal sealed partial class ServiceOfficerWarmup(ServiceOfficerEngine engine, IConfiguration configuration, ILogger<ServiceOfficerWarmup> logger) : BackgroundService
{
    /// <summary>Configuration key; default true. Tools and tests that never reach the AI turn it off.</summary>
    public const string Setting = "ServiceOfficer:WarmUpOnStart";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue(Setting, defaultValue: true)) return;
        try
        {
            await engine.EnsureLoadedAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before the snapshot finished.
        }
        catch (Exception ex)
        {
            // The engine retries on the first message; the failure must still be visible.
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Building the service officer's knowledge snapshot at start-up failed")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

using CoServe.Features.Channels.WeCom;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

public static class TransfersSetup
{
    /// <summary>Transfer planning, review, execution, rollback and leads. Register before AddWeCom so its transfer history lives in the store.</summary>
    public static IServiceCollection AddTransfers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TransferOptions>().Bind(configuration.GetSection(TransferOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TransferOptions>, TransferOptionsValidator>();
        services.TryAddScoped<IOpenAmlReviews, OpenAmlTickets>();
        services.AddSingleton<IWeComTransferHistory, WeComTransferHistoryStore>();
        services.AddScoped<PlanTransfers>();
        services.AddScoped<ReviewTransfers>();
        services.AddScoped<ClientMove>();
        services.AddScoped<ExecuteTransfers>();
        services.AddScoped<RollbackTransfers>();
        services.AddScoped<TransferQueries>();
        services.AddScoped<TransferLeads>();
        services.AddScoped<TransferPins>();
        return services;
    }
}

/// <summary>Requests pending WeCom transfers and reconciles requested ones (24-hour takeover, refusals, capacity) on a timer.</summary>
public sealed partial class TransferWeComWorker(IServiceScopeFactory scopes, IOptions<TransferOptions> options, TimeProvider clock, ILogger<TransferWeComWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.ReconcileEveryMinutes), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var execute = scope.ServiceProvider.GetRequiredService<ExecuteTransfers>();
                await execute.RequestWeComAsync(null, stoppingToken);
                var report = await execute.ReconcileAsync(stoppingToken);
                if (report.TakenOver + report.Refused + report.Retried > 0) LogReconciled(logger, report.TakenOver, report.Refused, report.Retried);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom transfers reconciled: {TakenOver} taken over, {Refused} refused, {Retried} retried on another account")]
    private static partial void LogReconciled(ILogger logger, int takenOver, int refused, int retried);

    [LoggerMessage(Level = LogLevel.Error, Message = "WeCom transfer reconciliation failed")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

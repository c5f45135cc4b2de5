using CoServe.Features.Channels.WeCom;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

public static class OutreachSetup
{
    /// <summary>
    /// The outbound gate (replacing the interim consent-only gate), the content library, audiences, campaigns
    /// and the client view. Registers the store-backed WeCom group-message ledger before the WeCom adapter adds
    /// its in-memory default. No background workers.
    /// </summary>
    public static IServiceCollection AddOutreach(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutreachOptions>().Bind(configuration.GetSection(OutreachOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutreachOptions>, OutreachOptionsValidator>();
        services.AddMetrics();
        services.TryAddSingleton<OutreachMetrics>();
        services.TryAddSingleton<CampaignSignal>();

        services.AddScoped<OutboundGate>();
        services.Replace(ServiceDescriptor.Scoped<IOutboundGate>(sp => sp.GetRequiredService<OutboundGate>()));
        services.TryAddSingleton<IWeComGroupMessageLedger, StoredWeComGroupMessageLedger>();

        services.AddScoped<ContentLibrary>();
        services.AddScoped<ClientAttributes>();
        services.AddScoped<Audiences>();
        services.AddScoped<CampaignPlanner>();
        services.AddScoped<Campaigns>();
        services.AddScoped<ClientOutreach>();
        services.AddSingleton<CampaignExecutor>();
        return services;
    }

    /// <summary>The web app's campaign worker.</summary>
    public static IServiceCollection AddOutreachWorkers(this IServiceCollection services)
    {
        services.AddSingleton<CampaignWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<CampaignWorker>());
        return services;
    }
}

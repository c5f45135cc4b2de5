using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

public static class WeComSetup
{
    /// <summary>
    /// The WeCom adapter: callback receiver and worker, API client, transfers, group messages, contact sync
    /// and the "wecom" outbound channel. The core provides <see cref="IInboundMessageSink"/> and may replace
    /// <see cref="IWeComContactEvents"/> and the in-memory stores by registering its own first.
    /// </summary>
    public static IServiceCollection AddWeCom(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WeComOptions>().Bind(configuration.GetSection(WeComOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WeComOptions>, WeComOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddHttpClient(WeComApiClient.HttpClientName, (sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<WeComOptions>>().Value;
            http.BaseAddress = new Uri(o.ApiBaseAddress.EndsWith('/') ? o.ApiBaseAddress : o.ApiBaseAddress + "/");
            // The client sets a per-call timeout; this only stops a call that ignores it.
            http.Timeout = TimeSpan.FromSeconds(o.HttpTimeoutSeconds + 5);
        });

        services.TryAddSingleton<IWeComCallbackQueue, InMemoryCallbackQueue>();
        services.TryAddSingleton<IWeComCursorStore, InMemoryCursorStore>();
        services.TryAddSingleton<IWeComAccessTokenStore, InMemoryAccessTokenStore>();
        services.TryAddSingleton<IWeComTransferHistory, InMemoryTransferHistory>();
        services.TryAddSingleton<IWeComGroupMessageLedger, InMemoryGroupMessageLedger>();
        services.TryAddSingleton<IWeComDeliveryLedger, InMemoryDeliveryLedger>();
        services.TryAddSingleton<IWeComContactStore, InMemoryContactStore>();
        services.TryAddSingleton<IWeComContactEvents, IgnoreWeComContactEvents>();

        services.AddSingleton<WeComMetrics>();
        services.AddSingleton<WeComApiClient>();
        services.AddSingleton<WeComCallbackReceiver>();
        services.AddSingleton<WeComKfPuller>();
        services.AddSingleton<WeComTransfers>();
        services.AddSingleton<WeComGroupMessages>();
        services.AddSingleton<WeComContactSync>();
        services.AddSingleton<WeComOutboundChannel>();
        services.AddSingleton<IOutboundChannel>(sp => sp.GetRequiredService<WeComOutboundChannel>());
        services.AddHostedService<WeComCallbackWorker>();
        services.AddOptions<Simulator.WeComSimulatorHostOptions>().Bind(configuration.GetSection(Simulator.WeComSimulatorHostOptions.Section));
        services.AddHostedService<Simulator.WeComSimulatorHost>();
        return services;
    }
}

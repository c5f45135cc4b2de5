using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Stored;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Coverage;

public static class CoverageSetup
{
    /// <summary>
    /// The WeCom adapter's state in the store (callback inbox, cursors, access tokens, delivery ledger, external
    /// contacts), the contact-event handler, client linking and coverage. Register before AddWeCom, whose
    /// in-memory defaults are added only when nothing is registered yet.
    /// </summary>
    public static IServiceCollection AddCoverage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CoverageOptions>().Bind(configuration.GetSection(CoverageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoverageOptions>, CoverageOptionsValidator>();

        services.TryAddSingleton<StoredWeComCallbackInbox>();
        services.TryAddSingleton<IWeComCallbackQueue>(sp => sp.GetRequiredService<StoredWeComCallbackInbox>());
        services.TryAddSingleton<IWeComCursorStore, StoredWeComCursorStore>();
        services.TryAddSingleton<IWeComAccessTokenStore, StoredWeComAccessTokenStore>();
        services.TryAddSingleton<IWeComDeliveryLedger, StoredWeComDeliveryLedger>();

        services.TryAddSingleton<WeComContactLinker>();
        services.TryAddSingleton<WeComContactBook>();
        services.TryAddSingleton<IWeComContactStore>(sp => sp.GetRequiredService<WeComContactBook>());
        services.TryAddSingleton<StoredWeComContactEvents>();
        services.TryAddSingleton<IWeComContactEvents>(sp => sp.GetRequiredService<StoredWeComContactEvents>());
        services.AddSingleton<CoverageQueries>();
        return services;
    }
}

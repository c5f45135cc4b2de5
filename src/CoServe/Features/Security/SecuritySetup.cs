using CoServe.Platform.Crypto;
using CoServe.Platform.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Security;

public static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FieldProtectionOptions>().Bind(configuration.GetSection(FieldProtectionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => FieldKeyStore.Create(
            sp.GetRequiredService<IOptions<FieldProtectionOptions>>(),
            sp.GetRequiredService<IOptions<StorageOptions>>(),
            sp.GetRequiredService<IOptions<DatabaseOptions>>()));
        services.AddScoped<ApiTokens>();
        services.AddScoped<SignIn>();
        services.AddScoped<RevealPersonalData>();
        return services;
    }
}

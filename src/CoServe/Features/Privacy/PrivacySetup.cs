using Microsoft.Extensions.Options;

namespace CoServe.Features.Privacy;

public static class PrivacySetup
{
    /// <summary>The client's privacy page and the privacy desk.</summary>
    public static IServiceCollection AddPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PrivacyOptions>, PrivacyOptionsValidator>();
        services.AddScoped<ClientPrivacy>();
        services.AddScoped<DataRightsDesk>();
        return services;
    }
}

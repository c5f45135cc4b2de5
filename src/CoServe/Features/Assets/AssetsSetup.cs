using Microsoft.Extensions.Options;

namespace CoServe.Features.Assets;

public static class AssetsSetup
{
    public static IServiceCollection AddAssets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AssetsOptions>().Bind(configuration.GetSection(AssetsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AssetsOptions>, AssetsOptionsValidator>();
        services.AddScoped<ImportAssetFeed>();
        services.AddScoped<SegmentMonth>();
        services.AddScoped<AssetQueries>();
        return services;
    }
}

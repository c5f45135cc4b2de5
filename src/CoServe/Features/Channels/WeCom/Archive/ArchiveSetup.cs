using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

public static class ArchiveSetup
{
    /// <summary>The conversation archive (会话存档): options, sources, puller and status, shared by the web app and the CLI.</summary>
    public static IServiceCollection AddWeComArchive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ArchiveOptions>().Bind(configuration.GetSection(ArchiveOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ArchiveOptions>, ArchiveOptionsValidator>();
        services.AddSingleton<ArchiveKeyRings>();
        services.AddSingleton<ArchiveSources>();
        services.AddSingleton<ArchivePuller>();
        services.AddSingleton<ArchiveStatus>();
        services.AddSingleton<ArchiveSignal>();
        return services;
    }

    /// <summary>The background puller (web app only; it does nothing unless WeCom:Archive:Enabled).</summary>
    public static IServiceCollection AddWeComArchiveWorker(this IServiceCollection services)
    {
        services.AddSingleton<ArchiveWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ArchiveWorker>());
        return services;
    }
}

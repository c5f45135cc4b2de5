using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public static class KnowledgeBaseSetup
{
    /// <summary>
    /// The stored knowledge base as the engine's <see cref="IKnowledgeSource"/>, its use cases, and the background
    /// reloader (a hosted service: it runs in the web app, not in the CLI or in tests that build services alone).
    /// </summary>
    public static IServiceCollection AddKnowledgeBase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KnowledgeBaseOptions>().Bind(configuration.GetSection(KnowledgeBaseOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KnowledgeBaseOptions>, KnowledgeBaseOptionsValidator>();
        services.AddSingleton<DbKnowledgeSource>();
        services.AddSingleton<IKnowledgeSource>(sp => sp.GetRequiredService<DbKnowledgeSource>());
        services.AddSingleton<KnowledgeReloader>();
        services.AddHostedService<KnowledgeReloadWorker>();
        services.AddScoped<KnowledgeBase>();
        services.AddScoped<KnowledgeImport>();
        services.AddScoped<KnowledgeAsk>();
        return services;
    }
}

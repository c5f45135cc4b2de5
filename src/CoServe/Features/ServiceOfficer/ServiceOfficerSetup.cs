using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Llm;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer;

public static class ServiceOfficerSetup
{
    /// <summary>Default seed folder: the build copies Features/ServiceOfficer/Seed there.</summary>
    public static string DefaultSeedDirectory => Path.Combine(AppContext.BaseDirectory, "ServiceOfficer", "Seed");

    /// <summary>
    /// Options, the knowledge source (the stored knowledge base, Knowledge/DbKnowledgeSource) and the engine as the
    /// singleton <see cref="IServiceOfficerResponder"/>, fronted by the grounded LLM mode when
    /// ServiceOfficer:Llm:Enabled is true. The first snapshot is built on first use or by
    /// <see cref="ServiceOfficerEngine.EnsureLoadedAsync"/> at start-up.
    /// </summary>
    public static IServiceCollection AddServiceOfficer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceOfficerOptions>().Bind(configuration.GetSection(ServiceOfficerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOfficerOptions>, ServiceOfficerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddGuardrails();
        services.AddIntentRules();
        services.AddKnowledgeBase(configuration);
        services.AddSingleton<ServiceOfficerEngine>();
        services.AddServiceOfficerLlm(configuration);
        services.AddSingleton<IServiceOfficerResponder>(sp => sp.GetRequiredService<IOptions<LlmOptions>>().Value.Enabled
            ? sp.GetRequiredService<LlmServiceOfficer>()
            : sp.GetRequiredService<ServiceOfficerEngine>());
        return services;
    }
}

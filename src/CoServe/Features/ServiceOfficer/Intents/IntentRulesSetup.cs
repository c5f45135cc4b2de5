using CoServe.Features.ServiceOfficer.RuleLists;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CoServe.Features.ServiceOfficer.Intents;

public static class IntentRulesSetup
{
    /// <summary>The stored intent rule lists (the approved one feeds the engine) and their use cases.</summary>
    public static IServiceCollection AddIntentRules(this IServiceCollection services)
    {
        services.AddSingleton<IntentRulesInForce>();
        services.AddSingleton<IRuleReleaseCheck>(sp => sp.GetRequiredService<IntentRulesInForce>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RuleListReleaseWorker>());
        services.AddScoped<IntentRuleEditor>();
        services.AddScoped<IntentPreview>();
        return services;
    }
}

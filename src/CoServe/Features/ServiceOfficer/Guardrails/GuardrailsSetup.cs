using CoServe.Features.ServiceOfficer.RuleLists;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CoServe.Features.ServiceOfficer.Guardrails;

public static class GuardrailsSetup
{
    /// <summary>The stored guardrail rule lists (the approved one feeds the engine), their use cases and the block log.</summary>
    public static IServiceCollection AddGuardrails(this IServiceCollection services)
    {
        services.AddSingleton<GuardrailRulesInForce>();
        services.AddSingleton<IRuleReleaseCheck>(sp => sp.GetRequiredService<GuardrailRulesInForce>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RuleListReleaseWorker>());
        services.AddScoped<GuardrailRuleEditor>();
        services.AddScoped<GuardrailPreview>();
        services.AddScoped<GuardrailBlockLog>();
        return services;
    }
}

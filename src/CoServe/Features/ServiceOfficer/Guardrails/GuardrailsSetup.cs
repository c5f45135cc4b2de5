namespace CoServe.Features.ServiceOfficer.Guardrails;

public static class GuardrailsSetup
{
    /// <summary>The stored guardrail rule lists (the approved one feeds the engine), their use cases and the block log.</summary>
    public static IServiceCollection AddGuardrails(this IServiceCollection services)
    {
        services.AddSingleton<GuardrailRulesInForce>();
        services.AddScoped<GuardrailRuleEditor>();
        services.AddScoped<GuardrailPreview>();
        services.AddScoped<GuardrailBlockLog>();
        return services;
    }
}

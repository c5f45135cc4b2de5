using Microsoft.Extensions.Options;

namespace CoServe.Features.Clients;

public sealed class ClientsOptions
{
    public const string Section = "Clients";

    /// <summary>
    /// How long a suitability assessment stays valid. Firm policy (commonly one to two years; the rule is not
    /// fixed by regulation), so configurable; an expired assessment blocks product content until renewed.
    /// </summary>
    public int SuitabilityValidityMonths { get; set; } = 24;

    public bool IsSuitabilityExpired(DateOnly? assessedOn, DateOnly today) =>
        assessedOn is null || assessedOn.Value.AddMonths(SuitabilityValidityMonths) < today;
}

internal sealed class ClientsOptionsValidator : IValidateOptions<ClientsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientsOptions o) =>
        o.SuitabilityValidityMonths is >= 1 and <= 120
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Clients:SuitabilityValidityMonths must be 1..120");
}

using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>Policy of the stored knowledge base (section "KnowledgeBase").</summary>
public sealed class KnowledgeBaseOptions
{
    public const string Section = "KnowledgeBase";

    /// <summary>Paraphrases an entry needs besides its standard question. Default 3 (the seed KB has at least 3 each).</summary>
    public int MinParaphrases { get; set; } = 3;

    /// <summary>After an approval or retirement, wait this long for more before rebuilding the engine's snapshot. Default 2000 ms.</summary>
    public int ReloadDebounceMilliseconds { get; set; } = 2000;

    /// <summary>
    /// How often a node checks the store for approvals made elsewhere (another node, the CLI) and for a new business
    /// day (effective periods). Default 30 s.
    /// </summary>
    public int PollSeconds { get; set; } = 30;

    /// <summary>Import the seed knowledge base (ServiceOfficer:SeedDirectory, kb-*.json) as Approved into an empty store. Default true.</summary>
    public bool ImportSeedWhenEmpty { get; set; } = true;

    /// <summary>Largest import file accepted (console and API upload). Default 20 MiB.</summary>
    public int MaxImportBytes { get; set; } = 20 * 1024 * 1024;
}

internal sealed class KnowledgeBaseOptionsValidator : IValidateOptions<KnowledgeBaseOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeBaseOptions o)
    {
        var errors = new List<string>();
        if (o.MinParaphrases is < 0 or > 20) errors.Add("KnowledgeBase:MinParaphrases must be 0..20");
        if (o.ReloadDebounceMilliseconds is < 0 or > 600_000) errors.Add("KnowledgeBase:ReloadDebounceMilliseconds must be 0..600000");
        if (o.PollSeconds is < 1 or > 86_400) errors.Add("KnowledgeBase:PollSeconds must be 1..86400");
        if (o.MaxImportBytes is < 1024 or > 512 * 1024 * 1024) errors.Add("KnowledgeBase:MaxImportBytes must be 1 KiB..512 MiB");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

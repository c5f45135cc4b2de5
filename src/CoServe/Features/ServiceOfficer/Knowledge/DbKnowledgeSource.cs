using CoServe.Data;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>What a snapshot was built from: the last engine-affecting change, the business day (effective periods) and the guardrail and intent rule-list versions.</summary>
public readonly record struct KnowledgeRevision(long LastChange, DateOnly Day, int GuardrailVersion, int IntentRuleVersion);

/// <summary>
/// The engine's knowledge from the store: the approved, effective version of every entry in service. The segmentation
/// dictionary, synonyms and intent examples still come from the seed folder. On the first load of an empty store
/// the seed knowledge base (kb-*.json) is imported as Approved by "seed", once.
/// </summary>
public sealed class DbKnowledgeSource(IServiceScopeFactory scopes, IOptions<ServiceOfficerOptions> officerOptions, IOptions<KnowledgeBaseOptions> options, GuardrailRulesInForce guardrails, IntentRulesInForce intentRules, TimeProvider clock)
    : IKnowledgeSource
{
    private KnowledgeRevision? _loaded;
    private readonly Lock _lock = new();

    public string SeedDirectory => officerOptions.Value.SeedDirectory ?? ServiceOfficerSetup.DefaultSeedDirectory;

    /// <summary>The revision of the last load (null before the first).</summary>
    public KnowledgeRevision? LoadedRevision
    {
        get
        {
            lock (_lock) return _loaded;
        }
    }

    /// <summary>Imports the seed knowledge base into an empty store (KnowledgeBase:ImportSeedWhenEmpty); safe to call on every node.</summary>
    public async Task EnsureSeededAsync(CancellationToken ct) => await EnsureSeededAsync(null, ct);

    private async Task<KnowledgeSet> EnsureSeededAsync(KnowledgeSet? seed, CancellationToken ct)
    {
        seed ??= new SeedKnowledgeSource(SeedDirectory).Load();
        if (!options.Value.ImportSeedWhenEmpty) return seed;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        if (await db.KnowledgeItems.AnyAsync(ct)) return seed;
        try
        {
            await scope.ServiceProvider.GetRequiredService<KnowledgeImport>().ImportSeedIfEmptyAsync(seed.Entries, ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node imported the seed at the same moment; its entries are the same.
        }
        return seed;
    }

    public async ValueTask<KnowledgeSet> LoadAsync(CancellationToken ct)
    {
        var seed = await EnsureSeededAsync(new SeedKnowledgeSource(SeedDirectory).Load(), ct);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        // The revision is read before the entries: a change committed in between makes the next check reload again.
        var revision = await CurrentRevisionAsync(db, ct);
        var rules = await guardrails.CurrentAsync(ct);
        var intents = await intentRules.CurrentAsync(ct);
        var today = BusinessTime.Today(clock);
        var entries = (await KnowledgeImport.ApprovedEntriesAsync(db, ct)).Where(e => e.IsEffectiveOn(today)).ToList();
        lock (_lock) _loaded = new KnowledgeRevision(revision, today, rules.Version, intents.Version);
        return new KnowledgeSet(entries, seed.UserWords, seed.Synonyms, seed.IntentExamples,
            $"store: {entries.Count} approved entries (change #{revision}), guardrail rules v{rules.Version}, intent rules v{intents.Version}, vocabulary from {SeedDirectory}", rules, intents);
    }

    /// <summary>The approved intent rules alone, for a reload where nothing else changed (no rebuild of the index and models).</summary>
    public async Task<IntentRuleSet> LoadIntentRulesAsync(CancellationToken ct)
    {
        var rules = await intentRules.CurrentAsync(ct);
        lock (_lock) _loaded = _loaded is { } l ? l with { IntentRuleVersion = rules.Version } : null;
        return rules;
    }

    /// <summary>The approved guardrail rules alone, for a reload where nothing else changed (no rebuild of the index and models).</summary>
    public async Task<GuardrailRuleSet> LoadGuardrailsAsync(CancellationToken ct)
    {
        var rules = await guardrails.CurrentAsync(ct);
        lock (_lock) _loaded = _loaded is { } l ? l with { GuardrailVersion = rules.Version } : null;
        return rules;
    }

    public async Task<KnowledgeRevision> CurrentRevisionAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        return new KnowledgeRevision(await CurrentRevisionAsync(db, ct), BusinessTime.Today(clock), await guardrails.CurrentVersionAsync(db, ct), await intentRules.CurrentVersionAsync(db, ct));
    }

    private static async Task<long> CurrentRevisionAsync(CoServeDb db, CancellationToken ct) =>
        await db.KnowledgeChanges.AsNoTracking().Where(c => c.AffectsEngine).MaxAsync(c => (long?)c.Id, ct) ?? 0;
}

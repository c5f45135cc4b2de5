using CoServe.Data;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>
/// The approved guardrail rule list from the store, compiled once per version (the engine's snapshot, the knowledge
/// editor's check and the preview share it). An empty store gets version 1 from <see cref="GuardrailRuleSet.DefaultRules"/>,
/// approved by "system", so behaviour is the code defaults until Compliance approves a change.
/// </summary>
public sealed class GuardrailRulesInForce(IServiceScopeFactory scopes, TimeProvider clock)
{
    public const string SystemActor = "system";

    private volatile GuardrailRuleSet? _compiled;

    /// <summary>The approved version's number (seeding version 1 into an empty store).</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        return await CurrentVersionAsync(db, ct);
    }

    public async Task<GuardrailRuleSet> CurrentAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var version = await CurrentVersionAsync(db, ct);
        if (_compiled is { } known && known.Version == version) return known;
        var json = await db.GuardrailRuleLists.AsNoTracking().Where(l => l.Version == version).Select(l => l.RulesJson).SingleAsync(ct);
        var compiled = GuardrailRuleData.Compile(GuardrailRuleList.Deserialize(json), version);
        _compiled = compiled;
        return compiled;
    }

    internal async Task<int> CurrentVersionAsync(CoServeDb db, CancellationToken ct)
    {
        var version = await ApprovedVersionAsync(db, ct);
        if (version is { } v) return v;
        await SeedAsync(ct);
        return await ApprovedVersionAsync(db, ct) ?? throw new InvalidOperationException("the guardrail rules could not be seeded");
    }

    private static Task<int?> ApprovedVersionAsync(CoServeDb db, CancellationToken ct) =>
        db.GuardrailRuleLists.AsNoTracking().Where(l => l.Status == GuardrailListStatus.Approved).Select(l => l.Version).SingleOrDefaultAsync(ct);

    private async Task SeedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        if (await db.GuardrailRuleLists.AnyAsync(l => l.Version != null, ct)) return;
        var now = clock.GetUtcNow();
        var list = new GuardrailRuleList([.. GuardrailRuleSet.DefaultRules.Select(GuardrailRuleData.From)], 0, SystemActor, now);
        list.Approve(1, SystemActor, "the rules shipped with CoServe", now);
        db.GuardrailRuleLists.Add(list);
        try
        {
            await db.SaveChangesAsync(ct);
            db.GuardrailRuleChanges.Add(new GuardrailRuleChange(list.Id, GuardrailRuleAction.Seeded, SystemActor, now,
                $"version 1 seeded with the {GuardrailRuleSet.DefaultRules.Count} default rules"));
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node seeded version 1 at the same moment; its rules are the same.
        }
    }
}

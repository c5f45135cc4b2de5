using CoServe.Data;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>One rule of a stored rule list, as Compliance edits it.</summary>
public interface IListedRule<TRule>
{
    string Id { get; }

    bool Enabled { get; }

    /// <summary>Trimmed; empty optional fields become null (what is stored and compared).</summary>
    TRule Normalized();

    /// <summary>The names of the fields that differ in <paramref name="after"/> (for the audit).</summary>
    IReadOnlyList<string> ChangedFields(TRule after);
}

/// <summary>
/// The approved rule list of one kind from the store, compiled once per version (the engine's snapshot, the editors
/// and the previews share it). An empty store gets version 1 from the kind's shipped rules, approved by "system", so
/// behaviour is the code defaults until Compliance approves a change.
/// </summary>
public abstract class RulesInForce<TRule, TCompiled>(IServiceScopeFactory scopes, TimeProvider clock)
    where TRule : IListedRule<TRule>
    where TCompiled : class
{
    public const string SystemActor = "system";

    private volatile Compiled? _compiled;

    private sealed record Compiled(int Version, TCompiled Rules);

    public abstract RuleListKind Kind { get; }

    /// <summary>The rules shipped in code: version 1 of an empty store.</summary>
    protected abstract IReadOnlyList<TRule> DefaultRules { get; }

    /// <summary>The enabled rules of a list, compiled for the engine.</summary>
    public abstract TCompiled Compile(IReadOnlyList<TRule> rules, int version);

    /// <summary>The approved version's number (seeding version 1 into an empty store).</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        return await CurrentVersionAsync(db, ct);
    }

    public async Task<TCompiled> CurrentAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var version = await CurrentVersionAsync(db, ct);
        if (_compiled is { } known && known.Version == version) return known.Rules;
        var json = await db.RuleLists.AsNoTracking().Where(l => l.Kind == Kind && l.Version == version).Select(l => l.RulesJson).SingleAsync(ct);
        var compiled = Compile(RuleListJson.DeserializeList<TRule>(json), version);
        _compiled = new Compiled(version, compiled);
        return compiled;
    }

    internal async Task<int> CurrentVersionAsync(CoServeDb db, CancellationToken ct)
    {
        var version = await ApprovedVersionAsync(db, ct);
        if (version is { } v) return v;
        await SeedAsync(ct);
        return await ApprovedVersionAsync(db, ct) ?? throw new InvalidOperationException($"the {Kind} rules could not be seeded");
    }

    private Task<int?> ApprovedVersionAsync(CoServeDb db, CancellationToken ct) =>
        db.RuleLists.AsNoTracking().Where(l => l.Kind == Kind && l.Status == RuleListStatus.Approved).Select(l => l.Version).SingleOrDefaultAsync(ct);

    private async Task SeedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        if (await db.RuleLists.AnyAsync(l => l.Kind == Kind && l.Version != null, ct)) return;
        var now = clock.GetUtcNow();
        var list = new RuleList(Kind, RuleListJson.Serialize(DefaultRules), 0, SystemActor, now);
        list.Approve(1, SystemActor, "the rules shipped with CoServe", now);
        db.RuleLists.Add(list);
        try
        {
            await db.SaveChangesAsync(ct);
            db.RuleListChanges.Add(new RuleListChange(list.Id, RuleListAction.Seeded, SystemActor, now,
                $"version 1 seeded with the {DefaultRules.Count} default rules"));
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node seeded version 1 at the same moment; its rules are the same.
        }
    }
}

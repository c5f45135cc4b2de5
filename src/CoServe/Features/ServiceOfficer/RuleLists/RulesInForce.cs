using CoServe.Data;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
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
/// What a release check found for one kind of rule list: the open or just recorded release (<c>ReleaseId</c> null when
/// the list is reconciled with the shipped rules), how many rule changes it offers, and whether this check recorded it.
/// </summary>
public sealed record RuleReleaseCheck(RuleListKind Kind, long? ReleaseId, RuleReleaseStatus? Status, int Offered, bool Created);

/// <summary>Compares the rules a build ships with the list in force (on start and on demand).</summary>
public interface IRuleReleaseCheck
{
    RuleListKind Kind { get; }

    Task<RuleReleaseCheck> CheckReleaseAsync(CancellationToken ct);
}

/// <summary>
/// The approved rule list of one kind from the store, compiled once per version (the engine's snapshot, the editors
/// and the previews share it). An empty store gets version 1 from the kind's shipped rules, approved by "system", so
/// behaviour is the code defaults until Compliance approves a change. When a later release ships other rules, the
/// approved list stays as it is: <see cref="CheckReleaseAsync(CancellationToken)"/> records the release and offers
/// the difference to Compliance (<see cref="RuleListRelease"/>).
/// </summary>
public abstract class RulesInForce<TRule, TCompiled>(IServiceScopeFactory scopes, TimeProvider clock) : IRuleReleaseCheck
    where TRule : class, IListedRule<TRule>
    where TCompiled : class
{
    public const string SystemActor = "system";

    private volatile Compiled? _compiled;

    private sealed record Compiled(int Version, TCompiled Rules);

    public abstract RuleListKind Kind { get; }

    /// <summary>The rules shipped in code: version 1 of an empty store.</summary>
    protected abstract IReadOnlyList<TRule> DefaultRules { get; }

    /// <summary>The rules this build ships (version 1 of an empty store; what a release check compares).</summary>
    public IReadOnlyList<TRule> Shipped => DefaultRules;

    /// <summary>How the kind is named in notifications to Compliance (Chinese, user-visible).</summary>
    protected abstract string NoticeName { get; }

    /// <summary>The console page of the kind's rule lists.</summary>
    public abstract string PagePath { get; }

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

    public async Task<RuleReleaseCheck> CheckReleaseAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        return await CheckReleaseAsync(db, scope.ServiceProvider.GetRequiredService<Notifier>(), ct);
    }

    /// <summary>
    /// Records the shipped rules as a release when they differ from the rules the list was last reconciled with (the
    /// last decided release's, else version 1's, which were seeded from the code), and tells Compliance. Idempotent:
    /// a shipped rule set already recorded, or the one version 1 came from (an older node of a rolling upgrade), is
    /// left alone. An undecided older release is superseded: the new one is compared with the same baseline, so its
    /// offer covers both.
    /// </summary>
    internal async Task<RuleReleaseCheck> CheckReleaseAsync(CoServeDb db, Notifier notifier, CancellationToken ct)
    {
        var version = await CurrentVersionAsync(db, ct);
        var shippedJson = RuleListJson.Serialize(DefaultRules);
        var hash = ReleaseDiff.Hash(shippedJson);
        var releases = db.Set<RuleListRelease>().Where(r => r.Kind == Kind);
        var known = await releases.AsNoTracking().Where(r => r.ShippedHash == hash).Select(r => new { r.Id, r.Status }).SingleOrDefaultAsync(ct);
        var open = await releases.AsNoTracking().Where(r => r.Status == RuleReleaseStatus.Pending || r.Status == RuleReleaseStatus.Drafted)
            .OrderByDescending(r => r.Id).Select(r => new { r.Id, r.Status, r.ShippedRulesJson, r.BaselineRulesJson }).FirstOrDefaultAsync(ct);
        var inForce = await db.RuleLists.Where(l => l.Kind == Kind && l.Version == version).SingleAsync(ct);
        if (known is not null)
        {
            return open is null ? new(Kind, known.Id, known.Status, 0, false) : new(Kind, open.Id, open.Status, Offered(open.BaselineRulesJson, open.ShippedRulesJson, inForce), false);
        }
        var v1 = await db.RuleLists.AsNoTracking().Where(l => l.Kind == Kind && l.Version == 1).Select(l => l.RulesJson).SingleAsync(ct);
        var decided = await releases.AsNoTracking()
            .Where(r => r.Status == RuleReleaseStatus.Applied || r.Status == RuleReleaseStatus.Dismissed || r.Status == RuleReleaseStatus.NothingOffered)
            .OrderByDescending(r => r.Id).Select(r => r.ShippedRulesJson).FirstOrDefaultAsync(ct);
        var baselineJson = decided ?? v1;
        var items = ReleaseDiff.Compare(RuleListJson.DeserializeList<TRule>(baselineJson), DefaultRules, inForce.RulesAs<TRule>());
        if (ReleaseDiff.Hash(v1) == hash || items.Count == 0)
        {
            return open is null ? new(Kind, null, null, 0, false) : new(Kind, open.Id, open.Status, Offered(open.BaselineRulesJson, open.ShippedRulesJson, inForce), false);
        }

        var now = clock.GetUtcNow();
        var offered = items.Count(i => i.IsOffered);
        var summary = ReleaseDiff.Describe(items);
        var release = new RuleListRelease(Kind, hash, shippedJson, baselineJson, offered > 0 ? RuleReleaseStatus.Pending : RuleReleaseStatus.NothingOffered, summary, now);
        foreach (var older in await releases.Where(r => r.Status == RuleReleaseStatus.Pending || r.Status == RuleReleaseStatus.Drafted).ToListAsync(ct))
        {
            older.Supersede(now);
        }
        db.Add(release);
        db.RuleListChanges.Add(new RuleListChange(inForce.Id, RuleListAction.ReleaseFound, RuleListRelease.SystemActor, now,
            $"release {hash[..12]} ships other {Kind} rules than v{version} was reconciled with: {summary}; "
            + (offered > 0 ? $"{offered} offered to Compliance, v{version} stays in force until they approve a draft" : "nothing offered (the rules it changes were edited or deleted here)")));
        if (offered > 0)
        {
            var compliance = await db.Staff.AsNoTracking().Where(s => s.IsActive && s.Role == StaffRole.Compliance).Select(s => s.Id).ToListAsync(ct);
            foreach (var staffId in compliance)
            {
                notifier.Add(staffId, NotificationKind.DutyTask, $"新版本带来 {offered} 条{NoticeName}变更，待合规审核", PagePath + "/release");
            }
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another node recorded the same release at the same moment (and told Compliance).
            db.ChangeTracker.Clear();
            var other = await releases.AsNoTracking().Where(r => r.ShippedHash == hash).Select(r => new { r.Id, r.Status }).SingleAsync(ct);
            return new(Kind, other.Id, other.Status, offered, false);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Compliance decided the older release at the same moment; the next check compares with their decision.
            db.ChangeTracker.Clear();
            return new(Kind, null, null, 0, false);
        }
        await notifier.FlushAsync(ct);
        return new(Kind, release.Id, release.Status, offered, true);
    }

    private static int Offered(string baselineJson, string shippedJson, RuleList inForce) =>
        ReleaseDiff.Compare(RuleListJson.DeserializeList<TRule>(baselineJson), RuleListJson.DeserializeList<TRule>(shippedJson), inForce.RulesAs<TRule>()).Count(i => i.IsOffered);
}

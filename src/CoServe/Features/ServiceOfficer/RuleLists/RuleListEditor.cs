using System.Globalization;
using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Platform.Auth;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.ServiceOfficer.RuleLists;

public sealed record RuleListView<TRule>(
    long Id,
    RuleListKind Kind,
    RuleListStatus Status,
    int? Version,
    int BaseVersion,
    IReadOnlyList<TRule> Rules,
    string Author,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ReviewedBy,
    DateTimeOffset? ReviewedAt,
    string? ReviewNote,
    int Revision);

public sealed record RuleChangeView(long Id, long ListId, int? Version, RuleListAction Action, string Actor, DateTimeOffset At, string? RuleId, string? Before, string? After, string Detail);

/// <summary>One rule that differs between the approved list and a draft (Before null: added; After null: deleted).</summary>
public sealed record RuleDiff<TRule>(string RuleId, TRule? Before, TRule? After, IReadOnlyList<string> Fields);

/// <summary>Who may do what with the rule lists: Compliance edits and approves; the digital team and admins read.</summary>
public static class RuleListRoles
{
    public static bool CanEdit(CurrentStaff s) => s.Role == StaffRole.Compliance;

    public static bool CanRead(CurrentStaff s) => s.Role is StaffRole.Compliance or StaffRole.DigitalOps or StaffRole.Admin;
}

public static class RuleDiffs
{
    /// <summary>Rules that differ between <paramref name="before"/> and <paramref name="after"/>, in the order of after (deletions last).</summary>
    public static IReadOnlyList<RuleDiff<TRule>> Diff<TRule>(IReadOnlyList<TRule> before, IReadOnlyList<TRule> after)
        where TRule : class, IListedRule<TRule>
    {
        var old = before.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var diff = new List<RuleDiff<TRule>>();
        foreach (var a in after)
        {
            if (!old.TryGetValue(a.Id, out var b)) diff.Add(new(a.Id, null, a, ["added"]));
            else if (!b.Equals(a)) diff.Add(new(a.Id, b, a, b.ChangedFields(a)));
        }
        var now = after.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        diff.AddRange(before.Where(b => !now.Contains(b.Id)).Select(b => new RuleDiff<TRule>(b.Id, b, null, ["deleted"])));
        return diff;
    }

    public static string Describe<TRule>(IReadOnlyList<RuleDiff<TRule>> diff) => diff.Count == 0
        ? "no rule changed"
        : string.Join("; ", diff.Select(d => $"{d.RuleId} {string.Join(",", d.Fields)}"));
}

/// <summary>
/// The use cases of one kind of rule list. Only Compliance starts drafts, edits rules, approves and rejects; the
/// digital team and admins may read. Approved lists never change: approving makes a new numbered version, rolling
/// back is a draft started from an old version and approved as a new one. Every change leaves a
/// <see cref="RuleListChange"/> with the rule before and after. An approval tells the engine to reload, which swaps
/// the new rules into the running snapshot.
/// </summary>
public abstract class RuleListEditor<TRule, TCompiled>(CoServeDb db, TimeProvider clock, RulesInForce<TRule, TCompiled> inForce, KnowledgeReloader reloader)
    where TRule : class, IListedRule<TRule>
    where TCompiled : class
{
    /// <summary>What the lists are called in messages ("guardrail rules").</summary>
    protected abstract string What { get; }

    /// <summary>Throws <see cref="RuleListException"/> naming every rule and field that is wrong.</summary>
    protected abstract void Validate(IReadOnlyList<TRule> rules);

    private RuleListKind Kind => inForce.Kind;

    public async Task<RuleListView<TRule>> InForceAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        var version = await inForce.CurrentVersionAsync(db, ct);
        return View(await Lists().SingleAsync(l => l.Version == version, ct));
    }

    /// <summary>Every list, drafts first, then versions newest first.</summary>
    public async Task<IReadOnlyList<RuleListView<TRule>>> ListAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        await inForce.CurrentVersionAsync(db, ct);
        var lists = await Lists().ToListAsync(ct);
        return [.. lists.OrderBy(l => l.Status == RuleListStatus.Draft ? 0 : 1).ThenByDescending(l => l.Version ?? 0).ThenByDescending(l => l.Id).Select(View)];
    }

    public async Task<RuleListView<TRule>?> GetAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        RequireRead(staff);
        return await Lists().SingleOrDefaultAsync(l => l.Id == id, ct) is { } l ? View(l) : null;
    }

    public async Task<IReadOnlyList<RuleChangeView>> ChangesAsync(CurrentStaff staff, long? listId, CancellationToken ct)
    {
        RequireRead(staff);
        var q = from c in db.RuleListChanges.AsNoTracking()
                join l in db.RuleLists.AsNoTracking() on c.ListId equals l.Id
                where l.Kind == Kind
                select new { c, l.Version };
        if (listId is { } id) q = q.Where(x => x.c.ListId == id);
        var changes = await q.OrderByDescending(x => x.c.Id).Take(500).ToListAsync(ct);
        return [.. changes.Select(x => new RuleChangeView(x.c.Id, x.c.ListId, x.Version, x.c.Action, x.c.Actor, x.c.At, x.c.RuleId, x.c.Before, x.c.After, x.c.Detail))];
    }

    /// <summary>A new draft with the rules of <paramref name="fromVersion"/> (default: the version in force), based on the version in force.</summary>
    public async Task<RuleListView<TRule>> StartDraftAsync(CurrentStaff staff, int? fromVersion, CancellationToken ct)
    {
        RequireEdit(staff);
        var current = await inForce.CurrentVersionAsync(db, ct);
        var source = fromVersion ?? current;
        var from = await Lists().SingleOrDefaultAsync(l => l.Version == source, ct)
            ?? throw new ArgumentException($"fromVersion: there is no approved version {source}");
        var now = clock.GetUtcNow();
        var draft = new RuleList(Kind, from.RulesJson, current, staff.Login, now);
        db.RuleLists.Add(draft);
        await SaveAsync(ct);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.DraftStarted, staff.Login, now,
            source == current ? $"draft started from v{current}" : $"draft started from v{source} (rollback; v{current} in force)"));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>
    /// Adds a rule (<paramref name="originalId"/> null) or replaces the rule <paramref name="originalId"/> (its id may
    /// change) in a draft. The whole list is validated first; nothing is stored when a rule is wrong.
    /// </summary>
    public async Task<RuleListView<TRule>> SaveRuleAsync(CurrentStaff staff, long draftId, string? originalId, TRule rule, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var rules = draft.RulesAs<TRule>().ToList();
        var after = rule.Normalized();
        TRule? before = null;
        if (originalId is null)
        {
            rules.Add(after);
        }
        else
        {
            var at = rules.FindIndex(r => r.Id == originalId);
            if (at < 0) throw new ArgumentException($"rule {originalId}: not in draft {draftId}");
            before = rules[at];
            if (before.Equals(after)) return View(draft);
            rules[at] = after;
        }
        Validate(rules);
        var now = clock.GetUtcNow();
        draft.ReplaceRules(RuleListJson.Serialize(rules), now);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, before is null ? RuleListAction.RuleAdded : RuleListAction.RuleEdited, staff.Login, now,
            before is null ? $"added {after.Id}" : $"edited {originalId}: {string.Join(", ", before.ChangedFields(after))}",
            after.Id, before is null ? null : RuleListJson.Serialize(before), RuleListJson.Serialize(after)));
        await SaveAsync(ct);
        return View(draft);
    }

    public async Task<RuleListView<TRule>> DeleteRuleAsync(CurrentStaff staff, long draftId, string ruleId, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var rules = draft.RulesAs<TRule>().ToList();
        var before = rules.SingleOrDefault(r => r.Id == ruleId) ?? throw new ArgumentException($"rule {ruleId}: not in draft {draftId}");
        rules.Remove(before);
        var now = clock.GetUtcNow();
        draft.ReplaceRules(RuleListJson.Serialize(rules), now);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.RuleDeleted, staff.Login, now, $"deleted {ruleId}", ruleId, RuleListJson.Serialize(before)));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>
    /// Puts a draft in force as the next version. Refused when another version was approved since the draft started
    /// (it would undo that change) and, for two approvals at the same moment, by the version check on the list in
    /// force: one wins, the other gets a conflict.
    /// </summary>
    public async Task<RuleListView<TRule>> ApproveAsync(CurrentStaff staff, long draftId, string? note, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var current = await db.RuleLists.SingleAsync(l => l.Kind == Kind && l.Status == RuleListStatus.Approved, ct);
        if (draft.BaseVersion != current.Version)
        {
            throw new RuleViolationException($"draft {draftId} was started from v{draft.BaseVersion}, but v{current.Version} has been approved since; start a new draft from v{current.Version}");
        }
        // Validated again: the limits may have tightened since the draft was saved.
        var rules = draft.RulesAs<TRule>();
        Validate(rules);
        var now = clock.GetUtcNow();
        var version = current.Version!.Value + 1;
        current.Supersede();
        draft.Approve(version, staff.Login, Note(note), now);
        var diff = RuleDiffs.Diff(current.RulesAs<TRule>(), rules);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.Approved, staff.Login, now,
            string.Create(CultureInfo.InvariantCulture, $"approved as v{version}, replacing v{current.Version}: ") + RuleDiffs.Describe(diff) + (Note(note) is { } n ? "; note: " + n : ""),
            before: current.RulesJson, after: draft.RulesJson));
        await SaveAsync(ct);
        reloader.Signal();
        return View(draft);
    }

    public async Task<RuleListView<TRule>> RejectAsync(CurrentStaff staff, long draftId, string reason, CancellationToken ct)
    {
        RequireEdit(staff);
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("reason: say why the draft is rejected");
        var draft = await DraftAsync(draftId, null, ct);
        var now = clock.GetUtcNow();
        draft.Reject(staff.Login, Note(reason)!, now);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.Rejected, staff.Login, now, "rejected: " + Note(reason)));
        await SaveAsync(ct);
        return View(draft);
    }

    private IQueryable<RuleList> Lists() => db.RuleLists.AsNoTracking().Where(l => l.Kind == Kind);

    private async Task<RuleList> DraftAsync(long draftId, int? expectedRevision, CancellationToken ct)
    {
        var draft = await db.RuleLists.SingleOrDefaultAsync(l => l.Id == draftId && l.Kind == Kind, ct) ?? throw new ArgumentException($"no {What} list {draftId}");
        if (!draft.IsEditable) throw new RuleViolationException($"rule list {draftId} is {draft.Status}; only a draft changes");
        if (expectedRevision is { } r && r != draft.Revision) throw new RuleViolationException($"draft {draftId} was changed by someone else meanwhile; reload it");
        return draft;
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new RuleViolationException($"the {What} were changed by someone else meanwhile (another approval or edit); reload");
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            throw new RuleViolationException("another version was approved at the same moment; reload and start a new draft");
        }
    }

    private void RequireEdit(CurrentStaff staff)
    {
        if (!RuleListRoles.CanEdit(staff)) throw new UnauthorizedAccessException($"only Compliance edits and approves the {What}");
    }

    private void RequireRead(CurrentStaff staff)
    {
        if (!RuleListRoles.CanRead(staff)) throw new UnauthorizedAccessException($"only Compliance, the digital team and admins see the {What}");
    }

    private static string? Note(string? note)
    {
        if (string.IsNullOrWhiteSpace(note)) return null;
        var t = note.Trim();
        return t.Length <= 500 ? t : t[..500];
    }

    private static RuleListView<TRule> View(RuleList l) =>
        new(l.Id, l.Kind, l.Status, l.Version, l.BaseVersion, l.RulesAs<TRule>(), l.Author, l.CreatedAt, l.UpdatedAt, l.ReviewedBy, l.ReviewedAt, l.ReviewNote, l.Revision);
}

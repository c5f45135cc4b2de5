using System.Globalization;
using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Platform.Auth;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.ServiceOfficer.Guardrails;

public sealed record GuardrailListView(
    long Id,
    GuardrailListStatus Status,
    int? Version,
    int BaseVersion,
    IReadOnlyList<GuardrailRuleData> Rules,
    string Author,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ReviewedBy,
    DateTimeOffset? ReviewedAt,
    string? ReviewNote,
    int Revision);

public sealed record GuardrailChangeView(long Id, long ListId, int? Version, GuardrailRuleAction Action, string Actor, DateTimeOffset At, string? RuleId, string? Before, string? After, string Detail);

/// <summary>One rule that differs between the approved list and a draft (Before null: added; After null: deleted).</summary>
public sealed record GuardrailRuleDiff(string RuleId, GuardrailRuleData? Before, GuardrailRuleData? After, IReadOnlyList<string> Fields);

/// <summary>
/// The guardrail rule lists' use cases. Only Compliance starts drafts, edits rules, approves and rejects; the
/// digital team and admins may read. Approved lists never change: approving makes a new numbered version, rolling
/// back is a draft started from an old version and approved as a new one. Every change leaves a
/// <see cref="GuardrailRuleChange"/> with the rule before and after. An approval tells the engine to reload.
/// </summary>
public sealed class GuardrailRuleEditor(CoServeDb db, TimeProvider clock, GuardrailRulesInForce inForce, KnowledgeReloader reloader)
{
    public static bool CanEdit(CurrentStaff s) => s.Role == StaffRole.Compliance;

    public static bool CanRead(CurrentStaff s) => s.Role is StaffRole.Compliance or StaffRole.DigitalOps or StaffRole.Admin;

    public async Task<GuardrailListView> InForceAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        var version = await inForce.CurrentVersionAsync(db, ct);
        return View(await db.GuardrailRuleLists.AsNoTracking().SingleAsync(l => l.Version == version, ct));
    }

    /// <summary>Every list, drafts first, then versions newest first.</summary>
    public async Task<IReadOnlyList<GuardrailListView>> ListAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        await inForce.CurrentVersionAsync(db, ct);
        var lists = await db.GuardrailRuleLists.AsNoTracking().ToListAsync(ct);
        return [.. lists.OrderBy(l => l.Status == GuardrailListStatus.Draft ? 0 : 1).ThenByDescending(l => l.Version ?? 0).ThenByDescending(l => l.Id).Select(View)];
    }

    public async Task<GuardrailListView?> GetAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        RequireRead(staff);
        return await db.GuardrailRuleLists.AsNoTracking().SingleOrDefaultAsync(l => l.Id == id, ct) is { } l ? View(l) : null;
    }

    public async Task<IReadOnlyList<GuardrailChangeView>> ChangesAsync(CurrentStaff staff, long? listId, CancellationToken ct)
    {
        RequireRead(staff);
        var q = db.GuardrailRuleChanges.AsNoTracking();
        if (listId is { } id) q = q.Where(c => c.ListId == id);
        var changes = await q.OrderByDescending(c => c.Id).Take(500).ToListAsync(ct);
        var ids = changes.Select(c => c.ListId).Distinct().ToList();
        var versions = await db.GuardrailRuleLists.AsNoTracking().Where(l => ids.Contains(l.Id)).ToDictionaryAsync(l => l.Id, l => l.Version, ct);
        return [.. changes.Select(c => new GuardrailChangeView(c.Id, c.ListId, versions.GetValueOrDefault(c.ListId), c.Action, c.Actor, c.At, c.RuleId, c.Before, c.After, c.Detail))];
    }

    /// <summary>A new draft with the rules of <paramref name="fromVersion"/> (default: the version in force), based on the version in force.</summary>
    public async Task<GuardrailListView> StartDraftAsync(CurrentStaff staff, int? fromVersion, CancellationToken ct)
    {
        RequireEdit(staff);
        var current = await inForce.CurrentVersionAsync(db, ct);
        var source = fromVersion ?? current;
        var from = await db.GuardrailRuleLists.AsNoTracking().SingleOrDefaultAsync(l => l.Version == source, ct)
            ?? throw new ArgumentException($"fromVersion: there is no approved version {source}");
        var now = clock.GetUtcNow();
        var draft = new GuardrailRuleList(from.Rules, current, staff.Login, now);
        db.GuardrailRuleLists.Add(draft);
        await SaveAsync(ct);
        db.GuardrailRuleChanges.Add(new GuardrailRuleChange(draft.Id, GuardrailRuleAction.DraftStarted, staff.Login, now,
            source == current ? $"draft started from v{current}" : $"draft started from v{source} (rollback; v{current} in force)"));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>
    /// Adds a rule (<paramref name="originalId"/> null) or replaces the rule <paramref name="originalId"/> (its id may
    /// change) in a draft. The whole list is validated first; nothing is stored when a rule is wrong.
    /// </summary>
    public async Task<GuardrailListView> SaveRuleAsync(CurrentStaff staff, long draftId, string? originalId, GuardrailRuleData rule, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var rules = draft.Rules.ToList();
        var after = rule.Normalized();
        GuardrailRuleData? before = null;
        if (originalId is null)
        {
            rules.Add(after);
        }
        else
        {
            var at = rules.FindIndex(r => r.Id == originalId);
            if (at < 0) throw new ArgumentException($"rule {originalId}: not in draft {draftId}");
            before = rules[at];
            if (before == after) return View(draft);
            rules[at] = after;
        }
        GuardrailRuleValidation.Validate(rules);
        var now = clock.GetUtcNow();
        draft.ReplaceRules(rules, now);
        db.GuardrailRuleChanges.Add(new GuardrailRuleChange(draft.Id, before is null ? GuardrailRuleAction.RuleAdded : GuardrailRuleAction.RuleEdited, staff.Login, now,
            before is null ? $"added {after.Id}" : $"edited {originalId}: {string.Join(", ", ChangedFields(before, after))}",
            after.Id, before is null ? null : GuardrailRuleList.Serialize(before), GuardrailRuleList.Serialize(after)));
        await SaveAsync(ct);
        return View(draft);
    }

    public async Task<GuardrailListView> DeleteRuleAsync(CurrentStaff staff, long draftId, string ruleId, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var rules = draft.Rules.ToList();
        var before = rules.SingleOrDefault(r => r.Id == ruleId) ?? throw new ArgumentException($"rule {ruleId}: not in draft {draftId}");
        rules.Remove(before);
        var now = clock.GetUtcNow();
        draft.ReplaceRules(rules, now);
        db.GuardrailRuleChanges.Add(new GuardrailRuleChange(draft.Id, GuardrailRuleAction.RuleDeleted, staff.Login, now, $"deleted {ruleId}", ruleId, GuardrailRuleList.Serialize(before)));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>
    /// Puts a draft in force as the next version. Refused when another version was approved since the draft started
    /// (it would undo that change) and, for two approvals at the same moment, by the version check on the list in
    /// force: one wins, the other gets a conflict.
    /// </summary>
    public async Task<GuardrailListView> ApproveAsync(CurrentStaff staff, long draftId, string? note, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var draft = await DraftAsync(draftId, expectedRevision, ct);
        var current = await db.GuardrailRuleLists.SingleAsync(l => l.Status == GuardrailListStatus.Approved, ct);
        if (draft.BaseVersion != current.Version)
        {
            throw new RuleViolationException($"draft {draftId} was started from v{draft.BaseVersion}, but v{current.Version} has been approved since; start a new draft from v{current.Version}");
        }
        // Validated again: the limits may have tightened since the draft was saved.
        GuardrailRuleValidation.Validate(draft.Rules);
        var now = clock.GetUtcNow();
        var version = current.Version!.Value + 1;
        current.Supersede();
        draft.Approve(version, staff.Login, Note(note), now);
        var diff = Diff(current.Rules, draft.Rules);
        db.GuardrailRuleChanges.Add(new GuardrailRuleChange(draft.Id, GuardrailRuleAction.Approved, staff.Login, now,
            string.Create(CultureInfo.InvariantCulture, $"approved as v{version}, replacing v{current.Version}: ") + Describe(diff) + (Note(note) is { } n ? "; note: " + n : ""),
            before: GuardrailRuleList.Serialize(current.Rules), after: GuardrailRuleList.Serialize(draft.Rules)));
        await SaveAsync(ct);
        reloader.Signal();
        return View(draft);
    }

    public async Task<GuardrailListView> RejectAsync(CurrentStaff staff, long draftId, string reason, CancellationToken ct)
    {
        RequireEdit(staff);
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("reason: say why the draft is rejected");
        var draft = await DraftAsync(draftId, null, ct);
        var now = clock.GetUtcNow();
        draft.Reject(staff.Login, Note(reason)!, now);
        db.GuardrailRuleChanges.Add(new GuardrailRuleChange(draft.Id, GuardrailRuleAction.Rejected, staff.Login, now, "rejected: " + Note(reason)));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>Rules that differ between <paramref name="before"/> and <paramref name="after"/>, in the order of after (deletions last).</summary>
    public static IReadOnlyList<GuardrailRuleDiff> Diff(IReadOnlyList<GuardrailRuleData> before, IReadOnlyList<GuardrailRuleData> after)
    {
        var old = before.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var diff = new List<GuardrailRuleDiff>();
        foreach (var a in after)
        {
            if (!old.TryGetValue(a.Id, out var b)) diff.Add(new(a.Id, null, a, ["added"]));
            else if (b != a) diff.Add(new(a.Id, b, a, ChangedFields(b, a)));
        }
        var now = after.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        diff.AddRange(before.Where(b => !now.Contains(b.Id)).Select(b => new GuardrailRuleDiff(b.Id, b, null, ["deleted"])));
        return diff;
    }

    public static string Describe(IReadOnlyList<GuardrailRuleDiff> diff) => diff.Count == 0
        ? "no rule changed"
        : string.Join("; ", diff.Select(d => $"{d.RuleId} {string.Join(",", d.Fields)}"));

    private static List<string> ChangedFields(GuardrailRuleData b, GuardrailRuleData a)
    {
        var f = new List<string>();
        if (b.Id != a.Id) f.Add("id");
        if (b.Kind != a.Kind) f.Add("kind");
        if (b.Pattern != a.Pattern) f.Add("pattern");
        if (b.NegatedBy != a.NegatedBy) f.Add("negatedBy");
        if (b.RequiredElsewhere != a.RequiredElsewhere) f.Add("requiredElsewhere");
        if (b.Description != a.Description) f.Add("description");
        if (b.Enabled != a.Enabled) f.Add(a.Enabled ? "enabled" : "disabled");
        return f;
    }

    private async Task<GuardrailRuleList> DraftAsync(long draftId, int? expectedRevision, CancellationToken ct)
    {
        var draft = await db.GuardrailRuleLists.SingleOrDefaultAsync(l => l.Id == draftId, ct) ?? throw new ArgumentException($"no guardrail rule list {draftId}");
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
            throw new RuleViolationException("the guardrail rules were changed by someone else meanwhile (another approval or edit); reload");
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            throw new RuleViolationException("another version was approved at the same moment; reload and start a new draft");
        }
    }

    private static void RequireEdit(CurrentStaff staff)
    {
        if (!CanEdit(staff)) throw new UnauthorizedAccessException("only Compliance edits and approves the guardrail rules");
    }

    private static void RequireRead(CurrentStaff staff)
    {
        if (!CanRead(staff)) throw new UnauthorizedAccessException("only Compliance, the digital team and admins see the guardrail rules");
    }

    private static string? Note(string? note)
    {
        if (string.IsNullOrWhiteSpace(note)) return null;
        var t = note.Trim();
        return t.Length <= 500 ? t : t[..500];
    }

    internal static GuardrailListView View(GuardrailRuleList l) => new(l.Id, l.Status, l.Version, l.BaseVersion, l.Rules, l.Author, l.CreatedAt, l.UpdatedAt, l.ReviewedBy, l.ReviewedAt, l.ReviewNote, l.Revision);
}

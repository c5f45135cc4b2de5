using System.Globalization;
using CoServe.Data;
using CoServe.Features.Notifications;
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

/// <summary>A release's shipped rules as offered to Compliance, compared with the list in force now.</summary>
public sealed record RuleReleaseView<TRule>(
    long Id,
    RuleListKind Kind,
    RuleReleaseStatus Status,
    string ShippedHash,
    DateTimeOffset FoundAt,
    string Summary,
    long? DraftListId,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Note,
    int InForceVersion,
    IReadOnlyList<ReleaseItem<TRule>> Items,
    int Revision)
{
    public int OfferedCount => Items.Count(i => i.IsOffered);
}

/// <summary>A release as listed in its history (no per-rule comparison).</summary>
public sealed record RuleReleaseSummary(long Id, RuleReleaseStatus Status, string ShippedHash, DateTimeOffset FoundAt, string Summary, long? DraftListId, string? DecidedBy, DateTimeOffset? DecidedAt, string? Note);

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
public abstract class RuleListEditor<TRule, TCompiled>(CoServeDb db, TimeProvider clock, RulesInForce<TRule, TCompiled> inForce, KnowledgeReloader reloader, Notifier notifier)
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
        var release = await Releases().SingleOrDefaultAsync(r => r.DraftListId == draftId && r.Status == RuleReleaseStatus.Drafted, ct);
        release?.Applied(staff.Login, now);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.Approved, staff.Login, now,
            string.Create(CultureInfo.InvariantCulture, $"approved as v{version}, replacing v{current.Version}: ") + RuleDiffs.Describe(diff)
            + (release is null ? "" : $"; reconciles release update #{release.Id} ({release.ShippedHash[..12]})") + (Note(note) is { } n ? "; note: " + n : ""),
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
        var release = await Releases().SingleOrDefaultAsync(r => r.DraftListId == draftId && r.Status == RuleReleaseStatus.Drafted, ct);
        release?.Reopen();
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.Rejected, staff.Login, now,
            "rejected: " + Note(reason) + (release is null ? "" : $"; release update #{release.Id} is offered again")));
        await SaveAsync(ct);
        return View(draft);
    }

    /// <summary>The release whose offer is open (pending, or drafted and awaiting approval), compared with the list in force now; null when none.</summary>
    public async Task<RuleReleaseView<TRule>?> OpenReleaseAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        var open = await Releases().AsNoTracking().Where(r => r.Status == RuleReleaseStatus.Pending || r.Status == RuleReleaseStatus.Drafted)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        return open is null ? null : await ReleaseViewAsync(open, ct);
    }

    public async Task<RuleReleaseView<TRule>?> ReleaseAsync(CurrentStaff staff, long releaseId, CancellationToken ct)
    {
        RequireRead(staff);
        var release = await Releases().AsNoTracking().SingleOrDefaultAsync(r => r.Id == releaseId, ct);
        return release is null ? null : await ReleaseViewAsync(release, ct);
    }

    /// <summary>Every release recorded for this kind, newest first.</summary>
    public async Task<IReadOnlyList<RuleReleaseSummary>> ReleasesAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireRead(staff);
        return await Releases().AsNoTracking().OrderByDescending(r => r.Id)
            .Select(r => new RuleReleaseSummary(r.Id, r.Status, r.ShippedHash, r.FoundAt, r.Summary, r.DraftListId, r.DecidedBy, r.DecidedAt, r.Note))
            .Take(100).ToListAsync(ct);
    }

    /// <summary>Compares the rules this build ships with the list in force now (what start-up does), and tells Compliance of a new release.</summary>
    public async Task<RuleReleaseCheck> CheckReleaseAsync(CurrentStaff staff, CancellationToken ct)
    {
        RequireEdit(staff);
        return await inForce.CheckReleaseAsync(db, notifier, ct);
    }

    /// <summary>
    /// A draft of the list in force with the release's offered rules that Compliance accepts (all when
    /// <paramref name="acceptedRuleIds"/> is null), approved or rejected like any draft. The rules not accepted are
    /// declined: once the draft is approved they are not offered again. Rejecting the draft offers the release again.
    /// </summary>
    public async Task<RuleListView<TRule>> StartReleaseDraftAsync(CurrentStaff staff, long releaseId, IReadOnlyCollection<string>? acceptedRuleIds, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        var release = await OpenReleaseForChangeAsync(releaseId, expectedRevision, ct);
        var current = await db.RuleLists.AsNoTracking().SingleAsync(l => l.Kind == Kind && l.Status == RuleListStatus.Approved, ct);
        var inForceRules = current.RulesAs<TRule>();
        var shipped = RuleListJson.DeserializeList<TRule>(release.ShippedRulesJson);
        var items = ReleaseDiff.Compare(RuleListJson.DeserializeList<TRule>(release.BaselineRulesJson), shipped, inForceRules);
        var offered = items.Where(i => i.IsOffered).ToList();
        var wanted = acceptedRuleIds?.ToHashSet(StringComparer.Ordinal) ?? [.. offered.Select(i => i.RuleId)];
        var unknown = wanted.Where(id => offered.All(i => i.RuleId != id)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"acceptedRuleIds: {string.Join(", ", unknown)} not offered by release update #{releaseId} (edited here, already in force, or not in the release)");
        var accepted = offered.Where(i => wanted.Contains(i.RuleId)).ToList();
        if (accepted.Count == 0) throw new ArgumentException("acceptedRuleIds: accept at least one offered rule, or dismiss the release update");
        var rules = ReleaseDiff.Apply(inForceRules, shipped, accepted);
        Validate(rules);

        var now = clock.GetUtcNow();
        var declined = offered.Where(i => !wanted.Contains(i.RuleId)).ToList();
        var detail = $"draft started from v{current.Version} with release update #{release.Id} ({release.ShippedHash[..12]}): accepted {ReleaseDiff.Describe(accepted)}"
            + (declined.Count > 0 ? $"; declined {ReleaseDiff.Describe(declined)}" : "");
        var draft = new RuleList(Kind, RuleListJson.Serialize(rules), current.Version!.Value, staff.Login, now);
        // One transaction: the draft, the release's link to it and the audit are stored together or not at all.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.RuleLists.Add(draft);
        await SaveAsync(ct);
        release.Drafted(draft.Id, staff.Login, detail, now);
        db.RuleListChanges.Add(new RuleListChange(draft.Id, RuleListAction.ReleaseDrafted, staff.Login, now, detail));
        foreach (var i in accepted)
        {
            var (action, what) = i.Change switch
            {
                ReleaseChange.Added => (RuleListAction.RuleAdded, "added"),
                ReleaseChange.Changed => (RuleListAction.RuleEdited, "edited"),
                ReleaseChange.Retired => (RuleListAction.RuleDeleted, "deleted"),
                _ => throw new ArgumentOutOfRangeException(nameof(acceptedRuleIds), i.Change, "unknown release change"),
            };
            db.RuleListChanges.Add(new RuleListChange(draft.Id, action, staff.Login, now,
                $"{what} {i.RuleId} as shipped by release update #{release.Id}" + (i.Change == ReleaseChange.Changed ? ": " + string.Join(", ", i.Fields) : ""),
                i.RuleId, i.InForce is null ? null : RuleListJson.Serialize(i.InForce), i.Shipped is null ? null : RuleListJson.Serialize(i.Shipped)));
        }
        await SaveAsync(ct);
        await tx.CommitAsync(ct);
        return View(draft);
    }

    /// <summary>Declines the whole release, with a reason; it is recorded and not offered again (a later release is compared with it).</summary>
    public async Task<RuleReleaseView<TRule>> DismissReleaseAsync(CurrentStaff staff, long releaseId, string reason, int? expectedRevision, CancellationToken ct)
    {
        RequireEdit(staff);
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("reason: say why the release update is dismissed");
        var release = await OpenReleaseForChangeAsync(releaseId, expectedRevision, ct);
        var current = await db.RuleLists.AsNoTracking().SingleAsync(l => l.Kind == Kind && l.Status == RuleListStatus.Approved, ct);
        var now = clock.GetUtcNow();
        release.Dismiss(staff.Login, Note(reason)!, now);
        db.RuleListChanges.Add(new RuleListChange(current.Id, RuleListAction.ReleaseDismissed, staff.Login, now,
            $"dismissed release update #{release.Id} ({release.ShippedHash[..12]}: {release.Summary}); v{current.Version} stays: {Note(reason)}"));
        await SaveAsync(ct);
        return await ReleaseViewAsync(release, ct);
    }

    private async Task<RuleListRelease> OpenReleaseForChangeAsync(long releaseId, int? expectedRevision, CancellationToken ct)
    {
        var release = await Releases().SingleOrDefaultAsync(r => r.Id == releaseId, ct) ?? throw new ArgumentException($"no release update {releaseId} of the {What}");
        if (release.Status != RuleReleaseStatus.Pending)
        {
            throw new RuleViolationException(release.Status == RuleReleaseStatus.Drafted
                ? $"release update {releaseId} already has draft {release.DraftListId}; approve or reject that draft"
                : $"release update {releaseId} is {release.Status}; only a pending release update is accepted or dismissed");
        }
        if (expectedRevision is { } r && r != release.Revision) throw new RuleViolationException($"release update {releaseId} was changed by someone else meanwhile; reload it");
        return release;
    }

    private async Task<RuleReleaseView<TRule>> ReleaseViewAsync(RuleListRelease r, CancellationToken ct)
    {
        var current = await db.RuleLists.AsNoTracking().Where(l => l.Kind == Kind && l.Status == RuleListStatus.Approved).Select(l => new { l.Version, l.RulesJson }).SingleAsync(ct);
        var items = ReleaseDiff.Compare(RuleListJson.DeserializeList<TRule>(r.BaselineRulesJson), RuleListJson.DeserializeList<TRule>(r.ShippedRulesJson), RuleListJson.DeserializeList<TRule>(current.RulesJson));
        return new(r.Id, r.Kind, r.Status, r.ShippedHash, r.FoundAt, r.Summary, r.DraftListId, r.DecidedBy, r.DecidedAt, r.Note, current.Version!.Value, items, r.Revision);
    }

    private IQueryable<RuleListRelease> Releases() => db.Set<RuleListRelease>().Where(r => r.Kind == Kind);

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

using System.Globalization;
using System.Text.RegularExpressions;
using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Platform.Auth;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public sealed record KnowledgeFilter(string? Text = null, string? Category = null, KnowledgeStatus? Status = null, bool? Retired = null);

/// <summary>One row of the knowledge-base list: the entry's newest version and whether an approved one serves.</summary>
public sealed record KnowledgeRow(
    string EntryId,
    string Category,
    string Question,
    int LatestVersion,
    KnowledgeStatus LatestStatus,
    int? ApprovedVersion,
    bool Retired,
    DateTimeOffset UpdatedAt);

public sealed record KnowledgeVersionView(
    long Id,
    string EntryId,
    int Version,
    KnowledgeStatus Status,
    KnowledgeDraft Content,
    string Author,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ReviewedBy,
    DateTimeOffset? ReviewedAt,
    string? ReviewNote,
    bool IsCurrentApproved);

public sealed record KnowledgeChangeView(long Id, int Version, KnowledgeAction Action, string Actor, DateTimeOffset At, string Detail);

public sealed record KnowledgeEntryDetail(string EntryId, bool Retired, int Revision, IReadOnlyList<KnowledgeVersionView> Versions, IReadOnlyList<KnowledgeChangeView> Changes)
{
    public KnowledgeVersionView Latest => Versions[0];
    public KnowledgeVersionView? Approved => Versions.FirstOrDefault(v => v.IsCurrentApproved);
}

/// <summary>A version waiting for Compliance, with what it changes against the approved version.</summary>
public sealed record KnowledgeReviewItem(KnowledgeVersionView Version, KnowledgeVersionView? Approved, bool Retired, IReadOnlyList<FieldChange> Changes);

/// <summary>
/// The knowledge base's use cases. The digital team (and admins) draft and edit; only Compliance approves or
/// rejects, with a reason for a rejection; approved versions never change (an edit starts a new draft version);
/// every change leaves a <see cref="KnowledgeChange"/> naming who, when and what. Approvals and retirements tell the
/// engine to reload (<see cref="KnowledgeReloader"/>).
/// </summary>
public sealed partial class KnowledgeBase(CoServeDb db, TimeProvider clock, IOptions<KnowledgeBaseOptions> options, KnowledgeReloader reloader, GuardrailRulesInForce guardrails)
{
    [GeneratedRegex(@"^KB-(\d{4,6})$")]
    private static partial Regex EntryIdPattern();

    public static bool IsEntryId(string id) => EntryIdPattern().IsMatch(id);

    public static bool CanAuthor(CurrentStaff s) => s.Role is StaffRole.DigitalOps or StaffRole.Admin;

    public static bool CanReview(CurrentStaff s) => s.Role == StaffRole.Compliance;

    public static bool CanRetire(CurrentStaff s) => CanAuthor(s) || CanReview(s);

    private int MinParaphrases => options.Value.MinParaphrases;

    public async Task<IReadOnlyList<KnowledgeRow>> ListAsync(KnowledgeFilter filter, CancellationToken ct)
    {
        var q = from v in db.KnowledgeVersions.AsNoTracking()
                join i in db.KnowledgeItems.AsNoTracking() on v.ItemId equals i.Id
                where v.Version == i.LatestVersion
                select new { v, i };
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var t = filter.Text.Trim();
            q = q.Where(x => x.i.EntryId == t.ToUpperInvariant() || x.v.Question.Contains(t) || x.v.Paraphrases.Contains(t) || x.v.Answer.Contains(t) || x.v.Tags.Contains(t));
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            var c = filter.Category.Trim();
            q = q.Where(x => x.v.Category == c);
        }
        if (filter.Status is { } s) q = q.Where(x => x.v.Status == s);
        if (filter.Retired is { } r) q = q.Where(x => x.i.Retired == r);
        var rows = await q.OrderBy(x => x.i.EntryId).Take(2000)
            .Select(x => new { x.i.EntryId, x.v.Category, x.v.Question, x.v.Version, x.v.Status, x.i.ApprovedVersionId, x.i.Retired, x.v.UpdatedAt })
            .ToListAsync(ct);
        var approvedIds = rows.Where(x => x.ApprovedVersionId is not null).Select(x => x.ApprovedVersionId!.Value).ToList();
        var approvedNumbers = await db.KnowledgeVersions.AsNoTracking().Where(v => approvedIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Version, ct);
        return [.. rows.Select(x => new KnowledgeRow(x.EntryId, x.Category, x.Question, x.Version, x.Status,
            x.ApprovedVersionId is { } a && approvedNumbers.TryGetValue(a, out var n) ? n : null, x.Retired, x.UpdatedAt))];
    }

    public async Task<IReadOnlyList<string>> CategoriesAsync(CancellationToken ct) =>
        await db.KnowledgeVersions.AsNoTracking().Select(v => v.Category).Distinct().OrderBy(c => c).ToListAsync(ct);

    public async Task<KnowledgeEntryDetail?> GetAsync(string entryId, CancellationToken ct)
    {
        var id = (entryId ?? "").Trim().ToUpperInvariant();
        var item = await db.KnowledgeItems.AsNoTracking().SingleOrDefaultAsync(i => i.EntryId == id, ct);
        if (item is null) return null;
        var versions = await db.KnowledgeVersions.AsNoTracking().Where(v => v.ItemId == item.Id).OrderByDescending(v => v.Version).ToListAsync(ct);
        var changes = await db.KnowledgeChanges.AsNoTracking().Where(c => c.ItemId == item.Id).OrderByDescending(c => c.Id).Take(500).ToListAsync(ct);
        return new KnowledgeEntryDetail(item.EntryId, item.Retired, item.Revision,
            [.. versions.Select(v => View(item, v))],
            [.. changes.Select(c => new KnowledgeChangeView(c.Id, c.Version, c.Action, c.Actor, c.At, c.Detail))]);
    }

    /// <summary>Versions waiting for review (submitted first, then drafts), each with its diff against the approved version.</summary>
    public async Task<IReadOnlyList<KnowledgeReviewItem>> ReviewQueueAsync(CancellationToken ct)
    {
        var pending = await (from v in db.KnowledgeVersions.AsNoTracking()
                             join i in db.KnowledgeItems.AsNoTracking() on v.ItemId equals i.Id
                             where v.Status == KnowledgeStatus.Submitted || v.Status == KnowledgeStatus.Draft
                             select new { v, i }).ToListAsync(ct);
        var approvedIds = pending.Where(x => x.i.ApprovedVersionId is not null).Select(x => x.i.ApprovedVersionId!.Value).ToList();
        var approved = await db.KnowledgeVersions.AsNoTracking().Where(v => approvedIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        return [.. pending
            .OrderBy(x => x.v.Status == KnowledgeStatus.Submitted ? 0 : 1).ThenBy(x => x.v.UpdatedAt).ThenBy(x => x.i.EntryId)
            .Select(x =>
            {
                var a = x.i.ApprovedVersionId is { } aid && approved.TryGetValue(aid, out var av) ? av : null;
                return new KnowledgeReviewItem(View(x.i, x.v), a is null ? null : View(x.i, a), x.i.Retired, KnowledgeDiff.Compare(a?.ToDraft(), x.v.ToDraft()));
            })];
    }

    /// <summary>A new entry as a draft (version 1). Without an id the next free KB-nnnn is taken.</summary>
    public async Task<KnowledgeVersionView> CreateAsync(CurrentStaff staff, KnowledgeDraft draft, CancellationToken ct, string? entryId = null)
    {
        if (!CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team and admins write knowledge entries");
        await ValidateAsync(draft, entryId, ct);
        var id = entryId is null ? await NextEntryIdAsync(ct) : entryId.Trim().ToUpperInvariant();
        if (!IsEntryId(id)) throw new KnowledgeDraftException([new("id", $"'{id}' is not an entry id (KB- and 4 to 6 digits)")]);
        if (await db.KnowledgeItems.AnyAsync(i => i.EntryId == id, ct)) throw new RuleViolationException($"entry {id} already exists");
        var now = clock.GetUtcNow();
        var item = new KnowledgeItem(id, staff.Login, now) { LatestVersion = 1, Revision = 1 };
        db.KnowledgeItems.Add(item);
        var version = new KnowledgeVersion(item, 1, draft, staff.Login, now);
        db.KnowledgeVersions.Add(version);
        await SaveAsync(ct);
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, 1, KnowledgeAction.Created, staff.Login, now, KnowledgeDiff.Describe(KnowledgeDiff.Compare(null, draft)), affectsEngine: false));
        await SaveAsync(ct);
        return View(item, version);
    }

    /// <summary>
    /// Saves an edit: a draft or submitted version changes in place (a submitted one goes back to Draft); an
    /// approved, rejected or superseded one stays as it was and the edit becomes a new draft version.
    /// <paramref name="expectedRevision"/> (from <see cref="KnowledgeEntryDetail.Revision"/>) guards against
    /// overwriting someone else's change.
    /// </summary>
    public async Task<KnowledgeVersionView> EditAsync(CurrentStaff staff, string entryId, KnowledgeDraft draft, int? expectedRevision, CancellationToken ct)
    {
        if (!CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team and admins write knowledge entries");
        await ValidateAsync(draft, entryId, ct);
        var item = await ItemAsync(entryId, ct);
        if (expectedRevision is { } r && r != item.Revision) throw new RuleViolationException($"entry {item.EntryId} was changed by someone else meanwhile; reload it");
        var (version, _) = await SaveDraftCoreAsync(item, draft, staff.Login, KnowledgeAction.Edited, ct);
        await SaveAsync(ct);
        return View(item, version);
    }

    public async Task<KnowledgeVersionView> SubmitAsync(CurrentStaff staff, string entryId, CancellationToken ct)
    {
        if (!CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team and admins submit knowledge entries");
        var item = await ItemAsync(entryId, ct);
        var latest = await db.KnowledgeVersions.SingleAsync(v => v.ItemId == item.Id && v.Version == item.LatestVersion, ct);
        if (latest.Status != KnowledgeStatus.Draft) throw new RuleViolationException($"{item.EntryId} v{latest.Version} is {latest.Status}; only a draft is submitted");
        var now = clock.GetUtcNow();
        latest.Submit(now);
        item.Revision++;
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, latest.Version, KnowledgeAction.Submitted, staff.Login, now, "submitted for review", affectsEngine: false));
        await SaveAsync(ct);
        return View(item, latest);
    }

    public async Task<KnowledgeVersionView> ApproveAsync(CurrentStaff staff, long versionId, string? note, CancellationToken ct)
    {
        if (!CanReview(staff)) throw new UnauthorizedAccessException("only Compliance approves knowledge entries");
        var version = await db.KnowledgeVersions.Include(v => v.Item).SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new ArgumentException($"no knowledge version {versionId}");
        var item = version.Item!;
        if (version.Version != item.LatestVersion) throw new RuleViolationException($"{item.EntryId} v{version.Version} is not the newest version (v{item.LatestVersion})");
        if (!version.IsEditable) throw new RuleViolationException($"{item.EntryId} v{version.Version} is {version.Status}; only a draft or submitted version is approved");
        // The rules may have tightened since the draft was saved (a new guardrail): what is approved must pass them now.
        await ValidateAsync(version.ToDraft(), item.EntryId, ct);
        await ApproveCoreAsync(item, version, staff.Login, Note(note), KnowledgeAction.Approved, ct);
        await SaveAsync(ct);
        reloader.Signal();
        return View(item, version);
    }

    public async Task<KnowledgeVersionView> RejectAsync(CurrentStaff staff, long versionId, string reason, CancellationToken ct)
    {
        if (!CanReview(staff)) throw new UnauthorizedAccessException("only Compliance rejects knowledge entries");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("say why the version is rejected (reason)");
        var version = await db.KnowledgeVersions.Include(v => v.Item).SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new ArgumentException($"no knowledge version {versionId}");
        var item = version.Item!;
        if (!version.IsEditable) throw new RuleViolationException($"{item.EntryId} v{version.Version} is {version.Status}; only a draft or submitted version is rejected");
        var now = clock.GetUtcNow();
        version.Reject(staff.Login, Note(reason)!, now);
        item.Revision++;
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, version.Version, KnowledgeAction.Rejected, staff.Login, now, "rejected: " + Note(reason), affectsEngine: false));
        await SaveAsync(ct);
        return View(item, version);
    }

    /// <summary>Takes an entry out of the engine (its versions stay for the record). Compliance, the digital team and admins may pull an answer.</summary>
    public async Task RetireAsync(CurrentStaff staff, string entryId, string reason, CancellationToken ct)
    {
        if (!CanRetire(staff)) throw new UnauthorizedAccessException("only Compliance, the digital team and admins retire knowledge entries");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("say why the entry is retired (reason)");
        var item = await ItemAsync(entryId, ct);
        if (item.Retired) throw new RuleViolationException($"{item.EntryId} is already retired");
        var now = clock.GetUtcNow();
        item.Retired = true;
        item.Revision++;
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, item.LatestVersion, KnowledgeAction.Retired, staff.Login, now, "retired: " + Note(reason), affectsEngine: true));
        await SaveAsync(ct);
        reloader.Signal();
    }

    /// <summary>
    /// Validates against the guardrail rules in force; a draft answer the guardrails refuse is a block like any other
    /// and goes to the block log (rule and entry, not the text) before the editor is told.
    /// </summary>
    private async Task ValidateAsync(KnowledgeDraft draft, string? entryId, CancellationToken ct)
    {
        var rules = await guardrails.CurrentAsync(ct);
        var (problems, violations) = draft.Check(MinParaphrases, rules);
        if (problems.Count == 0) return;
        if (violations.Count > 0)
        {
            var now = clock.GetUtcNow();
            var reference = entryId?.Trim().ToUpperInvariant() is { } id && IsEntryId(id) ? id : null;
            foreach (var v in violations)
            {
                db.GuardrailBlocks.Add(new GuardrailBlock(v.RuleId, v.Kind, rules.Version, GuardrailBlockSource.KnowledgeEditor, now, reference: reference));
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        throw new KnowledgeDraftException(problems);
    }

    // ---- shared with the importer ----

    internal async Task<KnowledgeItem> ItemAsync(string entryId, CancellationToken ct)
    {
        var id = (entryId ?? "").Trim().ToUpperInvariant();
        return await db.KnowledgeItems.SingleOrDefaultAsync(i => i.EntryId == id, ct) ?? throw new ArgumentException($"no knowledge entry {id}");
    }

    /// <summary>Applies <paramref name="draft"/> to the item's newest version (or a new one); unchanged content changes nothing.</summary>
    internal async Task<(KnowledgeVersion Version, bool Changed)> SaveDraftCoreAsync(KnowledgeItem item, KnowledgeDraft draft, string actor, KnowledgeAction action, CancellationToken ct)
    {
        var latest = await db.KnowledgeVersions.SingleAsync(v => v.ItemId == item.Id && v.Version == item.LatestVersion, ct);
        var now = clock.GetUtcNow();
        if (latest.IsEditable)
        {
            var changes = KnowledgeDiff.Compare(latest.ToDraft(), draft);
            if (changes.Count == 0) return (latest, false);
            latest.Edit(draft, now);
            item.Revision++;
            db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, latest.Version, action, actor, now, KnowledgeDiff.Describe(changes), affectsEngine: false));
            return (latest, true);
        }
        var baseline = latest.ToDraft();
        var diff = KnowledgeDiff.Compare(baseline, draft);
        if (diff.Count == 0 && !(latest.Status == KnowledgeStatus.Approved && item.Retired)) return (latest, false);
        item.LatestVersion++;
        item.Revision++;
        var next = new KnowledgeVersion(item, item.LatestVersion, draft, actor, now);
        db.KnowledgeVersions.Add(next);
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, next.Version, action, actor, now,
            string.Create(CultureInfo.InvariantCulture, $"new version {next.Version} from v{latest.Version} ({latest.Status}): ") + KnowledgeDiff.Describe(diff), affectsEngine: false));
        return (next, true);
    }

    internal async Task ApproveCoreAsync(KnowledgeItem item, KnowledgeVersion version, string reviewer, string? note, KnowledgeAction action, CancellationToken ct)
    {
        if (version.Id == 0) await db.SaveChangesAsync(ct);
        var now = clock.GetUtcNow();
        string detail;
        if (item.ApprovedVersionId is { } previousId && previousId != version.Id)
        {
            var previous = await db.KnowledgeVersions.SingleAsync(v => v.Id == previousId, ct);
            previous.Supersede();
            detail = string.Create(CultureInfo.InvariantCulture, $"approved v{version.Version}, replacing v{previous.Version}: ") + KnowledgeDiff.Describe(KnowledgeDiff.Compare(previous.ToDraft(), version.ToDraft()));
        }
        else
        {
            detail = string.Create(CultureInfo.InvariantCulture, $"approved v{version.Version}");
        }
        if (item.Retired) detail += "; entry back in service";
        if (note is not null) detail += "; note: " + note;
        version.Approve(reviewer, note, now);
        item.ApprovedVersionId = version.Id;
        item.Retired = false;
        item.Revision++;
        db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, version.Version, action, reviewer, now, detail, affectsEngine: true));
    }

    internal async Task<string> NextEntryIdAsync(CancellationToken ct)
    {
        var ids = await db.KnowledgeItems.AsNoTracking().Select(i => i.EntryId).ToListAsync(ct);
        var max = ids.Select(i => EntryIdPattern().Match(i)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        return string.Create(CultureInfo.InvariantCulture, $"KB-{max + 1:0000}");
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new RuleViolationException("the entry was changed by someone else meanwhile; reload it");
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            throw new RuleViolationException("the entry was changed by someone else meanwhile; reload it");
        }
    }

    private static string? Note(string? note)
    {
        if (string.IsNullOrWhiteSpace(note)) return null;
        var t = note.Trim();
        return t.Length <= KnowledgeDraft.MaxNote ? t : t[..KnowledgeDraft.MaxNote];
    }

    internal static KnowledgeVersionView View(KnowledgeItem item, KnowledgeVersion v) => new(
        v.Id, item.EntryId, v.Version, v.Status, v.ToDraft(), v.Author, v.CreatedAt, v.UpdatedAt, v.ReviewedBy, v.ReviewedAt, v.ReviewNote,
        item.ApprovedVersionId == v.Id && !item.Retired);
}

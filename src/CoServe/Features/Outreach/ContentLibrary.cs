using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Outreach;

public sealed record ContentVersionView(
    long Id,
    long ItemId,
    ContentKind Kind,
    int Version,
    string Title,
    string Body,
    ProductRisk? RiskLevel,
    IReadOnlyList<string> Tags,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    string? Source,
    DateOnly? SourceDate,
    bool Urgent,
    ContentStatus Status,
    string Author,
    DateTimeOffset CreatedAt,
    string? Reviewer,
    DateTimeOffset? ReviewedAt,
    string? ReviewNote,
    bool IsCurrent,
    bool UsableToday);

public sealed record ContentFilter(ContentKind? Kind = null, ContentStatus? Status = null, string? Tag = null, string? Text = null, bool ApprovedAndValidOnly = false);

/// <summary>
/// The content library: research notes, market news, product launches, event invitations, risk alerts and
/// education, each versioned. Authors (digital team, branch heads, admins) write drafts; Compliance alone
/// approves or rejects them; campaigns use approved versions within their validity period.
/// </summary>
public sealed class ContentLibrary(CoServeDb db, StaffDirectory directory, TimeProvider clock)
{
    public static bool CanAuthor(CurrentStaff s) => s.Role is StaffRole.DigitalOps or StaffRole.BranchHead or StaffRole.Admin;

    public static bool CanReview(CurrentStaff s) => s.Role == StaffRole.Compliance;

    /// <summary>Every item's newest version (and, where it differs, its approved one), newest items first.</summary>
    public async Task<IReadOnlyList<ContentVersionView>> ListAsync(ContentFilter filter, CancellationToken ct)
    {
        var q = db.ContentVersions.AsNoTracking().Include(v => v.Item).AsQueryable();
        q = q.Where(v => v.Version == v.Item!.LatestVersion || v.Id == v.Item.ApprovedVersionId);
        if (filter.Kind is { } kind) q = q.Where(v => v.Item!.Kind == kind);
        if (filter.Status is { } status) q = q.Where(v => v.Status == status);
        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            var tag = filter.Tag.Trim().ToLowerInvariant();
            q = q.Where(v => ("," + v.Tags + ",").Contains("," + tag + ","));
        }
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            q = q.Where(v => v.Title.Contains(text) || v.Body.Contains(text));
        }
        var today = BusinessTime.Today(clock);
        if (filter.ApprovedAndValidOnly) q = q.Where(v => v.Status == ContentStatus.Approved && v.ValidFrom <= today && v.ValidUntil >= today);
        var rows = await q.OrderByDescending(v => v.ContentItemId).ThenByDescending(v => v.Version).Take(500).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return [.. rows.Select(v => View(v, names, today))];
    }

    public async Task<ContentVersionView?> GetAsync(long versionId, CancellationToken ct)
    {
        var v = await db.ContentVersions.AsNoTracking().Include(x => x.Item).SingleOrDefaultAsync(x => x.Id == versionId, ct);
        return v is null ? null : View(v, await directory.GetAsync(ct), BusinessTime.Today(clock));
    }

    public async Task<IReadOnlyList<ContentVersionView>> HistoryAsync(long itemId, CancellationToken ct)
    {
        var rows = await db.ContentVersions.AsNoTracking().Include(x => x.Item).Where(x => x.ContentItemId == itemId).OrderByDescending(x => x.Version).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        var today = BusinessTime.Today(clock);
        return [.. rows.Select(v => View(v, names, today))];
    }

    public async Task<ContentVersionView> CreateAsync(CurrentStaff staff, ContentKind kind, ContentDraft draft, CancellationToken ct)
    {
        if (!CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins write content");
        if (!Enum.IsDefined(kind)) throw new ArgumentException("unknown content kind", nameof(kind));
        var now = clock.GetUtcNow();
        var item = new ContentItem(kind, staff.Id, now) { LatestVersion = 1 };
        var version = new ContentVersion(item, 1, draft, staff.Id, now);
        db.ContentItems.Add(item);
        db.ContentVersions.Add(version);
        await db.SaveChangesAsync(ct);
        return (await GetAsync(version.Id, ct))!;
    }

    /// <summary>Edits a draft, or starts a new draft version from approved (or retired) content.</summary>
    public async Task<ContentVersionView> EditAsync(CurrentStaff staff, long versionId, ContentDraft draft, CancellationToken ct)
    {
        if (!CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins write content");
        var version = await db.ContentVersions.Include(v => v.Item).SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new ArgumentException("no such content version", nameof(versionId));
        var item = version.Item!;
        if (version.Status is (ContentStatus.Draft or ContentStatus.Rejected) && version.Version == item.LatestVersion)
        {
            version.Edit(draft);
            await db.SaveChangesAsync(ct);
            return (await GetAsync(version.Id, ct))!;
        }
        if (version.Version != item.LatestVersion) throw new InvalidOperationException("a newer version exists; edit that one");
        item.LatestVersion++;
        var next = new ContentVersion(item, item.LatestVersion, draft, staff.Id, clock.GetUtcNow());
        db.ContentVersions.Add(next);
        await db.SaveChangesAsync(ct);
        return (await GetAsync(next.Id, ct))!;
    }

    public async Task<ContentVersionView> ApproveAsync(CurrentStaff staff, long versionId, string? note, CancellationToken ct)
    {
        if (!CanReview(staff)) throw new UnauthorizedAccessException("only Compliance approves content");
        var version = await db.ContentVersions.Include(v => v.Item).SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new ArgumentException("no such content version", nameof(versionId));
        if (version.AuthorStaffId == staff.Id) throw new InvalidOperationException("nobody approves their own content");
        var item = version.Item!;
        if (item.ApprovedVersionId is { } previousId && previousId != version.Id)
        {
            var previous = await db.ContentVersions.SingleAsync(v => v.Id == previousId, ct);
            previous.Retire();
        }
        version.Approve(staff.Id, string.IsNullOrWhiteSpace(note) ? null : note.Trim()[..Math.Min(200, note.Trim().Length)], clock.GetUtcNow());
        item.ApprovedVersionId = version.Id;
        await db.SaveChangesAsync(ct);
        return (await GetAsync(version.Id, ct))!;
    }

    public async Task<ContentVersionView> RejectAsync(CurrentStaff staff, long versionId, string note, CancellationToken ct)
    {
        if (!CanReview(staff)) throw new UnauthorizedAccessException("only Compliance rejects content");
        if (string.IsNullOrWhiteSpace(note)) throw new ArgumentException("say why the content is rejected", nameof(note));
        var version = await db.ContentVersions.Include(v => v.Item).SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new ArgumentException("no such content version", nameof(versionId));
        version.Reject(staff.Id, note.Trim()[..Math.Min(200, note.Trim().Length)], clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return (await GetAsync(version.Id, ct))!;
    }

    /// <summary>Withdraws an item's approved version: campaigns not yet sent stop using it.</summary>
    public async Task RetireAsync(CurrentStaff staff, long itemId, CancellationToken ct)
    {
        if (!CanAuthor(staff) && !CanReview(staff)) throw new UnauthorizedAccessException("only authors and Compliance withdraw content");
        var item = await db.ContentItems.SingleOrDefaultAsync(i => i.Id == itemId, ct) ?? throw new ArgumentException("no such content", nameof(itemId));
        if (item.ApprovedVersionId is not { } id) return;
        var version = await db.ContentVersions.SingleAsync(v => v.Id == id, ct);
        version.Retire();
        item.ApprovedVersionId = null;
        await db.SaveChangesAsync(ct);
    }

    private static ContentVersionView View(ContentVersion v, StaffDirectory.Snapshot names, DateOnly today) => new(
        v.Id, v.ContentItemId, v.Item!.Kind, v.Version, v.Title, v.Body, v.RiskLevel, v.TagList, v.ValidFrom, v.ValidUntil, v.Source, v.SourceDate, v.Urgent,
        v.Status, names.StaffName(v.AuthorStaffId), v.CreatedAt, v.ReviewedBy is { } r ? names.StaffName(r) : null, v.ReviewedAt, v.ReviewNote,
        v.Item.ApprovedVersionId == v.Id, v.IsUsableOn(today));
}

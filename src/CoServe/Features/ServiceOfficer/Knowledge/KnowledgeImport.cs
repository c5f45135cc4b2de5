using CoServe.Data;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public sealed record KnowledgeImportResult(int Entries, int Created, int Changed, int Unchanged, int Approved);

public enum KnowledgeExportSelection
{
    /// <summary>The approved version of every entry in service: exactly what the engine answers from.</summary>
    Approved = 1,
    /// <summary>The newest version of every entry, whatever its status (for editing offline).</summary>
    Latest = 2,
}

/// <summary>
/// Import and export of the knowledge base (console, API, `coserve kb import|export`). An import is all or
/// nothing: the file is read and validated completely first, then written in one transaction. Entries are matched
/// by id, so importing the same file again changes nothing. Imports land as drafts; with approval (Compliance
/// only) they are approved at once.
/// </summary>
public sealed class KnowledgeImport(CoServeDb db, KnowledgeBase kb, TimeProvider clock, IOptions<KnowledgeBaseOptions> options, KnowledgeReloader reloader, GuardrailRulesInForce guardrails)
{
    /// <summary>The actor of the first-start import of the seed knowledge base.</summary>
    public const string SeedActor = "seed";

    public async Task<KnowledgeImportResult> ImportAsync(CurrentStaff staff, Stream file, KnowledgeFileFormat format, string name, bool approve, CancellationToken ct)
    {
        if (approve && !KnowledgeBase.CanReview(staff)) throw new UnauthorizedAccessException("only Compliance imports entries as approved");
        if (!approve && !KnowledgeBase.CanAuthor(staff)) throw new UnauthorizedAccessException("only the digital team and admins import knowledge entries as drafts");
        // The answers are checked against the guardrail rules Compliance approved, as the editor checks them.
        var entries = KnowledgeFiles.Read(file, format, name, options.Value.MinParaphrases, await guardrails.CurrentAsync(ct));
        return await ImportEntriesAsync(entries, staff.Login, approve, ct);
    }

    /// <summary>Imports the seed knowledge base as Approved when the store has no entry at all; false when it had some.</summary>
    internal async Task<bool> ImportSeedIfEmptyAsync(IReadOnlyList<KnowledgeEntry> seed, CancellationToken ct)
    {
        if (await db.KnowledgeItems.AnyAsync(ct)) return false;
        var entries = seed.Select((e, i) => new ImportedEntry(e.Id, new KnowledgeDraft(e.Category, e.Question, e.Paraphrases, e.Answer, e.ProductRiskLevel, e.Tags, e.EffectiveFrom, e.EffectiveTo), i + 1)).ToList();
        var problems = entries.SelectMany(e => e.Draft.Problems(0).Select(p => $"{e.EntryId} {p}")).ToList();
        if (problems.Count > 0) throw new SeedFormatException("the seed knowledge base does not pass validation: " + string.Join("; ", problems.Take(20)));
        await ImportEntriesAsync(entries, SeedActor, approve: true, ct);
        return true;
    }

    private async Task<KnowledgeImportResult> ImportEntriesAsync(IReadOnlyList<ImportedEntry> entries, string actor, bool approve, CancellationToken ct)
    {
        var ids = entries.Select(e => e.EntryId).ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var existing = await db.KnowledgeItems.Where(i => ids.Contains(i.EntryId)).ToDictionaryAsync(i => i.EntryId, ct);
        int created = 0, changed = 0, unchanged = 0, approved = 0;
        var now = clock.GetUtcNow();
        foreach (var e in entries)
        {
            KnowledgeVersion version;
            if (!existing.TryGetValue(e.EntryId, out var item))
            {
                item = new KnowledgeItem(e.EntryId, actor, now) { LatestVersion = 1, Revision = 1 };
                db.KnowledgeItems.Add(item);
                version = new KnowledgeVersion(item, 1, e.Draft, actor, now);
                db.KnowledgeVersions.Add(version);
                await db.SaveChangesAsync(ct);
                db.KnowledgeChanges.Add(new KnowledgeChange(item.Id, 1, KnowledgeAction.Imported, actor, now,
                    "imported: " + KnowledgeDiff.Describe(KnowledgeDiff.Compare(null, e.Draft)), affectsEngine: false));
                created++;
            }
            else
            {
                var (v, didChange) = await kb.SaveDraftCoreAsync(item, e.Draft, actor, KnowledgeAction.Imported, ct);
                version = v;
                if (didChange) changed++;
                else if (!(approve && version.IsEditable)) unchanged++;
            }
            if (approve && version.IsEditable)
            {
                await kb.ApproveCoreAsync(item, version, actor, "approved on import", KnowledgeAction.Approved, ct);
                approved++;
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (approved > 0) reloader.Signal();
        return new KnowledgeImportResult(entries.Count, created, changed, unchanged, approved);
    }

    public async Task ExportAsync(Stream output, KnowledgeFileFormat format, KnowledgeExportSelection which, CancellationToken ct)
    {
        var entries = which == KnowledgeExportSelection.Approved ? await ApprovedEntriesAsync(db, ct) : await LatestEntriesAsync(ct);
        await KnowledgeFiles.WriteAsync(output, format, entries, ct);
    }

    /// <summary>The approved version of every entry in service, ordered by id: what the engine answers from (before effective periods).</summary>
    internal static async Task<List<KnowledgeEntry>> ApprovedEntriesAsync(CoServeDb db, CancellationToken ct)
    {
        var rows = await (from i in db.KnowledgeItems.AsNoTracking()
                          join v in db.KnowledgeVersions.AsNoTracking() on i.ApprovedVersionId equals v.Id
                          where !i.Retired && v.Status == KnowledgeStatus.Approved
                          select new { i.EntryId, v }).ToListAsync(ct);
        return [.. rows.OrderBy(r => r.EntryId, StringComparer.Ordinal).Select(r => r.v.ToEntry(r.EntryId))];
    }

    private async Task<List<KnowledgeEntry>> LatestEntriesAsync(CancellationToken ct)
    {
        var rows = await (from i in db.KnowledgeItems.AsNoTracking()
                          join v in db.KnowledgeVersions.AsNoTracking() on i.Id equals v.ItemId
                          where v.Version == i.LatestVersion
                          select new { i.EntryId, v }).ToListAsync(ct);
        return [.. rows.OrderBy(r => r.EntryId, StringComparer.Ordinal).Select(r => r.v.ToEntry(r.EntryId))];
    }
}

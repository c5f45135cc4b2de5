using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>Where a version of a knowledge entry stands in the Draft -> (Submitted) -> Approved / Rejected workflow.</summary>
public enum KnowledgeStatus
{
    Draft = 1,
    /// <summary>Sent to Compliance for review; editing it takes it back to Draft.</summary>
    Submitted = 2,
    /// <summary>Approved by Compliance; immutable. The entry's current approved version feeds the engine.</summary>
    Approved = 3,
    Rejected = 4,
    /// <summary>Was approved, replaced by a newer approved version.</summary>
    Superseded = 5,
}

/// <summary>What happened to an entry; every change leaves one <see cref="KnowledgeChange"/>.</summary>
public enum KnowledgeAction
{
    Created = 1,
    Edited = 2,
    Submitted = 3,
    Approved = 4,
    Rejected = 5,
    Retired = 6,
    Imported = 7,
}

/// <summary>
/// A knowledge-base entry ("KB-0001"): its wording and answer live in versions. Retiring an entry takes it out of
/// the engine; approving a new version of a retired entry brings it back.
/// </summary>
public sealed class KnowledgeItem
{
    private KnowledgeItem()
    {
    }

    public KnowledgeItem(string entryId, string createdBy, DateTimeOffset now)
    {
        EntryId = entryId;
        CreatedBy = createdBy;
        CreatedAt = now;
    }

    public long Id { get; private set; }

    /// <summary>The stable id the engine, exports and imports use ("KB-0001").</summary>
    public string EntryId { get; private set; } = "";
    public string CreatedBy { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public int LatestVersion { get; set; }
    public long? ApprovedVersionId { get; set; }
    public bool Retired { get; set; }

    /// <summary>Bumped by every change: two people saving the same entry at once, the second is told to reload.</summary>
    public int Revision { get; set; }
}

/// <summary>One version of an entry. Editable while Draft or Submitted; approved, rejected and superseded versions never change.</summary>
public sealed class KnowledgeVersion
{
    private KnowledgeVersion()
    {
    }

    public KnowledgeVersion(KnowledgeItem item, int version, KnowledgeDraft draft, string author, DateTimeOffset now)
    {
        Item = item;
        Version = version;
        Author = author;
        CreatedAt = now;
        UpdatedAt = now;
        Status = KnowledgeStatus.Draft;
        Apply(draft);
    }

    public long Id { get; private set; }
    public long ItemId { get; private set; }
    public KnowledgeItem? Item { get; private set; }
    public int Version { get; private set; }
    public KnowledgeStatus Status { get; private set; }
    public string Category { get; private set; } = "";
    public string Question { get; private set; } = "";

    /// <summary>One paraphrase per line (validation forbids line breaks inside one).</summary>
    public string Paraphrases { get; private set; } = "";
    public string Answer { get; private set; } = "";
    public ProductRiskLevel? ProductRiskLevel { get; private set; }

    /// <summary>Comma-separated.</summary>
    public string Tags { get; private set; } = "";
    public DateOnly? EffectiveFrom { get; private set; }
    public DateOnly? EffectiveTo { get; private set; }
    public string Author { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string? ReviewedBy { get; private set; }
    public DateTimeOffset? ReviewedAt { get; private set; }
    public string? ReviewNote { get; private set; }

    public bool IsEditable => Status is KnowledgeStatus.Draft or KnowledgeStatus.Submitted;

    public KnowledgeDraft ToDraft() => new(Category, Question,
        Paraphrases.Length == 0 ? [] : Paraphrases.Split('\n'),
        Answer, ProductRiskLevel,
        Tags.Length == 0 ? [] : Tags.Split(','),
        EffectiveFrom, EffectiveTo);

    public KnowledgeEntry ToEntry(string entryId)
    {
        var d = ToDraft();
        return new KnowledgeEntry(entryId, d.Category, d.Question, d.Paraphrases, d.Answer, d.ProductRiskLevel, d.Tags, d.EffectiveFrom, d.EffectiveTo);
    }

    public void Edit(KnowledgeDraft draft, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"version {Version} is {Status} and cannot change; edit to start a new version");
        Apply(draft);
        Status = KnowledgeStatus.Draft;
        UpdatedAt = now;
    }

    public void Submit(DateTimeOffset now)
    {
        if (Status != KnowledgeStatus.Draft) throw new InvalidOperationException($"only a draft can be submitted (version {Version} is {Status})");
        Status = KnowledgeStatus.Submitted;
        UpdatedAt = now;
    }

    public void Approve(string reviewer, string? note, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft or submitted version can be approved (version {Version} is {Status})");
        Status = KnowledgeStatus.Approved;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = note;
    }

    public void Reject(string reviewer, string reason, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft or submitted version can be rejected (version {Version} is {Status})");
        Status = KnowledgeStatus.Rejected;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = reason;
    }

    public void Supersede()
    {
        if (Status != KnowledgeStatus.Approved) throw new InvalidOperationException("only an approved version is superseded");
        Status = KnowledgeStatus.Superseded;
    }

    private void Apply(KnowledgeDraft d)
    {
        var n = d.Normalized();
        Category = n.Category;
        Question = n.Question;
        Paraphrases = string.Join('\n', n.Paraphrases);
        Answer = n.Answer;
        ProductRiskLevel = n.ProductRiskLevel;
        Tags = string.Join(',', n.Tags);
        EffectiveFrom = n.EffectiveFrom;
        EffectiveTo = n.EffectiveTo;
    }
}

/// <summary>The audit trail of the knowledge base: who did what to which entry and version, and what changed.</summary>
public sealed class KnowledgeChange
{
    private KnowledgeChange()
    {
    }

    public KnowledgeChange(long itemId, int version, KnowledgeAction action, string actor, DateTimeOffset at, string detail, bool affectsEngine)
    {
        ItemId = itemId;
        Version = version;
        Action = action;
        Actor = actor;
        At = at;
        Detail = detail.Length > MaxDetail ? detail[..(MaxDetail - 1)] + "…" : detail;
        AffectsEngine = affectsEngine;
    }

    public const int MaxDetail = 4000;

    public long Id { get; private set; }
    public long ItemId { get; private set; }
    public int Version { get; private set; }
    public KnowledgeAction Action { get; private set; }
    public string Actor { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public string Detail { get; private set; } = "";

    /// <summary>Approvals, retirements: what the engine answers from changed, so running engines reload.</summary>
    public bool AffectsEngine { get; private set; }
}

internal sealed class KnowledgeItemConfiguration : IEntityTypeConfiguration<KnowledgeItem>
{
    public void Configure(EntityTypeBuilder<KnowledgeItem> b)
    {
        b.ToTable("KnowledgeItems");
        b.Property(x => x.EntryId).HasMaxLength(16);
        b.Property(x => x.CreatedBy).HasMaxLength(64);
        b.Property(x => x.Revision).IsConcurrencyToken();
        b.HasIndex(x => x.EntryId).IsUnique();
    }
}

internal sealed class KnowledgeVersionConfiguration : IEntityTypeConfiguration<KnowledgeVersion>
{
    public void Configure(EntityTypeBuilder<KnowledgeVersion> b)
    {
        b.ToTable("KnowledgeVersions");
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Category).HasMaxLength(KnowledgeDraft.MaxCategory);
        b.Property(x => x.Question).HasMaxLength(KnowledgeDraft.MaxText);
        b.Property(x => x.Paraphrases).HasMaxLength(KnowledgeDraft.MaxParaphrases * (KnowledgeDraft.MaxText + 1));
        b.Property(x => x.Answer).HasMaxLength(KnowledgeDraft.MaxAnswer);
        b.Property(x => x.ProductRiskLevel).HasConversion<string>().HasMaxLength(4);
        b.Property(x => x.Tags).HasMaxLength(KnowledgeDraft.MaxTags * (KnowledgeDraft.MaxTag + 1));
        b.Property(x => x.Author).HasMaxLength(64);
        b.Property(x => x.ReviewedBy).HasMaxLength(64);
        b.Property(x => x.ReviewNote).HasMaxLength(KnowledgeDraft.MaxNote);
        b.Ignore(x => x.IsEditable);
        b.HasIndex(x => new { x.ItemId, x.Version }).IsUnique();
        b.HasIndex(x => x.Status);
        b.HasOne(x => x.Item).WithMany().HasForeignKey(x => x.ItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class KnowledgeChangeConfiguration : IEntityTypeConfiguration<KnowledgeChange>
{
    public void Configure(EntityTypeBuilder<KnowledgeChange> b)
    {
        b.ToTable("KnowledgeChanges");
        b.Property(x => x.Action).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Actor).HasMaxLength(64);
        b.Property(x => x.Detail).HasMaxLength(KnowledgeChange.MaxDetail);
        b.HasIndex(x => new { x.ItemId, x.Id });
        b.HasIndex(x => new { x.AffectsEngine, x.Id });
        b.HasOne<KnowledgeItem>().WithMany().HasForeignKey(x => x.ItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

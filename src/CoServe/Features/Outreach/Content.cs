using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Outreach;

public enum ContentKind
{
    /// <summary>研报: must name its source and date.</summary>
    ResearchNote = 1,
    /// <summary>市场资讯: must name its source and date.</summary>
    MarketNews = 2,
    /// <summary>产品发行: product content, needs a risk level.</summary>
    ProductLaunch = 3,
    /// <summary>活动邀请</summary>
    EventInvitation = 4,
    /// <summary>风险提示: a service notice; may be urgent (sent in quiet hours, never capped).</summary>
    RiskAlert = 5,
    /// <summary>投资者教育</summary>
    Education = 6,
}

public enum ContentStatus
{
    Draft = 1,
    /// <summary>Approved by Compliance: usable in campaigns within its validity period.</summary>
    Approved = 2,
    Rejected = 3,
    /// <summary>Replaced by a newer approved version, or withdrawn.</summary>
    Retired = 4,
}

/// <summary>One piece of content in the library; its text lives in versions, each approved on its own.</summary>
public sealed class ContentItem
{
    private ContentItem()
    {
    }

    public ContentItem(ContentKind kind, int createdBy, DateTimeOffset now)
    {
        Kind = kind;
        CreatedBy = createdBy;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public ContentKind Kind { get; private set; }
    public int CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The version campaigns pick by default: the latest approved one.</summary>
    public long? ApprovedVersionId { get; set; }
    public int LatestVersion { get; set; }

    public static OutboundPurpose PurposeOf(ContentKind kind) => kind switch
    {
        ContentKind.ResearchNote or ContentKind.MarketNews or ContentKind.Education => OutboundPurpose.Research,
        ContentKind.ProductLaunch or ContentKind.EventInvitation => OutboundPurpose.Marketing,
        ContentKind.RiskAlert => OutboundPurpose.ServiceNotice,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Investment-advice rules: content based on research names its source and date.</summary>
    public static bool NeedsSource(ContentKind kind) => kind is ContentKind.ResearchNote or ContentKind.MarketNews;
}

/// <summary>
/// One version of a content item. Versions are immutable once approved; editing approved content makes a new
/// draft. Only Compliance approves, and never its own text.
/// </summary>
public sealed class ContentVersion
{
    private ContentVersion()
    {
    }

    public ContentVersion(ContentItem item, int version, ContentDraft draft, int authorStaffId, DateTimeOffset now)
    {
        ContentItemId = item.Id;
        Item = item;
        Version = version;
        AuthorStaffId = authorStaffId;
        CreatedAt = now;
        Status = ContentStatus.Draft;
        Apply(draft);
    }

    public long Id { get; private set; }
    public long ContentItemId { get; private set; }
    public ContentItem? Item { get; private set; }
    public int Version { get; private set; }
    public string Title { get; private set; } = "";
    public string Body { get; private set; } = "";
    public ProductRisk? RiskLevel { get; private set; }

    /// <summary>Comma-separated, lower case, for filtering the library.</summary>
    public string Tags { get; private set; } = "";
    public DateOnly ValidFrom { get; private set; }
    public DateOnly ValidUntil { get; private set; }
    public string? Source { get; private set; }
    public DateOnly? SourceDate { get; private set; }
    public bool Urgent { get; private set; }
    public ContentStatus Status { get; private set; }
    public int AuthorStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public int? ReviewedBy { get; private set; }
    public DateTimeOffset? ReviewedAt { get; private set; }
    public string? ReviewNote { get; private set; }

    public void Edit(ContentDraft draft)
    {
        if (Status is not (ContentStatus.Draft or ContentStatus.Rejected)) throw new InvalidOperationException("only drafts can be edited; approved content gets a new version");
        Apply(draft);
        Status = ContentStatus.Draft;
        ReviewNote = null;
    }

    public void Approve(int complianceStaffId, string? note, DateTimeOffset now)
    {
        if (Status != ContentStatus.Draft) throw new InvalidOperationException("only a draft can be approved");
        Status = ContentStatus.Approved;
        ReviewedBy = complianceStaffId;
        ReviewedAt = now;
        ReviewNote = note;
    }

    public void Reject(int complianceStaffId, string note, DateTimeOffset now)
    {
        if (Status != ContentStatus.Draft) throw new InvalidOperationException("only a draft can be rejected");
        Status = ContentStatus.Rejected;
        ReviewedBy = complianceStaffId;
        ReviewedAt = now;
        ReviewNote = note;
    }

    public void Retire() => Status = ContentStatus.Retired;

    public bool IsUsableOn(DateOnly day) => Status == ContentStatus.Approved && day >= ValidFrom && day <= ValidUntil;

    public IReadOnlyList<string> TagList => Tags.Length == 0 ? [] : Tags.Split(',');

    /// <summary>The text a client receives: title, body, the research source, and the risk warning for product content.</summary>
    public string MessageText()
    {
        var sb = new StringBuilder();
        sb.Append('【').Append(Title).Append('】').Append('\n').Append(Body.Trim());
        if (Source is not null && SourceDate is { } d)
        {
            sb.Append('\n').Append(CultureInfo.InvariantCulture, $"来源：{Source}，{d:yyyy-MM-dd}");
        }
        if (RiskLevel is { } r)
        {
            sb.Append('\n').Append(CultureInfo.InvariantCulture, $"风险提示：本产品风险等级为 {r}，投资有风险，入市需谨慎。");
        }
        return sb.ToString();
    }

    private void Apply(ContentDraft d)
    {
        var kind = Item?.Kind ?? throw new InvalidOperationException("version without its item");
        var problems = d.Problems(kind);
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(d));
        Title = d.Title.Trim();
        Body = d.Body.Trim();
        RiskLevel = d.RiskLevel;
        Tags = string.Join(',', d.Tags.Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal));
        ValidFrom = d.ValidFrom;
        ValidUntil = d.ValidUntil;
        Source = string.IsNullOrWhiteSpace(d.Source) ? null : d.Source.Trim();
        SourceDate = d.SourceDate;
        Urgent = d.Urgent;
    }
}

/// <summary>What an author fills in; validated against the kind's rules.</summary>
public sealed record ContentDraft(
    string Title,
    string Body,
    ProductRisk? RiskLevel,
    IReadOnlyList<string> Tags,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    string? Source,
    DateOnly? SourceDate,
    bool Urgent)
{
    public const int MaxTitle = 100;
    public const int MaxBody = 1500;

    public IReadOnlyList<string> Problems(ContentKind kind)
    {
        var p = new List<string>();
        if (string.IsNullOrWhiteSpace(Title) || Title.Trim().Length > MaxTitle) p.Add($"title: 1-{MaxTitle} characters");
        if (string.IsNullOrWhiteSpace(Body) || Body.Trim().Length > MaxBody) p.Add($"body: 1-{MaxBody} characters");
        if (ValidUntil < ValidFrom) p.Add("validity: the end is before the start");
        if (Tags.Count > 10 || Tags.Any(t => t.Trim().Length > 20)) p.Add("tags: at most 10, each up to 20 characters");
        if (ContentItem.NeedsSource(kind) && (string.IsNullOrWhiteSpace(Source) || SourceDate is null)) p.Add("research and market news must name their source and date");
        if (Source?.Trim().Length > 100) p.Add("source: up to 100 characters");
        if (kind == ContentKind.ProductLaunch && RiskLevel is null) p.Add("a product launch needs the product's risk level (R1-R5)");
        if (RiskLevel is { } r && !Enum.IsDefined(r)) p.Add("risk level must be R1-R5");
        if (Urgent && kind != ContentKind.RiskAlert) p.Add("only risk alerts can be urgent");
        return p;
    }
}

internal sealed class ContentItemConfiguration : IEntityTypeConfiguration<ContentItem>
{
    public void Configure(EntityTypeBuilder<ContentItem> b)
    {
        b.ToTable("ContentItems");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.CreatedBy).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ContentVersionConfiguration : IEntityTypeConfiguration<ContentVersion>
{
    public void Configure(EntityTypeBuilder<ContentVersion> b)
    {
        b.ToTable("ContentVersions");
        b.Property(x => x.Title).HasMaxLength(ContentDraft.MaxTitle);
        b.Property(x => x.Body).HasMaxLength(ContentDraft.MaxBody);
        b.Property(x => x.RiskLevel).HasConversion<string>().HasMaxLength(4);
        b.Property(x => x.Tags).HasMaxLength(240);
        b.Property(x => x.Source).HasMaxLength(100);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.ReviewNote).HasMaxLength(200);
        b.Ignore(x => x.TagList);
        b.HasIndex(x => new { x.ContentItemId, x.Version }).IsUnique();
        b.HasIndex(x => x.Status);
        b.HasOne(x => x.Item).WithMany().HasForeignKey(x => x.ContentItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

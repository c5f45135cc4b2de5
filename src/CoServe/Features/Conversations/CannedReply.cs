using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Conversations;

/// <summary>
/// A team's ready-made reply with variables filled per client when used: {客户称呼}, {营业部名称}, {营业部电话},
/// {我的名字}. Canned text is written by staff, not generated, so it needs no guardrail review of its own; the
/// outbound gate still checks every send.
/// </summary>
public sealed class CannedReply
{
    private CannedReply()
    {
    }

    public CannedReply(string title, string text, int createdByStaffId, DateTimeOffset at)
    {
        Update(title, text, createdByStaffId, at);
    }

    public int Id { get; private set; }
    public string Title { get; private set; } = "";
    public string Text { get; private set; } = "";
    public int UpdatedByStaffId { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public void Update(string title, string text, int staffId, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Length > 60) throw new ArgumentException("a title needs 1..60 characters", nameof(title));
        if (string.IsNullOrWhiteSpace(text) || text.Length > 1000) throw new ArgumentException("a reply needs 1..1000 characters", nameof(text));
        Title = title.Trim();
        Text = text.Trim();
        UpdatedByStaffId = staffId;
        UpdatedAt = at;
    }

    public static string Fill(string text, string? salutation, string? branch, string? hotline, string me) =>
        text.Replace("{客户称呼}", salutation ?? "您", StringComparison.Ordinal)
            .Replace("{营业部名称}", branch ?? "营业部", StringComparison.Ordinal)
            .Replace("{营业部电话}", hotline ?? "营业部电话", StringComparison.Ordinal)
            .Replace("{我的名字}", me, StringComparison.Ordinal);
}

internal sealed class CannedReplyConfiguration : IEntityTypeConfiguration<CannedReply>
{
    public void Configure(EntityTypeBuilder<CannedReply> b)
    {
        b.ToTable("CannedReplies");
        b.Property(x => x.Title).HasMaxLength(60);
        b.Property(x => x.Text).HasMaxLength(1000);
        b.HasIndex(x => x.Title).IsUnique();
    }
}

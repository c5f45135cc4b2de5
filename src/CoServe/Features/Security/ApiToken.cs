using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Security;

/// <summary>A bearer token for API callers, bound to one staff account. Only its SHA-256 hash is stored.</summary>
public sealed class ApiToken
{
    private ApiToken()
    {
    }

    public ApiToken(int staffId, string hash, string prefix, DateTimeOffset createdAt, DateTimeOffset? expiresAt, string? label)
    {
        StaffId = staffId;
        Hash = hash;
        Prefix = prefix;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        Label = label;
    }

    public long Id { get; private set; }
    public int StaffId { get; private set; }
    public string Hash { get; private set; } = "";
    /// <summary>First characters of the token, so people can tell tokens apart.</summary>
    public string Prefix { get; private set; } = "";
    public string? Label { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.ToTable("ApiTokens");
        b.Property(x => x.Hash).HasMaxLength(64);
        b.Property(x => x.Prefix).HasMaxLength(16);
        b.Property(x => x.Label).HasMaxLength(100);
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Cascade);
    }
}

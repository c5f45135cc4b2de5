using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Channels.WebChat;

/// <summary>A one-time sign-in code for the demo web chat; only its hash is stored.</summary>
public sealed class ChatLoginCode
{
    private ChatLoginCode()
    {
    }

    public ChatLoginCode(long clientId, string codeHash, int issuedByStaffId, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        ClientId = clientId;
        CodeHash = codeHash;
        IssuedByStaffId = issuedByStaffId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public string CodeHash { get; private set; } = "";
    public int IssuedByStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
    public int FailedAttempts { get; private set; }

    public bool IsUsable(DateTimeOffset now) => UsedAt is null && now < ExpiresAt && FailedAttempts < 5;

    public void Use(DateTimeOffset now) => UsedAt = now;

    public void Fail() => FailedAttempts++;
}

internal sealed class ChatLoginCodeConfiguration : IEntityTypeConfiguration<ChatLoginCode>
{
    public void Configure(EntityTypeBuilder<ChatLoginCode> b)
    {
        b.ToTable("ChatLoginCodes");
        b.Property(x => x.CodeHash).HasMaxLength(64);
        b.HasIndex(x => new { x.ClientId, x.ExpiresAt });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

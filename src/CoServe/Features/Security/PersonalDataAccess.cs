using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Security;

/// <summary>Audit row for every unmasked read of a personal field: who, when, which client, which field, why.</summary>
public sealed class PersonalDataAccess
{
    private PersonalDataAccess()
    {
    }

    public PersonalDataAccess(int staffId, long clientId, ProtectedField field, string purpose, string channel, DateTimeOffset at)
    {
        StaffId = staffId;
        ClientId = clientId;
        Field = field;
        Purpose = purpose;
        Channel = channel;
        At = at;
    }

    public long Id { get; private set; }
    public int StaffId { get; private set; }
    public long ClientId { get; private set; }
    public ProtectedField Field { get; private set; }
    public string Purpose { get; private set; } = "";
    /// <summary>console or api.</summary>
    public string Channel { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
}

internal sealed class PersonalDataAccessConfiguration : IEntityTypeConfiguration<PersonalDataAccess>
{
    public void Configure(EntityTypeBuilder<PersonalDataAccess> b)
    {
        b.ToTable("PersonalDataAccesses");
        b.Property(x => x.Field).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Purpose).HasMaxLength(200);
        b.Property(x => x.Channel).HasMaxLength(16);
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.ClientId, x.At });
        b.HasIndex(x => new { x.StaffId, x.At });
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }
}

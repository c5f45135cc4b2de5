using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Security;

/// <summary>Why a staff member unmasked a field: the category the client is shown in his privacy page.</summary>
public enum AccessPurpose
{
    /// <summary>客户服务: answering the client, confirming who he is.</summary>
    ClientService = 1,
    /// <summary>业务办理: an account or trading service he asked for.</summary>
    AccountService = 2,
    /// <summary>投诉处理.</summary>
    Complaint = 3,
    /// <summary>客户回访: a callback or a suitability follow-up.</summary>
    Callback = 4,
    /// <summary>反洗钱: never shown to the client (no tipping-off).</summary>
    Aml = 5,
    /// <summary>合规检查.</summary>
    ComplianceCheck = 6,
    Other = 7,
}

/// <summary>Audit row for every unmasked read of a personal field: who, when, which client, which field, why.</summary>
public sealed class PersonalDataAccess
{
    private PersonalDataAccess()
    {
    }

    public PersonalDataAccess(CurrentStaff reader, long clientId, ProtectedField field, AccessPurpose kind, string purpose, string channel, DateTimeOffset at)
        : this(reader.Id, clientId, field, purpose, channel, at)
    {
        Kind = kind;
        ReaderRole = reader.Role;
        ReaderBranchId = reader.BranchId;
    }

    private PersonalDataAccess(int staffId, long clientId, ProtectedField field, string purpose, string channel, DateTimeOffset at)
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
    /// <summary>The reader's role when he read (null on rows written before it was kept): what the client is shown, and whether at all.</summary>
    public StaffRole? ReaderRole { get; private set; }
    /// <summary>The reader's branch when he read.</summary>
    public int? ReaderBranchId { get; private set; }
    /// <summary>The stated purpose's category (null on rows written before categories existed).</summary>
    public AccessPurpose? Kind { get; private set; }
    /// <summary>The purpose in the staff member's words: for audits, never shown to the client.</summary>
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
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ReaderRole).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Channel).HasMaxLength(16);
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.ClientId, x.At });
        b.HasIndex(x => new { x.StaffId, x.At });
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }
}

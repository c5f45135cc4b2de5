using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Clients;

/// <summary>
/// A retail client. Name, mobile and ID number are stored only encrypted, with blind indexes for exact search.
/// A client seen first in an asset feed is a placeholder (<see cref="IsIncomplete"/>) until the client book fills it in.
/// </summary>
public sealed class Client
{
    private readonly List<ClientServicer> _servicers = [];
    private readonly List<ClientConsent> _consents = [];
    private readonly List<Handoffs.Ticket> _tickets = [];

    private Client()
    {
    }

    public Client(string clientNo, DateTimeOffset now)
    {
        ClientNo = ClientNumber.Normalise(clientNo);
        CreatedAt = now;
        UpdatedAt = now;
        IsIncomplete = true;
    }

    public long Id { get; private set; }
    public string ClientNo { get; private set; } = "";

    public byte[]? NameCipher { get; private set; }
    public byte[]? NameIndex { get; private set; }
    public byte[]? MobileCipher { get; private set; }
    public byte[]? MobileIndex { get; private set; }
    public byte[]? IdNumberCipher { get; private set; }
    public byte[]? IdNumberIndex { get; private set; }

    public int? BranchId { get; set; }
    public int? DevelopingManagerId { get; set; }
    public DateOnly? OpenedOn { get; set; }
    public string? WeComExternalUserId { get; set; }
    public SuitabilityLevel? SuitabilityLevel { get; set; }
    public DateOnly? SuitabilityAssessedOn { get; set; }
    public bool IsProfessionalInvestor { get; set; }
    public AmlRiskLevel? AmlRiskLevel { get; set; }

    /// <summary>Created from an asset feed row for an unknown client number; profile still missing.</summary>
    public bool IsIncomplete { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Optimistic concurrency token, bumped on every change.</summary>
    public int Version { get; private set; }

    public IReadOnlyList<ClientServicer> Servicers => _servicers;
    public IReadOnlyList<ClientConsent> Consents => _consents;

    /// <summary>The client's handoff tickets: for scope queries (<see cref="ClientScope"/>), never loaded with the client.</summary>
    public IReadOnlyList<Handoffs.Ticket> Tickets => _tickets;

    public void SetName(FieldProtector protector, string name)
    {
        NameCipher = protector.Encrypt(ProtectedField.Name, name.Trim());
        NameIndex = protector.BlindIndex(ProtectedField.Name, name);
    }

    public void SetMobile(FieldProtector protector, string mobile)
    {
        var normalised = PersonalDataFormat.Normalise(ProtectedField.Mobile, mobile);
        MobileCipher = protector.Encrypt(ProtectedField.Mobile, normalised);
        MobileIndex = protector.BlindIndex(ProtectedField.Mobile, normalised);
    }

    public void SetIdNumber(FieldProtector protector, string idNumber)
    {
        var normalised = PersonalDataFormat.Normalise(ProtectedField.IdNumber, idNumber);
        IdNumberCipher = protector.Encrypt(ProtectedField.IdNumber, normalised);
        IdNumberIndex = protector.BlindIndex(ProtectedField.IdNumber, normalised);
    }

    public byte[]? Cipher(ProtectedField field) => field switch
    {
        ProtectedField.Name => NameCipher,
        ProtectedField.Mobile => MobileCipher,
        ProtectedField.IdNumber => IdNumberCipher,
        _ => null,
    };

    public void MarkComplete() => IsIncomplete = false;

    public void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    public ClientServicer? PrimaryServicer => _servicers.FirstOrDefault(s => s.IsPrimary);

    /// <summary>Makes a client manager (or the service officer pool when staffId is null) the primary servicer.</summary>
    public void AssignPrimary(int? staffId, DutyScope duties, DateTimeOffset now)
    {
        var current = PrimaryServicer;
        if (current is not null)
        {
            _servicers.Remove(current);
        }
        var existing = _servicers.FirstOrDefault(s => s.StaffId == staffId);
        if (existing is not null) _servicers.Remove(existing);
        _servicers.Add(new ClientServicer(this, staffId, isPrimary: true, duties, now));
        Touch(now);
    }

    /// <summary>Adds or updates a co-servicer with the given duties; a co-servicer with no duties is removed.</summary>
    public void SetCoServicer(int? staffId, DutyScope duties, DateTimeOffset now)
    {
        if (PrimaryServicer is { } p && p.StaffId == staffId)
        {
            throw new InvalidOperationException("the primary servicer cannot also be a co-servicer");
        }
        var existing = _servicers.FirstOrDefault(s => !s.IsPrimary && s.StaffId == staffId);
        if (existing is not null) _servicers.Remove(existing);
        if (duties != DutyScope.None) _servicers.Add(new ClientServicer(this, staffId, isPrimary: false, duties, now));
        Touch(now);
    }

    public void SetConsent(ConsentPurpose purpose, bool granted, string source, DateTimeOffset now)
    {
        var existing = _consents.FirstOrDefault(c => c.Purpose == purpose);
        if (existing is null)
        {
            _consents.Add(new ClientConsent(this, purpose, granted, source, now));
        }
        else if (existing.Granted != granted)
        {
            existing.Change(granted, source, now);
        }
    }

    public bool HasConsent(ConsentPurpose purpose) => _consents.Any(c => c.Purpose == purpose && c.Granted);
}

internal sealed class ClientConfiguration : IEntityTypeConfiguration<Client>
{
    public void Configure(EntityTypeBuilder<Client> b)
    {
        b.ToTable("Clients");
        b.Property(x => x.ClientNo).HasMaxLength(ClientNumber.MaxLength);
        b.HasIndex(x => x.ClientNo).IsUnique();
        b.HasIndex(x => x.NameIndex);
        b.HasIndex(x => x.MobileIndex);
        b.HasIndex(x => x.IdNumberIndex);
        b.HasIndex(x => x.BranchId);
        b.HasIndex(x => x.WeComExternalUserId);
        b.Property(x => x.NameIndex).HasMaxLength(16);
        b.Property(x => x.MobileIndex).HasMaxLength(16);
        b.Property(x => x.IdNumberIndex).HasMaxLength(16);
        b.Property(x => x.WeComExternalUserId).HasMaxLength(64);
        b.Property(x => x.SuitabilityLevel).HasConversion<string>().HasMaxLength(4);
        b.Property(x => x.AmlRiskLevel).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<Organization.Branch>().WithMany().HasForeignKey(x => x.BranchId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.DevelopingManagerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Servicers).WithOne().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.Consents).WithOne().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Servicers).HasField("_servicers");
        b.Navigation(x => x.Consents).HasField("_consents");
        b.Ignore(x => x.PrimaryServicer);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Clients;

/// <summary>The current state of one consent purpose; changes are recorded with source and instant.</summary>
public sealed class ClientConsent
{
    /// <summary>Source of a change the client made himself in CoServe ("client:privacy").</summary>
    public const string ClientSourcePrefix = "client:";

    private ClientConsent()
    {
    }

    internal ClientConsent(Client client, ConsentPurpose purpose, bool granted, string source, DateTimeOffset at)
    {
        ClientId = client.Id;
        Purpose = purpose;
        Granted = granted;
        Source = source;
        ChangedAt = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public ConsentPurpose Purpose { get; private set; }
    public bool Granted { get; private set; }
    public string Source { get; private set; } = "";
    public DateTimeOffset ChangedAt { get; private set; }

    /// <summary>
    /// The client chose this himself in CoServe. A client-book feed carries no time per consent, so it cannot be newer:
    /// the import leaves such a consent as the client set it.
    /// </summary>
    public bool IsClientsOwnChoice => Source.StartsWith(ClientSourcePrefix, StringComparison.Ordinal);

    internal void Change(bool granted, string source, DateTimeOffset at)
    {
        Granted = granted;
        Source = source;
        ChangedAt = at;
    }
}

internal sealed class ClientConsentConfiguration : IEntityTypeConfiguration<ClientConsent>
{
    public void Configure(EntityTypeBuilder<ClientConsent> b)
    {
        b.ToTable("ClientConsents");
        b.Property(x => x.Purpose).HasConversion<string>().HasMaxLength(32);
        b.Property(x => x.Source).HasMaxLength(64);
        b.HasIndex(x => new { x.ClientId, x.Purpose }).IsUnique();
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Clients;

/// <summary>
/// Who serves a client and for which duties. Exactly one row per client is primary; a null
/// <see cref="StaffId"/> means the service officer pool (服务官), staffed by the digital team.
/// </summary>
public sealed class ClientServicer
{
    private ClientServicer()
    {
    }

    internal ClientServicer(Client client, int? staffId, bool isPrimary, DutyScope duties, DateTimeOffset since)
    {
        ClientId = client.Id;
        ClientNo = client.ClientNo;
        StaffId = staffId;
        IsPrimary = isPrimary;
        Duties = duties;
        Since = since;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }

    /// <summary>
    /// The client's number, copied from the client (it never changes) so that a servicer's book can be listed
    /// and counted in client_no order from one index, without reading every client row.
    /// </summary>
    public string ClientNo { get; private set; } = "";

    public int? StaffId { get; private set; }
    public bool IsServiceOfficerPool => StaffId is null;
    public bool IsPrimary { get; private set; }
    public DutyScope Duties { get; private set; }
    public DateTimeOffset Since { get; private set; }
}

internal sealed class ClientServicerConfiguration : IEntityTypeConfiguration<ClientServicer>
{
    public void Configure(EntityTypeBuilder<ClientServicer> b)
    {
        b.ToTable("ClientServicers");
        b.Ignore(x => x.IsServiceOfficerPool);
        b.Property(x => x.Duties).HasConversion<int>();
        b.Property(x => x.ClientNo).HasMaxLength(ClientNumber.MaxLength);
        b.HasIndex(x => new { x.StaffId, x.ClientId });
        b.HasIndex(x => new { x.StaffId, x.ClientNo });
        // Exactly one primary servicer per client, enforced by the store as well as by Client.AssignPrimary.
        b.HasIndex(x => x.ClientId).IsUnique().HasFilter("\"IsPrimary\"").HasDatabaseName("IX_ClientServicers_OnePrimary");
        b.HasIndex(x => new { x.ClientId, x.StaffId });
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Restrict);
    }
}

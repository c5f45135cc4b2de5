using CoServe.Features.Duties.Complaints;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Duties.Callbacks;

public enum CallbackKind
{
    /// <summary>Every new client within a month of opening.</summary>
    NewClient = 1,
    /// <summary>The yearly sample of existing clients.</summary>
    Annual = 2,
    /// <summary>Satisfaction callback after a complaint is resolved.</summary>
    ComplaintFollowUp = 3,
}

public enum CallbackStatus
{
    Open = 1,
    Done = 2,
    /// <summary>Tried and could not reach the client.</summary>
    Unreachable = 3,
}

/// <summary>
/// A callback (回访) to a client: planned by rule or sample, owned by a person (or the service officer pool, worked
/// by the digital team), with the outcome recorded. <see cref="PlanKey"/> makes planning idempotent.
/// </summary>
public sealed class ClientCallback
{
    private ClientCallback()
    {
    }

    public ClientCallback(long clientId, CallbackKind kind, string planKey, DateOnly dueOn, int? assigneeStaffId, long? complaintId, DateTimeOffset createdAt)
    {
        ClientId = clientId;
        Kind = kind;
        PlanKey = planKey;
        DueOn = dueOn;
        AssigneeStaffId = assigneeStaffId;
        ComplaintId = complaintId;
        CreatedAt = createdAt;
        Status = CallbackStatus.Open;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public CallbackKind Kind { get; private set; }

    /// <summary>new:{clientId}, annual:{year}:{clientId}, complaint:{complaintId}.</summary>
    public string PlanKey { get; private set; } = "";

    public DateOnly DueOn { get; private set; }

    /// <summary>Null: the service officer pool (the digital team works it).</summary>
    public int? AssigneeStaffId { get; private set; }

    public long? ComplaintId { get; private set; }
    public CallbackStatus Status { get; private set; }
    public Satisfaction? Satisfaction { get; private set; }

    /// <summary>Encrypted (MessageText): what the client said.</summary>
    public byte[]? NoteCipher { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public int? CompletedByStaffId { get; private set; }
    public int Version { get; private set; }

    public void Complete(CallbackStatus status, Satisfaction? satisfaction, byte[]? noteCipher, int staffId, DateTimeOffset now)
    {
        if (Status != CallbackStatus.Open) throw new InvalidOperationException("the callback is already recorded");
        if (status == CallbackStatus.Open) throw new ArgumentException("record Done or Unreachable", nameof(status));
        Status = status;
        Satisfaction = status == CallbackStatus.Unreachable ? Complaints.Satisfaction.Unreachable : satisfaction;
        NoteCipher = noteCipher;
        CompletedByStaffId = staffId;
        CompletedAt = now;
        Version++;
    }
}

internal sealed class ClientCallbackConfiguration : IEntityTypeConfiguration<ClientCallback>
{
    public void Configure(EntityTypeBuilder<ClientCallback> b)
    {
        b.ToTable("ClientCallbacks");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Satisfaction).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.PlanKey).HasMaxLength(64);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => x.PlanKey).IsUnique();
        b.HasIndex(x => new { x.Status, x.DueOn });
        b.HasIndex(x => new { x.AssigneeStaffId, x.Status });
        b.HasIndex(x => x.ClientId);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.AssigneeStaffId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Complaint>().WithMany().HasForeignKey(x => x.ComplaintId).OnDelete(DeleteBehavior.Restrict);
    }
}

using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Duties.Complaints;

public enum ComplaintSource
{
    /// <summary>The service officer handed the client's complaint off.</summary>
    ServiceOfficer = 1,
    /// <summary>Registered by staff (phone, counter, letter, visit).</summary>
    Staff = 2,
    /// <summary>Forwarded by the regulator's 12386 platform.</summary>
    Regulator12386 = 3,
}

public enum ComplaintStatus
{
    Registered = 1,
    Acknowledged = 2,
    Resolved = 3,
    /// <summary>Resolved and the satisfaction callback is recorded.</summary>
    Closed = 4,
}

public enum ComplaintOutcome
{
    Upheld = 1,
    PartlyUpheld = 2,
    NotUpheld = 3,
    Withdrawn = 4,
}

public enum Satisfaction
{
    Satisfied = 1,
    Neutral = 2,
    Dissatisfied = 3,
    Unreachable = 4,
}

/// <summary>
/// A complaint (投诉), owned by its first handler until resolved, with acknowledgement and resolution deadlines in
/// business days, reminders and an escalation ladder, the outcome and the client's satisfaction. Kept at least
/// <see cref="RetainUntil"/>: nothing in CoServe deletes complaints (retention, Features/Duties/README.md).
/// </summary>
public sealed class Complaint
{
    private Complaint()
    {
    }

    public Complaint(long clientId, ComplaintSource source, string? sourceRef, int firstHandlerStaffId, long? ticketId, DateTimeOffset receivedAt,
        DateTimeOffset acknowledgeDueAt, DateTimeOffset resolveDueAt, DateTimeOffset registeredAt)
    {
        ClientId = clientId;
        Source = source;
        SourceRef = sourceRef;
        FirstHandlerStaffId = firstHandlerStaffId;
        TicketId = ticketId;
        ReceivedAt = receivedAt;
        AcknowledgeDueAt = acknowledgeDueAt;
        ResolveDueAt = resolveDueAt;
        RegisteredAt = registeredAt;
        Status = ComplaintStatus.Registered;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public ComplaintSource Source { get; private set; }

    /// <summary>The source's own id (the 12386 case number): imports are idempotent by it.</summary>
    public string? SourceRef { get; private set; }

    public string? Category { get; set; }

    /// <summary>Encrypted (MessageText): what the client complains about.</summary>
    public byte[]? SummaryCipher { get; set; }

    /// <summary>First-handler responsibility: this person owns the complaint until it is resolved.</summary>
    public int FirstHandlerStaffId { get; private set; }

    public long? TicketId { get; private set; }
    public ComplaintStatus Status { get; private set; }
    public DateTimeOffset ReceivedAt { get; private set; }
    public DateTimeOffset RegisteredAt { get; private set; }
    public DateTimeOffset AcknowledgeDueAt { get; private set; }
    public DateTimeOffset ResolveDueAt { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public ComplaintOutcome? Outcome { get; private set; }

    /// <summary>Encrypted (MessageText): the outcome as told to the client.</summary>
    public byte[]? OutcomeCipher { get; private set; }

    public Satisfaction? Satisfaction { get; private set; }
    public DateTimeOffset? CallbackAt { get; private set; }
    public DateTimeOffset? ReminderSentAt { get; private set; }
    public int EscalationLevel { get; private set; }
    public DateTimeOffset? EscalatedAt { get; private set; }

    /// <summary>The earliest date the file may be purged (resolution + retention years; receipt until resolved).</summary>
    public DateOnly RetainUntil { get; private set; }

    public int Version { get; private set; }

    public bool IsOpen => Status is ComplaintStatus.Registered or ComplaintStatus.Acknowledged;

    /// <summary>The deadline running now: acknowledgement first, then resolution.</summary>
    public DateTimeOffset? ActiveDueAt => Status switch
    {
        ComplaintStatus.Registered => AcknowledgeDueAt,
        ComplaintStatus.Acknowledged => ResolveDueAt,
        _ => null,
    };

    /// <summary>When the active phase started (for the reminder share).</summary>
    public DateTimeOffset PhaseStart => Status == ComplaintStatus.Acknowledged && AcknowledgedAt is { } a ? a : ReceivedAt;

    /// <summary>Reference for the client and the regulator report: TS2026000123.</summary>
    public string Number => string.Create(CultureInfo.InvariantCulture, $"TS{Platform.Time.BusinessTime.DateOf(ReceivedAt).Year}{Id:D6}");

    public bool BreachedAcknowledgement => (AcknowledgedAt ?? DateTimeOffset.MaxValue) > AcknowledgeDueAt;

    public void SetRetention(int years) =>
        RetainUntil = Platform.Time.BusinessTime.DateOf(ResolvedAt ?? ReceivedAt).AddYears(years);

    public void Acknowledge(DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Registered) throw new InvalidOperationException("the complaint is already acknowledged");
        Status = ComplaintStatus.Acknowledged;
        AcknowledgedAt = now;
        ReminderSentAt = null;
        Version++;
    }

    public void Resolve(ComplaintOutcome outcome, byte[] outcomeCipher, int retentionYears, DateTimeOffset now)
    {
        if (!IsOpen) throw new InvalidOperationException("the complaint is already resolved");
        AcknowledgedAt ??= now;
        Status = ComplaintStatus.Resolved;
        Outcome = outcome;
        OutcomeCipher = outcomeCipher;
        ResolvedAt = now;
        SetRetention(retentionYears);
        Version++;
    }

    public void RecordSatisfaction(Satisfaction satisfaction, DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Resolved) throw new InvalidOperationException("only a resolved complaint gets a satisfaction callback");
        Satisfaction = satisfaction;
        CallbackAt = now;
        Status = ComplaintStatus.Closed;
        Version++;
    }

    public void MarkReminded(DateTimeOffset now)
    {
        ReminderSentAt = now;
        Version++;
    }

    public void Escalate(DateTimeOffset now)
    {
        EscalationLevel++;
        EscalatedAt = now;
        Version++;
    }
}

internal sealed class ComplaintConfiguration : IEntityTypeConfiguration<Complaint>
{
    public void Configure(EntityTypeBuilder<Complaint> b)
    {
        b.ToTable("Complaints");
        b.Property(x => x.Source).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Outcome).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Satisfaction).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.SourceRef).HasMaxLength(64);
        b.Property(x => x.Category).HasMaxLength(32);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.IsOpen);
        b.Ignore(x => x.ActiveDueAt);
        b.Ignore(x => x.PhaseStart);
        b.Ignore(x => x.Number);
        b.Ignore(x => x.BreachedAcknowledgement);
        b.HasIndex(x => new { x.Source, x.SourceRef }).IsUnique().HasFilter("\"SourceRef\" IS NOT NULL");
        b.HasIndex(x => new { x.Status, x.AcknowledgeDueAt });
        b.HasIndex(x => new { x.FirstHandlerStaffId, x.Status });
        b.HasIndex(x => new { x.ClientId, x.Status });
        b.HasIndex(x => x.ReceivedAt);
        b.HasIndex(x => x.TicketId);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.FirstHandlerStaffId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Handoffs.Ticket>().WithMany().HasForeignKey(x => x.TicketId).OnDelete(DeleteBehavior.Restrict);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Privacy;

/// <summary>The rights a client exercises over his personal information (PIPL articles 44 to 48).</summary>
public enum DataRight
{
    /// <summary>查阅、复制: a copy of what the firm holds about him.</summary>
    Copy = 1,
    /// <summary>更正、补充: something held about him is wrong or incomplete.</summary>
    Correct = 2,
    /// <summary>删除: delete what the law no longer requires the firm to keep.</summary>
    Delete = 3,
    /// <summary>解释说明: explain a rule or an automated decision that concerns him.</summary>
    Explain = 4,
}

public enum DataRightsStatus
{
    /// <summary>Received, waiting for the privacy desk.</summary>
    Open = 1,
    /// <summary>Done as asked; the reply tells the client what was done.</summary>
    Completed = 2,
    /// <summary>Refused, with the reason the client is given (PIPL: a refusal states its reason).</summary>
    Refused = 3,
}

/// <summary>
/// A client's request to exercise a right over his personal information, answered by the privacy desk (Compliance)
/// within <see cref="PrivacyOptions.ResponseWorkingDays"/>. The client's wording and the desk's reply are stored
/// encrypted like messages; the client sees the status and the reply in his privacy page.
/// </summary>
public sealed class DataRightsRequest
{
    private DataRightsRequest()
    {
    }

    public DataRightsRequest(long clientId, DataRight right, byte[] detailCipher, string channel, string idempotencyKey, DateTimeOffset receivedAt, DateTimeOffset remindAt, DateTimeOffset dueAt)
    {
        RemindAt = remindAt;
        ClientId = clientId;
        Right = right;
        DetailCipher = detailCipher;
        Channel = channel;
        IdempotencyKey = idempotencyKey;
        ReceivedAt = receivedAt;
        DueAt = dueAt;
        Status = DataRightsStatus.Open;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public DataRight Right { get; private set; }
    /// <summary>What the client wrote (encrypted as message text).</summary>
    public byte[] DetailCipher { get; private set; } = [];
    public string Channel { get; private set; } = "";
    /// <summary>The client's form submission id: a repeated submission is stored once.</summary>
    public string IdempotencyKey { get; private set; } = "";
    public DateTimeOffset ReceivedAt { get; private set; }
    public DateTimeOffset DueAt { get; private set; }
    /// <summary>When the desk is reminded that the deadline nears (<see cref="PrivacyOptions.ReminderWorkingDays"/> before it).</summary>
    public DateTimeOffset RemindAt { get; private set; }
    public DateTimeOffset? ReminderSentAt { get; private set; }
    /// <summary>When the administrators were told the deadline passed.</summary>
    public DateTimeOffset? EscalatedAt { get; private set; }
    public DataRightsStatus Status { get; private set; }
    /// <summary>What the client is told (encrypted): what was done, or why not.</summary>
    public byte[]? ReplyCipher { get; private set; }
    public int? HandledByStaffId { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public int Version { get; private set; }

    /// <summary>The last business day to answer: a deadline is the end of that day (the midnight after it).</summary>
    public static DateOnly LastDayOf(DateTimeOffset due) => Platform.Time.BusinessTime.DateOf(due.AddTicks(-1));

    public void MarkReminded(DateTimeOffset now)
    {
        ReminderSentAt = now;
        Version++;
    }

    public void MarkEscalated(DateTimeOffset now)
    {
        EscalatedAt = now;
        Version++;
    }

    public void Close(DataRightsStatus outcome, byte[] replyCipher, int staffId, DateTimeOffset now)
    {
        if (outcome == DataRightsStatus.Open) throw new ArgumentException("a request is closed as completed or refused", nameof(outcome));
        if (Status != DataRightsStatus.Open) throw new InvalidOperationException("this request has already been answered");
        Status = outcome;
        ReplyCipher = replyCipher;
        HandledByStaffId = staffId;
        ClosedAt = now;
        Version++;
    }
}

internal sealed class DataRightsRequestConfiguration : IEntityTypeConfiguration<DataRightsRequest>
{
    public void Configure(EntityTypeBuilder<DataRightsRequest> b)
    {
        b.ToTable("DataRightsRequests");
        b.Property(x => x.Right).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.IdempotencyKey).HasMaxLength(64);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.ClientId, x.IdempotencyKey }).IsUnique();
        b.HasIndex(x => new { x.Status, x.DueAt });
        b.HasIndex(x => new { x.ClientId, x.ReceivedAt });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.HandledByStaffId).OnDelete(DeleteBehavior.Restrict);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Notifications;

public enum NotificationKind
{
    HandoffAssigned = 1,
    HandoffInQueue = 2,
    SlaReminder = 3,
    SlaEscalation = 4,
    Mention = 5,
    ClientMessage = 6,
    ConversationTransferred = 7,
    DutyTask = 8,
    /// <summary>A client asked to copy, correct or delete his personal information (the privacy desk).</summary>
    PrivacyRequest = 9,
}

/// <summary>
/// Something a staff member must notice, kept until read so that nothing is missed while they were away.
/// The text is a short non-personal line ("投诉 · 客户 3100000123"); the details are behind the link.
/// </summary>
public sealed class StaffNotification
{
    private StaffNotification()
    {
    }

    public StaffNotification(int staffId, NotificationKind kind, string text, string? link, long? clientId, long? ticketId, DateTimeOffset at)
    {
        StaffId = staffId;
        Kind = kind;
        Text = text;
        Link = link;
        ClientId = clientId;
        TicketId = ticketId;
        CreatedAt = at;
    }

    public long Id { get; private set; }
    public int StaffId { get; private set; }
    public NotificationKind Kind { get; private set; }
    public string Text { get; private set; } = "";
    public string? Link { get; private set; }
    public long? ClientId { get; private set; }
    public long? TicketId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ReadAt { get; private set; }

    public void MarkRead(DateTimeOffset now) => ReadAt ??= now;
}

internal sealed class StaffNotificationConfiguration : IEntityTypeConfiguration<StaffNotification>
{
    public void Configure(EntityTypeBuilder<StaffNotification> b)
    {
        b.ToTable("StaffNotifications");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(32);
        b.Property(x => x.Text).HasMaxLength(300);
        b.Property(x => x.Link).HasMaxLength(200);
        b.HasIndex(x => new { x.StaffId, x.ReadAt, x.Id });
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Cascade);
    }
}

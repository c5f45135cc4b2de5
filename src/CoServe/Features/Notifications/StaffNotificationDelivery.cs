using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Notifications;

public enum StaffDeliveryStatus
{
    Pending = 1,
    Delivered = 2,
    Failed = 3,
}

/// <summary>
/// The outbox of an extra staff channel (a WeCom app message): written in the same unit of work as its
/// notification, so a crash can delay the message but never lose it, and a failing channel never undoes the
/// notification. <see cref="StaffNotificationDispatcher"/> sends it and records the outcome.
/// </summary>
public sealed class StaffNotificationDelivery
{
    private StaffNotificationDelivery()
    {
    }

    public StaffNotificationDelivery(StaffNotification notification, string channel, DateTimeOffset now)
    {
        Notification = notification;
        Channel = channel;
        Status = StaffDeliveryStatus.Pending;
        CreatedAt = now;
        NextAttemptAt = now;
    }

    public long Id { get; private set; }
    public long NotificationId { get; private set; }
    public StaffNotification? Notification { get; private set; }
    public string Channel { get; private set; } = "";
    public StaffDeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? DeliveredAt { get; private set; }
    public string? ProviderMessageId { get; private set; }
    public string? LastError { get; private set; }

    public void Delivered(string? providerMessageId, DateTimeOffset now)
    {
        Attempts++;
        Status = StaffDeliveryStatus.Delivered;
        ProviderMessageId = providerMessageId;
        DeliveredAt = now;
        LastError = null;
    }

    public void RetryAt(DateTimeOffset at, string? error)
    {
        Attempts++;
        NextAttemptAt = at;
        LastError = error;
    }

    public void Fail(string error)
    {
        Attempts++;
        Status = StaffDeliveryStatus.Failed;
        LastError = error.Length > 500 ? error[..500] : error;
    }
}

internal sealed class StaffNotificationDeliveryConfiguration : IEntityTypeConfiguration<StaffNotificationDelivery>
{
    public void Configure(EntityTypeBuilder<StaffNotificationDelivery> b)
    {
        b.ToTable("StaffNotificationDeliveries");
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Status).HasConversion<short>();
        b.Property(x => x.ProviderMessageId).HasMaxLength(128);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
        b.HasIndex(x => new { x.NotificationId, x.Channel }).IsUnique();
        b.HasOne(x => x.Notification).WithMany().HasForeignKey(x => x.NotificationId).OnDelete(DeleteBehavior.Cascade);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Channels;

public enum OutboxStatus
{
    Pending = 1,
    Delivered = 2,
    Failed = 3,
}

/// <summary>
/// A message to deliver to a client on a channel, written in the same transaction as its timeline event, so a
/// crash can delay a delivery but never lose it. Delivery state is shown beside the message on the timeline.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage()
    {
    }

    public OutboxMessage(long clientId, Timeline.TimelineEvent message, string channel, DateTimeOffset now)
    {
        ClientId = clientId;
        Message = message;
        Channel = channel;
        Status = OutboxStatus.Pending;
        CreatedAt = now;
        NextAttemptAt = now;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public long TimelineEventId { get; private set; }
    public Timeline.TimelineEvent? Message { get; private set; }
    public string Channel { get; private set; } = "";
    public OutboxStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? DeliveredAt { get; private set; }
    public string? ProviderMessageId { get; private set; }
    public string? LastError { get; private set; }

    public string IdempotencyKey => $"coserve-{Id}";

    /// <summary>Queues messages already stored on the timeline for delivery with one multi-row insert, without change tracking.</summary>
    public static async Task InsertAsync(Data.CoServeDb db, IReadOnlyList<(long ClientId, long TimelineEventId, string Channel)> rows, DateTimeOffset now, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await Data.RowUpdates.InsertAsync<OutboxMessage>(db,
            [nameof(ClientId), nameof(TimelineEventId), nameof(Channel), nameof(Status), nameof(Attempts), nameof(CreatedAt), nameof(NextAttemptAt)],
            rows.Select(r => new object?[] { r.ClientId, r.TimelineEventId, r.Channel, OutboxStatus.Pending, 0, now, now }).ToList(), ct);
    }

    /// <summary>
    /// Writes the delivery state of one dispatcher pass (status, attempts, next attempt, delivery time, provider id,
    /// error) with one statement in its own transaction, where change tracking sent one UPDATE per message; only the
    /// dispatcher changes these columns after the insert, so rows are found by id alone.
    /// </summary>
    public static async Task StoreDeliveryStateAsync(Data.CoServeDb db, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await Data.RowUpdates.SetAsync<OutboxMessage>(db,
            [nameof(Status), nameof(Attempts), nameof(NextAttemptAt), nameof(DeliveredAt), nameof(ProviderMessageId), nameof(LastError)],
            messages.Select(m => (m.Id, new object?[] { m.Status, m.Attempts, m.NextAttemptAt, m.DeliveredAt, m.ProviderMessageId, m.LastError })), ct);
        if (updated != messages.Count) throw new InvalidOperationException($"{messages.Count - updated} of {messages.Count} outbox rows are gone");
        await tx.CommitAsync(ct);
    }

    public void Delivered(string? providerMessageId, DateTimeOffset now)
    {
        Status = OutboxStatus.Delivered;
        ProviderMessageId = providerMessageId;
        DeliveredAt = now;
        Attempts++;
        LastError = null;
    }

    public void RetryAt(DateTimeOffset at, string? error)
    {
        Attempts++;
        NextAttemptAt = at;
        LastError = error;
    }

    /// <summary>The channel was throttled: try again later without counting an attempt against this message.</summary>
    public void Postpone(DateTimeOffset at, string? reason)
    {
        NextAttemptAt = at;
        LastError = reason;
    }

    public void Fail(string error)
    {
        Attempts++;
        Status = OutboxStatus.Failed;
        LastError = error;
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("Outbox");
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Status).HasConversion<short>();
        b.Property(x => x.ProviderMessageId).HasMaxLength(128);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.Ignore(x => x.IdempotencyKey);
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
        b.HasIndex(x => x.TimelineEventId);
        b.HasOne(x => x.Message).WithMany().HasForeignKey(x => x.TimelineEventId).OnDelete(DeleteBehavior.Cascade);
    }
}

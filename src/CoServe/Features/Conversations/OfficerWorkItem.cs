using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Conversations;

/// <summary>
/// "The service officer owes this message an answer", written in the same transaction as the client's message.
/// The officer worker takes it from here; after a crash it is still there, so no client message goes unanswered.
/// </summary>
public sealed class OfficerWorkItem
{
    private OfficerWorkItem()
    {
    }

    public long Id { get; private set; }
    public long ConversationId { get; private set; }
    /// <summary>The conversation's client, kept on the item so the dashboard counts a scope's work without a join per item.</summary>
    public long ClientId { get; private set; }
    public long ClientMessageEventId { get; private set; }
    public Timeline.TimelineEvent? ClientMessage { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    /// <summary>Set with <see cref="Outcome"/> in one statement per batch by <see cref="RespondAsOfficer"/>.</summary>
    public DateTimeOffset? ProcessedAt { get; private set; }
    public int Attempts { get; private set; }
    public string? Outcome { get; private set; }

    public void Failed() => Attempts++;

    /// <summary>Queues work items for the given client messages with one multi-row insert, without change tracking.</summary>
    public static async Task InsertAsync(Data.CoServeDb db, IReadOnlyList<(long ConversationId, long ClientId, long ClientMessageEventId)> items, DateTimeOffset createdAt, CancellationToken ct)
    {
        if (items.Count == 0) return;
        await Data.RowUpdates.InsertAsync<OfficerWorkItem>(db, [nameof(ConversationId), nameof(ClientId), nameof(ClientMessageEventId), nameof(CreatedAt), nameof(Attempts)],
            items.Select(i => new object?[] { i.ConversationId, i.ClientId, i.ClientMessageEventId, createdAt, 0 }).ToList(), ct);
    }
}

internal sealed class OfficerWorkItemConfiguration : IEntityTypeConfiguration<OfficerWorkItem>
{
    public void Configure(EntityTypeBuilder<OfficerWorkItem> b)
    {
        b.ToTable("OfficerWorkItems");
        b.Property(x => x.Outcome).HasMaxLength(40);
        b.HasIndex(x => new { x.ProcessedAt, x.Id });
        b.HasOne(x => x.ClientMessage).WithMany().HasForeignKey(x => x.ClientMessageEventId).OnDelete(DeleteBehavior.Cascade);
    }
}

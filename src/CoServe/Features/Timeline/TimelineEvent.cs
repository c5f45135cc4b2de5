using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Timeline;

public enum TimelineKind
{
    ClientMessage = 1,
    /// <summary>What the AI service officer said.</summary>
    OfficerMessage = 2,
    StaffMessage = 3,
    /// <summary>Internal note between staff; never sent to the client.</summary>
    Note = 4,
    Push = 5,
    Handoff = 6,
    ControlChange = 7,
    TicketEvent = 8,
    TransferEvent = 9,
    TierChange = 10,
    ProfileChange = 11,
    ConsentChange = 12,
    /// <summary>A client's request to copy, correct or delete his personal information, or its answer.</summary>
    PrivacyRequest = 13,
}

public enum ActorKind
{
    Client = 1,
    Officer = 2,
    Staff = 3,
    System = 4,
}

public enum EventVisibility
{
    /// <summary>Part of what the client saw or said.</summary>
    ClientVisible = 1,
    /// <summary>Staff only; further limited by role scope.</summary>
    Internal = 2,
    /// <summary>Internal and confidential (AML): only the AML duty owner and Compliance.</summary>
    Confidential = 3,
}

/// <summary>
/// One thing that happened to a client: the append-only stream behind every screen and report. Text
/// (messages, notes, summaries) is stored encrypted; <see cref="Details"/> carries non-personal metadata as JSON.
/// </summary>
public sealed class TimelineEvent
{
    private TimelineEvent()
    {
    }

    public TimelineEvent(long clientId, TimelineKind kind, ActorKind actor, int? actorStaffId, string channel, EventVisibility visibility, DateTimeOffset at)
    {
        ClientId = clientId;
        Kind = kind;
        Actor = actor;
        ActorStaffId = actorStaffId;
        Channel = channel;
        Visibility = visibility;
        At = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public TimelineKind Kind { get; private set; }
    public ActorKind Actor { get; private set; }
    public int? ActorStaffId { get; private set; }

    /// <summary>webchat, wecom, console, api, system …</summary>
    public string Channel { get; private set; } = "";
    public EventVisibility Visibility { get; private set; }
    public DateTimeOffset At { get; private set; }

    /// <summary>AES-GCM ciphertext of the text (ProtectedField.MessageText), if the event has text.</summary>
    public byte[]? TextCipher { get; set; }

    /// <summary>Non-personal metadata as JSON (reason codes, states, ids).</summary>
    public string? Details { get; set; }

    public long? ConversationId { get; set; }
    public long? TicketId { get; set; }

    /// <summary>Links events of one flow (a handoff and its replies, a transfer run).</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Unique per client: the same inbound message delivered three times is stored once.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Staff ids mentioned in a note, comma-separated (",12,15,").</summary>
    public string? Mentions { get; set; }

    /// <summary>The id the store gave the event when it was inserted without change tracking (<see cref="TimelineWriter.StoreAsync"/>).</summary>
    internal void Stored(long id) => Id = id;
}

internal sealed class TimelineEventConfiguration : IEntityTypeConfiguration<TimelineEvent>
{
    public void Configure(EntityTypeBuilder<TimelineEvent> b)
    {
        b.ToTable("TimelineEvents");
        b.Property(x => x.Kind).HasConversion<short>();
        b.Property(x => x.Actor).HasConversion<short>();
        b.Property(x => x.Visibility).HasConversion<short>();
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.CorrelationId).HasMaxLength(64);
        b.Property(x => x.IdempotencyKey).HasMaxLength(160);
        b.Property(x => x.Mentions).HasMaxLength(400);
        b.Property(x => x.Details).HasMaxLength(4000);
        // Newest-first pages of one client: the hot query. A conversation's events are read through it as well (every
        // reader knows the client), so there is no index on the conversation: each one costs a page of the write-ahead
        // log per event written.
        b.HasIndex(x => new { x.ClientId, x.Id });
        b.HasIndex(x => new { x.ClientId, x.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Conversations;

/// <summary>Modelled on WeCom customer-service session states (0 untouched … 4 ended).</summary>
public enum ConversationState
{
    New = 0,
    AiActive = 1,
    WaitingForHuman = 2,
    HumanActive = 3,
    Closed = 4,
}

/// <summary>
/// One conversation of a client on one channel, with exactly one controller at a time: the AI or one named
/// staff member. Every change bumps <see cref="Version"/>; writers update only the version they read, so two
/// people taking over at once cannot both win and the AI cannot speak after a human took control.
/// </summary>
public sealed class Conversation
{
    private Conversation()
    {
    }

    public Conversation(long clientId, string channel, DateTimeOffset now)
    {
        ClientId = clientId;
        Channel = channel;
        State = ConversationState.New;
        OpenedAt = now;
        LastActivityAt = now;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public string Channel { get; private set; } = "";
    public ConversationState State { get; private set; }

    /// <summary>The staff member in control (HumanActive) or awaited (WaitingForHuman with an assignee).</summary>
    public int? ControllerStaffId { get; private set; }

    public DateTimeOffset OpenedAt { get; private set; }
    public DateTimeOffset LastActivityAt { get; private set; }
    public DateTimeOffset? LastClientMessageAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public string? Outcome { get; private set; }

    /// <summary>After close, new client messages go to this person instead of the AI until <see cref="KeepUntil"/>.</summary>
    public int? KeepWithStaffId { get; private set; }
    public DateTimeOffset? KeepUntil { get; private set; }

    /// <summary>The open handoff ticket, if any.</summary>
    public long? OpenTicketId { get; private set; }

    public int Version { get; private set; }

    public bool IsOpen => State != ConversationState.Closed;

    /// <summary>Whether the AI may send anything now. Only in AiActive (the one holding message is sent as part of the handoff).</summary>
    public bool AiMaySpeak => State is ConversationState.AiActive or ConversationState.New;

    public void StartWithAi(DateTimeOffset now) => Change(ConversationState.AiActive, null, now);

    public void StartWithStaff(int staffId, DateTimeOffset now) => Change(ConversationState.HumanActive, staffId, now);

    public void ClientSpoke(DateTimeOffset now)
    {
        LastClientMessageAt = now;
        LastActivityAt = now;
        Version++;
    }

    public void Touch(DateTimeOffset now)
    {
        LastActivityAt = now;
        Version++;
    }

    public void HandOffToHumans(long ticketId, int? assigneeStaffId, DateTimeOffset now)
    {
        OpenTicketId = ticketId;
        Change(ConversationState.WaitingForHuman, assigneeStaffId, now);
    }

    public void AssignWaiting(int? staffId, DateTimeOffset now)
    {
        if (State != ConversationState.WaitingForHuman) throw new InvalidOperationException("only a waiting conversation is reassigned");
        Change(ConversationState.WaitingForHuman, staffId, now);
    }

    public void TakeOver(int staffId, DateTimeOffset now) => Change(ConversationState.HumanActive, staffId, now);

    public void HandBackToAi(DateTimeOffset now)
    {
        OpenTicketId = null;
        Change(ConversationState.AiActive, null, now);
    }

    public void Close(string outcome, int? keepWithStaffId, DateTimeOffset? keepUntil, DateTimeOffset now)
    {
        Outcome = outcome;
        ClosedAt = now;
        KeepWithStaffId = keepWithStaffId;
        KeepUntil = keepUntil;
        OpenTicketId = null;
        Change(ConversationState.Closed, null, now);
    }

    public void ClearTicket() => OpenTicketId = null;

    private void Change(ConversationState state, int? controller, DateTimeOffset now)
    {
        State = state;
        ControllerStaffId = controller;
        LastActivityAt = now;
        Version++;
    }
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> b)
    {
        b.ToTable("Conversations");
        b.Property(x => x.State).HasConversion<short>();
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Outcome).HasMaxLength(200);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.IsOpen);
        b.Ignore(x => x.AiMaySpeak);
        b.HasIndex(x => new { x.ClientId, x.Channel, x.Id });
        // At most one open conversation per client and channel, even when two first messages race.
        b.HasIndex(x => new { x.ClientId, x.Channel }).IsUnique().HasFilter("\"State\" <> 4").HasDatabaseName("IX_Conversations_OneOpen");
        b.HasIndex(x => new { x.State, x.ControllerStaffId });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.ControllerStaffId).OnDelete(DeleteBehavior.Restrict);
    }
}

using CoServe.Features.Conversations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Handoffs;

/// <summary>Where a ticket waits: a named person, or a pool everyone in it can see.</summary>
public enum TicketQueue
{
    /// <summary>The client's co-servicer holding the duty (usually the client manager).</summary>
    DutyOwner = 1,
    /// <summary>The branch's managers when no one holds the duty.</summary>
    BranchDuty = 2,
    Advisors = 3,
    DigitalOps = 4,
}

public enum TicketStatus
{
    Open = 1,
    /// <summary>A human has responded to the client.</summary>
    Responded = 2,
    Resolved = 3,
}

/// <summary>
/// A handoff: never silent, always owned. Carries the reason, the package a human needs (summary, intent,
/// suggested reply) and the first-response SLA with reminder and escalation.
/// </summary>
public sealed class Ticket
{
    private Ticket()
    {
    }

    public Ticket(long clientId, long? conversationId, HandoffReason reason, TicketQueue queue, int? branchId, DateTimeOffset createdAt, DateTimeOffset firstResponseDueAt)
    {
        ClientId = clientId;
        ConversationId = conversationId;
        Reason = reason;
        Queue = queue;
        BranchId = branchId;
        Status = TicketStatus.Open;
        CreatedAt = createdAt;
        FirstResponseDueAt = firstResponseDueAt;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public long? ConversationId { get; private set; }
    public HandoffReason Reason { get; private set; }
    public TicketQueue Queue { get; private set; }
    public int? BranchId { get; private set; }
    public TicketStatus Status { get; private set; }
    public int? AssigneeStaffId { get; private set; }
    public DateTimeOffset? AssignedAt { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset FirstResponseDueAt { get; private set; }
    public DateTimeOffset? FirstRespondedAt { get; private set; }
    public DateTimeOffset? ReminderSentAt { get; private set; }
    public int EscalationLevel { get; private set; }
    public DateTimeOffset? EscalatedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public string? Outcome { get; private set; }

    /// <summary>Detected intent code, e.g. Complaint.</summary>
    public string? Intent { get; set; }

    /// <summary>Encrypted (MessageText): summary and key sentences of the conversation.</summary>
    public byte[]? SummaryCipher { get; set; }

    /// <summary>Encrypted (MessageText): the suggested reply.</summary>
    public byte[]? SuggestedReplyCipher { get; set; }

    /// <summary>Encrypted (MessageText): entities found (amounts, products, dates) as JSON.</summary>
    public byte[]? EntitiesCipher { get; set; }

    public int Version { get; private set; }

    public bool IsOpen => Status != TicketStatus.Resolved;

    private static readonly string[] Columns =
    [
        nameof(ClientId), nameof(ConversationId), nameof(Reason), nameof(Queue), nameof(BranchId), nameof(Status), nameof(AssigneeStaffId),
        nameof(AssignedAt), nameof(CreatedAt), nameof(FirstResponseDueAt), nameof(FirstRespondedAt), nameof(ReminderSentAt), nameof(EscalationLevel),
        nameof(EscalatedAt), nameof(ResolvedAt), nameof(Outcome), nameof(Intent), nameof(SummaryCipher), nameof(SuggestedReplyCipher),
        nameof(EntitiesCipher), nameof(Version),
    ];

    /// <summary>
    /// Stores new tickets with one multi-row insert in the caller's open transaction, outside change tracking (a
    /// batch of handoffs is one statement, not one INSERT and savepoint each), and gives them their ids.
    /// </summary>
    public static async Task InsertAsync(Data.CoServeDb db, IReadOnlyList<Ticket> tickets, CancellationToken ct)
    {
        if (tickets.Count == 0) return;
        var ids = await Data.RowUpdates.InsertAsync<Ticket>(db, Columns, tickets.Select(t => new object?[]
        {
            t.ClientId, t.ConversationId, t.Reason, t.Queue, t.BranchId, t.Status, t.AssigneeStaffId,
            t.AssignedAt, t.CreatedAt, t.FirstResponseDueAt, t.FirstRespondedAt, t.ReminderSentAt, t.EscalationLevel,
            t.EscalatedAt, t.ResolvedAt, t.Outcome, t.Intent, t.SummaryCipher, t.SuggestedReplyCipher,
            t.EntitiesCipher, t.Version,
        }).ToList(), ct);
        for (var i = 0; i < ids.Length; i++) tickets[i].Id = ids[i];
    }

    /// <summary>Routed again (its assignee offline or gone, nobody had it yet): the queue the router chose now, and who has it (null: the team's queue).</summary>
    public void Reroute(TicketQueue queue, int? branchId, int? staffId, DateTimeOffset now)
    {
        Queue = queue;
        BranchId = branchId;
        Assign(staffId, now);
    }

    public void Assign(int? staffId, DateTimeOffset now)
    {
        AssigneeStaffId = staffId;
        AssignedAt = staffId is null ? null : now;
        Version++;
    }

    public void MarkResponded(DateTimeOffset now)
    {
        if (FirstRespondedAt is not null) return;
        FirstRespondedAt = now;
        if (Status == TicketStatus.Open) Status = TicketStatus.Responded;
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

    public void Resolve(string outcome, DateTimeOffset now)
    {
        Status = TicketStatus.Resolved;
        Outcome = outcome;
        ResolvedAt = now;
        Version++;
    }
}

internal sealed class TicketConfiguration : IEntityTypeConfiguration<Ticket>
{
    public void Configure(EntityTypeBuilder<Ticket> b)
    {
        b.ToTable("Tickets");
        b.Property(x => x.Reason).HasConversion<string>().HasMaxLength(24);
        b.Property(x => x.Queue).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Intent).HasMaxLength(32);
        b.Property(x => x.Outcome).HasMaxLength(200);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.IsOpen);
        b.HasIndex(x => new { x.Status, x.FirstResponseDueAt });
        b.HasIndex(x => new { x.AssigneeStaffId, x.Status });
        b.HasIndex(x => new { x.Queue, x.Status });
        b.HasIndex(x => x.ClientId);
        b.HasIndex(x => x.CreatedAt); // the handoffs opened in a period (dashboard)
        b.HasOne<Clients.Client>().WithMany(c => c.Tickets).HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Conversation>().WithMany().HasForeignKey(x => x.ConversationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.AssigneeStaffId).OnDelete(DeleteBehavior.Restrict);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Transfers;

public enum TransferPlanStatus
{
    /// <summary>Made; managers may appeal until the review deadline.</summary>
    InReview = 1,
    /// <summary>The digital team approved (all or part of) it.</summary>
    Approved = 2,
    Executing = 3,
    Executed = 4,
    Cancelled = 5,
}

public enum TransferDirection
{
    /// <summary>From a client manager to the service officer.</summary>
    ToOfficer = 1,
    /// <summary>From the service officer to a client manager.</summary>
    ToManager = 2,
}

public enum TransferItemStatus
{
    Proposed = 1,
    /// <summary>A policy exemption keeps the client where he is (the reason says which).</summary>
    Exempted = 2,
    Appealed = 3,
    /// <summary>The branch head granted the appeal: the client stays.</summary>
    Kept = 4,
    Approved = 5,
    Moved = 6,
    /// <summary>Not moved at execution: servicing changed since the plan, or the client left.</summary>
    Skipped = 7,
    RolledBack = 8,
}

/// <summary>Where the WeCom side of a move stands.</summary>
public enum WeComTransferState
{
    /// <summary>No WeCom relationship to move (client not linked, or manager without WeCom id).</summary>
    NotNeeded = 0,
    Pending = 1,
    /// <summary>Started; WeCom completes the takeover after 24 h unless the client refuses.</summary>
    Requested = 2,
    TakenOver = 3,
    /// <summary>The client refused: the manager keeps the WeCom relationship; the digital team is told.</summary>
    Refused = 4,
    /// <summary>The customer was transferred twice in 90 days; skipped with reason.</summary>
    TooFrequent = 5,
    Failed = 6,
}

/// <summary>One month's transfer plan: reviewable, approvable, executable in batches, reversible.</summary>
public sealed class TransferPlan
{
    private TransferPlan()
    {
    }

    public TransferPlan(int month, int createdByStaffId, DateTimeOffset createdAt, DateTimeOffset reviewDeadline)
    {
        Month = month;
        CreatedByStaffId = createdByStaffId;
        CreatedAt = createdAt;
        ReviewDeadline = reviewDeadline;
        Status = TransferPlanStatus.InReview;
    }

    public long Id { get; private set; }
    public int Month { get; private set; }
    public TransferPlanStatus Status { get; set; }
    public int CreatedByStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ReviewDeadline { get; private set; }
    public int? ApprovedByStaffId { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
    public DateTimeOffset? ExecutedAt { get; set; }
    public int Version { get; set; }

    public bool IsOpen => Status is TransferPlanStatus.InReview or TransferPlanStatus.Approved or TransferPlanStatus.Executing;
}

public sealed class TransferItem
{
    private TransferItem()
    {
    }

    public TransferItem(long? planId, long clientId, TransferDirection direction, int? fromStaffId, int? toStaffId, string rule, string madaHistory, decimal latestMada)
    {
        PlanId = planId;
        ClientId = clientId;
        Direction = direction;
        FromStaffId = fromStaffId;
        ToStaffId = toStaffId;
        Rule = rule;
        MadaHistory = madaHistory;
        LatestMada = latestMada;
        Status = TransferItemStatus.Proposed;
    }

    public long Id { get; private set; }

    /// <summary>Null for a manager's approved claim of a lead (moves outside the monthly plan).</summary>
    public long? PlanId { get; private set; }
    public long ClientId { get; private set; }
    public TransferDirection Direction { get; private set; }

    /// <summary>Primary servicer before the move (null = the service officer pool).</summary>
    public int? FromStaffId { get; private set; }

    /// <summary>Primary servicer after the move (null = the service officer pool).</summary>
    public int? ToStaffId { get; private set; }

    /// <summary>The rule that fired, or the exemption that kept the client: every item can say why.</summary>
    public string Rule { get; set; } = "";

    /// <summary>"2024-01:123456.78;2024-02:…": the months the rule looked at.</summary>
    public string MadaHistory { get; private set; } = "";
    public decimal LatestMada { get; private set; }
    public TransferItemStatus Status { get; set; }
    public string? AppealReason { get; set; }
    public int? AppealedByStaffId { get; set; }
    public string? DecisionReason { get; set; }
    public int? DecidedByStaffId { get; set; }
    public string? SkipReason { get; set; }
    public DateTimeOffset? MovedAt { get; set; }
    public DateTimeOffset? RolledBackAt { get; set; }
    public WeComTransferState WeComState { get; set; }
    public string? WeComHandoverUserId { get; set; }
    public string? WeComTakeoverUserId { get; set; }
    public DateTimeOffset? WeComRequestedAt { get; set; }
    public string? WeComNote { get; set; }
    public int Version { get; set; }
}

/// <summary>A pin keeps a client with his current servicer: a manual pin (reason, approver, expiry) or the client's request to keep his manager.</summary>
public sealed class TransferPin
{
    private TransferPin()
    {
    }

    public TransferPin(long clientId, bool clientRequest, string reason, int approvedByStaffId, DateTimeOffset createdAt, DateTimeOffset? expiresAt)
    {
        ClientId = clientId;
        ClientRequest = clientRequest;
        Reason = reason;
        ApprovedByStaffId = approvedByStaffId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }

    /// <summary>The client asked to keep his manager (honoured only if the firm allows it).</summary>
    public bool ClientRequest { get; private set; }
    public string Reason { get; private set; } = "";
    public int ApprovedByStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public DateTimeOffset? RemovedAt { get; set; }

    public bool IsActiveAt(DateTimeOffset at) => RemovedAt is null && (ExpiresAt is null || at < ExpiresAt);
}

/// <summary>Every decision on a plan or item: who, what, why, when.</summary>
public sealed class TransferDecision
{
    private TransferDecision()
    {
    }

    public TransferDecision(long? planId, long? itemId, int staffId, string action, string? reason, DateTimeOffset at)
    {
        PlanId = planId;
        ItemId = itemId;
        StaffId = staffId;
        Action = action;
        Reason = reason;
        At = at;
    }

    public long Id { get; private set; }
    public long? PlanId { get; private set; }
    public long? ItemId { get; private set; }
    public int StaffId { get; private set; }
    public string Action { get; private set; } = "";
    public string? Reason { get; private set; }
    public DateTimeOffset At { get; private set; }
}

/// <summary>A manager's claim on a lead (a pool client rising toward the line), decided by the branch head.</summary>
public sealed class TransferClaim
{
    private TransferClaim()
    {
    }

    public TransferClaim(long clientId, int staffId, string? note, DateTimeOffset at)
    {
        ClientId = clientId;
        StaffId = staffId;
        Note = note;
        CreatedAt = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public int StaffId { get; private set; }
    public string? Note { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public bool? Approved { get; set; }
    public int? DecidedByStaffId { get; set; }
    public string? DecisionReason { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public long? ItemId { get; set; }
}

/// <summary>WeCom transfers per customer, for the 2-in-90-days rule across restarts and nodes.</summary>
public sealed class WeComTransferRecord
{
    private WeComTransferRecord()
    {
    }

    public WeComTransferRecord(string externalUserId, string handoverUserId, string takeoverUserId, DateTimeOffset at)
    {
        ExternalUserId = externalUserId;
        HandoverUserId = handoverUserId;
        TakeoverUserId = takeoverUserId;
        At = at;
    }

    public long Id { get; private set; }
    public string ExternalUserId { get; private set; } = "";
    public string HandoverUserId { get; private set; } = "";
    public string TakeoverUserId { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
}

internal sealed class TransferConfigurations :
    IEntityTypeConfiguration<TransferPlan>,
    IEntityTypeConfiguration<TransferItem>,
    IEntityTypeConfiguration<TransferPin>,
    IEntityTypeConfiguration<TransferDecision>,
    IEntityTypeConfiguration<TransferClaim>,
    IEntityTypeConfiguration<WeComTransferRecord>
{
    public void Configure(EntityTypeBuilder<TransferPlan> b)
    {
        b.ToTable("TransferPlans");
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.IsOpen);
        // At most one plan of a month that is not cancelled: the planner checks first, and this index refuses the
        // second of two planners that passed the check at the same time (PostgreSQL runs both transactions at once).
        b.HasIndex(x => x.Month).IsUnique().HasFilter("\"Status\" <> 'Cancelled'");
    }

    public void Configure(EntityTypeBuilder<TransferItem> b)
    {
        b.ToTable("TransferItems");
        b.Property(x => x.Direction).HasConversion<string>().HasMaxLength(10);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.WeComState).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Rule).HasMaxLength(200);
        b.Property(x => x.MadaHistory).HasMaxLength(400);
        b.Property(x => x.AppealReason).HasMaxLength(500);
        b.Property(x => x.DecisionReason).HasMaxLength(500);
        b.Property(x => x.SkipReason).HasMaxLength(300);
        b.Property(x => x.WeComHandoverUserId).HasMaxLength(64);
        b.Property(x => x.WeComTakeoverUserId).HasMaxLength(64);
        b.Property(x => x.WeComNote).HasMaxLength(300);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.PlanId, x.Status });
        b.HasIndex(x => x.ClientId);
        b.HasIndex(x => new { x.WeComState, x.WeComTakeoverUserId });
        b.HasOne<TransferPlan>().WithMany().HasForeignKey(x => x.PlanId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<TransferPin> b)
    {
        b.ToTable("TransferPins");
        b.Property(x => x.Reason).HasMaxLength(300);
        b.HasIndex(x => x.ClientId);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<TransferDecision> b)
    {
        b.ToTable("TransferDecisions");
        b.Property(x => x.Action).HasMaxLength(40);
        b.Property(x => x.Reason).HasMaxLength(500);
        b.HasIndex(x => x.PlanId);
        b.HasIndex(x => x.ItemId);
    }

    public void Configure(EntityTypeBuilder<TransferClaim> b)
    {
        b.ToTable("TransferClaims");
        b.Property(x => x.Note).HasMaxLength(300);
        b.Property(x => x.DecisionReason).HasMaxLength(300);
        b.HasIndex(x => new { x.ClientId, x.Approved });
    }

    public void Configure(EntityTypeBuilder<WeComTransferRecord> b)
    {
        b.ToTable("WeComTransferRecords");
        b.Property(x => x.ExternalUserId).HasMaxLength(64);
        b.Property(x => x.HandoverUserId).HasMaxLength(64);
        b.Property(x => x.TakeoverUserId).HasMaxLength(64);
        b.HasIndex(x => new { x.ExternalUserId, x.At });
    }
}

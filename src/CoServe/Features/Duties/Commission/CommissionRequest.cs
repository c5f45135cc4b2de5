using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Duties.Commission;

public enum CommissionOrigin
{
    /// <summary>The client asked (service officer handoff or web chat).</summary>
    ClientRequest = 1,
    /// <summary>The client manager proposed it.</summary>
    ManagerProposal = 2,
}

public enum CommissionStatus
{
    /// <summary>The client asked; the manager has not proposed a rate yet.</summary>
    Requested = 1,
    PendingApproval = 2,
    Approved = 3,
    Rejected = 4,
    Withdrawn = 5,
}

/// <summary>
/// A commission adjustment (调佣): who asked, the proposed rate checked against the floor, the approval chain the
/// size of the discount requires, the effective date, and the SLA from request to answer.
/// </summary>
public sealed class CommissionRequest
{
    private readonly List<CommissionApproval> _approvals = [];

    private CommissionRequest()
    {
    }

    public CommissionRequest(long clientId, CommissionOrigin origin, int ownerStaffId, long? ticketId, CommissionRate currentRate, DateTimeOffset receivedAt, DateTimeOffset answerDueAt)
    {
        ClientId = clientId;
        Origin = origin;
        OwnerStaffId = ownerStaffId;
        TicketId = ticketId;
        CurrentRateUnits = currentRate.TenMillionths;
        ReceivedAt = receivedAt;
        AnswerDueAt = answerDueAt;
        Status = CommissionStatus.Requested;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public CommissionOrigin Origin { get; private set; }

    /// <summary>The client manager handling it (the commission duty holder).</summary>
    public int OwnerStaffId { get; private set; }

    /// <summary>The handoff ticket the client's request arrived with.</summary>
    public long? TicketId { get; private set; }

    public CommissionStatus Status { get; private set; }
    public long CurrentRateUnits { get; private set; }
    public long? ProposedRateUnits { get; private set; }
    public long? FloorRateUnits { get; private set; }

    /// <summary>Monthly average daily assets the floor was chosen by.</summary>
    public decimal? AssetsBasis { get; private set; }

    public DateOnly? EffectiveOn { get; private set; }

    /// <summary>Roles that must approve, in order, comma-separated (BranchHead,Compliance).</summary>
    public string ApprovalChain { get; private set; } = "";

    /// <summary>Index into the chain of the next approval.</summary>
    public int NextStep { get; private set; }

    public DateTimeOffset ReceivedAt { get; private set; }
    public DateTimeOffset AnswerDueAt { get; private set; }
    public DateTimeOffset? ProposedAt { get; private set; }
    public DateTimeOffset? DecidedAt { get; private set; }
    public DateTimeOffset? ReminderSentAt { get; private set; }
    public int EscalationLevel { get; private set; }
    public DateTimeOffset? EscalatedAt { get; private set; }

    /// <summary>Whether the client was told the answer (false when the outbound gate held the notice).</summary>
    public bool ClientNotified { get; private set; }

    public int Version { get; private set; }

    public IReadOnlyList<CommissionApproval> Approvals => _approvals;

    public CommissionRate CurrentRate => new(CurrentRateUnits);
    public CommissionRate? ProposedRate => ProposedRateUnits is { } p ? new CommissionRate(p) : null;
    public CommissionRate? FloorRate => FloorRateUnits is { } f ? new CommissionRate(f) : null;
    public bool IsOpen => Status is CommissionStatus.Requested or CommissionStatus.PendingApproval;

    public IReadOnlyList<Organization.StaffRole> Chain =>
        ApprovalChain.Length == 0 ? [] : ApprovalChain.Split(',').Select(Enum.Parse<Organization.StaffRole>).ToList();

    public Organization.StaffRole? NextApprover => Status == CommissionStatus.PendingApproval && NextStep < Chain.Count ? Chain[NextStep] : null;

    public void Propose(CommissionRate rate, CommissionRate floor, decimal assets, DateOnly effectiveOn, IReadOnlyList<Organization.StaffRole> chain, DateTimeOffset now)
    {
        if (!IsOpen) throw new InvalidOperationException("the request is already decided");
        ProposedRateUnits = rate.TenMillionths;
        FloorRateUnits = floor.TenMillionths;
        AssetsBasis = assets;
        EffectiveOn = effectiveOn;
        ApprovalChain = string.Join(",", chain);
        NextStep = 0;
        Status = CommissionStatus.PendingApproval;
        ProposedAt = now;
        Version++;
    }

    /// <summary>Records one approval; returns true when it was the last one the chain needs.</summary>
    public bool Approve(int staffId, Organization.StaffRole role, string? comment, DateTimeOffset now)
    {
        _approvals.Add(new CommissionApproval(this, NextStep, role, staffId, approved: true, comment, now));
        NextStep++;
        Version++;
        if (NextStep < Chain.Count) return false;
        Status = CommissionStatus.Approved;
        DecidedAt = now;
        return true;
    }

    public void Reject(int staffId, Organization.StaffRole role, string? comment, DateTimeOffset now)
    {
        _approvals.Add(new CommissionApproval(this, NextStep, role, staffId, approved: false, comment, now));
        Status = CommissionStatus.Rejected;
        DecidedAt = now;
        Version++;
    }

    public void Withdraw(DateTimeOffset now)
    {
        Status = CommissionStatus.Withdrawn;
        DecidedAt = now;
        Version++;
    }

    public void MarkNotified() => ClientNotified = true;

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

/// <summary>One step of the approval chain: who, in which role, approved or refused, when.</summary>
public sealed class CommissionApproval
{
    private CommissionApproval()
    {
    }

    internal CommissionApproval(CommissionRequest request, int step, Organization.StaffRole role, int staffId, bool approved, string? comment, DateTimeOffset at)
    {
        RequestId = request.Id;
        Step = step;
        Role = role;
        StaffId = staffId;
        Approved = approved;
        Comment = comment;
        At = at;
    }

    public long Id { get; private set; }
    public long RequestId { get; private set; }
    public int Step { get; private set; }
    public Organization.StaffRole Role { get; private set; }
    public int StaffId { get; private set; }
    public bool Approved { get; private set; }
    public string? Comment { get; private set; }
    public DateTimeOffset At { get; private set; }
}

/// <summary>A client's commission rate from a date on: the history behind the client's current rate.</summary>
public sealed class CommissionRateChange
{
    private CommissionRateChange()
    {
    }

    public CommissionRateChange(long clientId, CommissionRate rate, DateOnly effectiveOn, long? requestId, DateTimeOffset recordedAt)
    {
        ClientId = clientId;
        RateUnits = rate.TenMillionths;
        EffectiveOn = effectiveOn;
        RequestId = requestId;
        RecordedAt = recordedAt;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public long RateUnits { get; private set; }
    public DateOnly EffectiveOn { get; private set; }
    public long? RequestId { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }

    public CommissionRate Rate => new(RateUnits);
}

internal sealed class CommissionRequestConfiguration : IEntityTypeConfiguration<CommissionRequest>
{
    public void Configure(EntityTypeBuilder<CommissionRequest> b)
    {
        b.ToTable("CommissionRequests");
        b.Property(x => x.Origin).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ApprovalChain).HasMaxLength(100);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.CurrentRate);
        b.Ignore(x => x.ProposedRate);
        b.Ignore(x => x.FloorRate);
        b.Ignore(x => x.IsOpen);
        b.Ignore(x => x.Chain);
        b.Ignore(x => x.NextApprover);
        b.HasIndex(x => new { x.Status, x.AnswerDueAt });
        b.HasIndex(x => new { x.OwnerStaffId, x.Status });
        b.HasIndex(x => x.ClientId);
        b.HasIndex(x => x.TicketId);
        b.HasMany(x => x.Approvals).WithOne().HasForeignKey(x => x.RequestId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Approvals).HasField("_approvals");
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.OwnerStaffId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Handoffs.Ticket>().WithMany().HasForeignKey(x => x.TicketId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CommissionApprovalConfiguration : IEntityTypeConfiguration<CommissionApproval>
{
    public void Configure(EntityTypeBuilder<CommissionApproval> b)
    {
        b.ToTable("CommissionApprovals");
        b.Property(x => x.Role).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Comment).HasMaxLength(500);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.StaffId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CommissionRateChangeConfiguration : IEntityTypeConfiguration<CommissionRateChange>
{
    public void Configure(EntityTypeBuilder<CommissionRateChange> b)
    {
        b.ToTable("CommissionRates");
        b.Ignore(x => x.Rate);
        b.HasIndex(x => new { x.ClientId, x.EffectiveOn });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<CommissionRequest>().WithMany().HasForeignKey(x => x.RequestId).OnDelete(DeleteBehavior.Restrict);
    }
}

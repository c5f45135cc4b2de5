using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Duties.Aml;

/// <summary>A client's due-diligence dates the AML schedule works from (the risk level itself is on the client).</summary>
public sealed class AmlProfile
{
    private AmlProfile()
    {
    }

    public AmlProfile(long clientId) => ClientId = clientId;

    public long ClientId { get; private set; }

    /// <summary>When the client's identity document expires.</summary>
    public DateOnly? IdDocumentExpiresOn { get; set; }

    /// <summary>When identity, occupation and contact information were last confirmed.</summary>
    public DateOnly? KycUpdatedOn { get; set; }

    public DateOnly? LastReviewedOn { get; set; }
}

public enum AmlTaskKind
{
    /// <summary>Periodic review by risk level.</summary>
    PeriodicReview = 1,
    /// <summary>The identity document expires soon: collect the renewed one.</summary>
    IdDocumentExpiring = 2,
    /// <summary>Occupation and contact information are stale: refresh them.</summary>
    KycRefresh = 3,
}

public enum AmlTaskStatus
{
    Open = 1,
    Done = 2,
}

/// <summary>Due-diligence work for the AML duty owner; unique per client, kind and due date so the schedule is idempotent.</summary>
public sealed class AmlTask
{
    private AmlTask()
    {
    }

    public AmlTask(long clientId, AmlTaskKind kind, DateOnly dueOn, int? assigneeStaffId, DateTimeOffset createdAt)
    {
        ClientId = clientId;
        Kind = kind;
        DueOn = dueOn;
        AssigneeStaffId = assigneeStaffId;
        CreatedAt = createdAt;
        Status = AmlTaskStatus.Open;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public AmlTaskKind Kind { get; private set; }
    public DateOnly DueOn { get; private set; }
    public int? AssigneeStaffId { get; private set; }
    public AmlTaskStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public int? CompletedByStaffId { get; private set; }
    public DateTimeOffset? ReminderSentAt { get; private set; }
    public int Version { get; private set; }

    public void Complete(int staffId, DateTimeOffset now)
    {
        if (Status != AmlTaskStatus.Open) throw new InvalidOperationException("the task is already done");
        Status = AmlTaskStatus.Done;
        CompletedAt = now;
        CompletedByStaffId = staffId;
        Version++;
    }

    public void MarkReminded(DateTimeOffset now)
    {
        ReminderSentAt = now;
        Version++;
    }
}

public enum AmlRule
{
    /// <summary>Several amounts just below a large-value threshold on one day (拆分交易).</summary>
    Structuring = 1,
    /// <summary>Money in and (almost) all of it out again the same day (快进快出).</summary>
    RapidInOut = 2,
    /// <summary>Many different third-party counterparties on one day.</summary>
    ManyCounterparties = 3,
    /// <summary>Opened by a person from an AML-related handoff or observation.</summary>
    Manual = 4,
}

public enum AmlCaseStatus
{
    Open = 1,
    /// <summary>Compliance filed a suspicious-transaction report.</summary>
    Reported = 2,
    Dismissed = 3,
}

/// <summary>
/// A suspicious-pattern case for Compliance. Confidential: only Compliance and the client's AML duty owner ever see
/// it; the client and the service officer's team never learn of it (no tipping-off).
/// </summary>
public sealed class AmlCase
{
    private AmlCase()
    {
    }

    public AmlCase(long clientId, AmlRule rule, DateOnly day, string details, DateTimeOffset createdAt, DateTimeOffset dueAt, long? ticketId = null, int? openedByStaffId = null)
    {
        ClientId = clientId;
        Rule = rule;
        Day = day;
        Details = details;
        CreatedAt = createdAt;
        DueAt = dueAt;
        TicketId = ticketId;
        OpenedByStaffId = openedByStaffId;
        Status = AmlCaseStatus.Open;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public AmlRule Rule { get; private set; }

    /// <summary>The transaction day the pattern was seen on (the opening day for manual cases).</summary>
    public DateOnly Day { get; private set; }

    /// <summary>Non-personal facts as JSON: counts, totals in yuan, which rule fired with what parameters.</summary>
    public string Details { get; private set; } = "";

    public AmlCaseStatus Status { get; private set; }
    public long? TicketId { get; private set; }
    public int? OpenedByStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset DueAt { get; private set; }
    public DateTimeOffset? DecidedAt { get; private set; }
    public int? DecidedByStaffId { get; private set; }

    /// <summary>Encrypted (MessageText): Compliance's reasoning.</summary>
    public byte[]? DecisionCipher { get; private set; }

    public int Version { get; private set; }

    public void UpdateDetails(string details) => Details = details;

    public void Decide(AmlCaseStatus status, byte[]? reasonCipher, int staffId, DateTimeOffset now)
    {
        if (Status != AmlCaseStatus.Open) throw new InvalidOperationException("the case is already decided");
        if (status == AmlCaseStatus.Open) throw new ArgumentException("decide Reported or Dismissed", nameof(status));
        Status = status;
        DecisionCipher = reasonCipher;
        DecidedByStaffId = staffId;
        DecidedAt = now;
        Version++;
    }
}

public enum LargeValueCategory
{
    Cash = 1,
    NaturalDomesticTransfer = 2,
    NaturalCrossBorderTransfer = 3,
    NonNaturalTransfer = 4,
}

public enum ReportItemStatus
{
    Pending = 1,
    Reported = 2,
}

/// <summary>A large-value transaction report item (大额交易报告): one per client, day and category.</summary>
public sealed class AmlReportItem
{
    private AmlReportItem()
    {
    }

    public AmlReportItem(long clientId, DateOnly day, LargeValueCategory category, decimal total, decimal largestSingle, int count, DateTimeOffset createdAt, DateTimeOffset dueAt)
    {
        ClientId = clientId;
        Day = day;
        Category = category;
        Total = total;
        LargestSingle = largestSingle;
        Count = count;
        CreatedAt = createdAt;
        DueAt = dueAt;
        Status = ReportItemStatus.Pending;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public DateOnly Day { get; private set; }
    public LargeValueCategory Category { get; private set; }
    public decimal Total { get; private set; }
    public decimal LargestSingle { get; private set; }
    public int Count { get; private set; }
    public ReportItemStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset DueAt { get; private set; }
    public DateTimeOffset? ReportedAt { get; private set; }
    public int? ReportedByStaffId { get; private set; }

    /// <summary>A re-imported feed for the same day replaces the figures of a report not yet filed.</summary>
    public bool Refresh(decimal total, decimal largestSingle, int count)
    {
        if (Status != ReportItemStatus.Pending || (Total == total && LargestSingle == largestSingle && Count == count)) return false;
        Total = total;
        LargestSingle = largestSingle;
        Count = count;
        return true;
    }

    public void MarkReported(int staffId, DateTimeOffset now)
    {
        Status = ReportItemStatus.Reported;
        ReportedAt = now;
        ReportedByStaffId = staffId;
    }
}

/// <summary>One import of a transaction feed: what was read and found (the audit trail of the detection).</summary>
public sealed class AmlFeedRun
{
    private AmlFeedRun()
    {
    }

    public AmlFeedRun(string fileName, DateOnly? firstDay, DateOnly? lastDay, long rows, long rejected, int reportItems, int cases, DateTimeOffset at)
    {
        FileName = fileName;
        FirstDay = firstDay;
        LastDay = lastDay;
        Rows = rows;
        Rejected = rejected;
        ReportItems = reportItems;
        Cases = cases;
        At = at;
    }

    public long Id { get; private set; }
    public string FileName { get; private set; } = "";
    public DateOnly? FirstDay { get; private set; }
    public DateOnly? LastDay { get; private set; }
    public long Rows { get; private set; }
    public long Rejected { get; private set; }
    public int ReportItems { get; private set; }
    public int Cases { get; private set; }
    public DateTimeOffset At { get; private set; }
}

internal sealed class AmlConfiguration :
    IEntityTypeConfiguration<AmlProfile>,
    IEntityTypeConfiguration<AmlTask>,
    IEntityTypeConfiguration<AmlCase>,
    IEntityTypeConfiguration<AmlReportItem>,
    IEntityTypeConfiguration<AmlFeedRun>
{
    public void Configure(EntityTypeBuilder<AmlProfile> b)
    {
        b.ToTable("AmlProfiles");
        b.HasKey(x => x.ClientId);
        b.HasOne<Clients.Client>().WithOne().HasForeignKey<AmlProfile>(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<AmlTask> b)
    {
        b.ToTable("AmlTasks");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.ClientId, x.Kind, x.DueOn }).IsUnique();
        b.HasIndex(x => new { x.AssigneeStaffId, x.Status });
        b.HasIndex(x => new { x.Status, x.DueOn });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.AssigneeStaffId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<AmlCase> b)
    {
        b.ToTable("AmlCases");
        b.Property(x => x.Rule).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Details).HasMaxLength(2000);
        b.Property(x => x.Version).IsConcurrencyToken();
        // One case per client, day and rule: re-importing a day's feed never opens the same case twice.
        b.HasIndex(x => new { x.ClientId, x.Day, x.Rule }).IsUnique().HasFilter("\"Rule\" <> 'Manual'");
        b.HasIndex(x => new { x.Status, x.DueAt });
        b.HasIndex(x => x.TicketId);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Handoffs.Ticket>().WithMany().HasForeignKey(x => x.TicketId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<AmlReportItem> b)
    {
        b.ToTable("AmlReportItems");
        b.Property(x => x.Category).HasConversion<string>().HasMaxLength(28);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(10);
        b.HasIndex(x => new { x.ClientId, x.Day, x.Category }).IsUnique();
        b.HasIndex(x => new { x.Status, x.DueAt });
        b.HasIndex(x => x.Day);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<AmlFeedRun> b)
    {
        b.ToTable("AmlFeedRuns");
        b.Property(x => x.FileName).HasMaxLength(260);
    }
}

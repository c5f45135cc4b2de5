using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Outreach;

/// <summary>
/// One decision of the gate with its explanation: the record behind "why didn't the client get this?" (PIPL:
/// explainable automated decisions). Allowed conversation replies are recorded compactly, as their
/// <see cref="OutboundSend"/> row only. The text is not kept here; its fingerprint is.
/// </summary>
public sealed class GateDecisionRecord
{
    private GateDecisionRecord()
    {
    }

    public GateDecisionRecord(OutboundCandidate c, long fingerprint, GateOutcome outcome, DateTimeOffset at)
    {
        ClientId = c.ClientId;
        Channel = c.Channel;
        Sender = c.Sender;
        SenderStaffId = c.SenderStaffId;
        Purpose = c.Purpose;
        Fingerprint = fingerprint;
        ContentVersionId = c.ContentVersionId;
        CampaignId = c.CampaignId;
        Title = Truncate(c.Title, 100);
        Verdict = outcome.Verdict;
        Rule = outcome.Rule;
        Explanation = Truncate(outcome.Explanation, 300);
        DeferUntil = outcome.DeferUntil;
        Confirmed = outcome.Verdict == GateVerdict.Warn && c.Confirmed;
        At = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public string Channel { get; private set; } = "";
    public OutboundSender Sender { get; private set; }
    public int? SenderStaffId { get; private set; }
    public OutboundPurpose Purpose { get; private set; }
    public long Fingerprint { get; private set; }
    public long? ContentVersionId { get; private set; }
    public long? CampaignId { get; private set; }
    public string? Title { get; private set; }
    public GateVerdict Verdict { get; private set; }
    public string? Rule { get; private set; }
    public string? Explanation { get; private set; }
    public DateTimeOffset? DeferUntil { get; private set; }

    /// <summary>A warning staff confirmed: the message went out.</summary>
    public bool Confirmed { get; private set; }
    public DateTimeOffset At { get; private set; }

    internal static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

/// <summary>
/// One message the client received (the send ledger): compact enough to read a client's last weeks in one
/// indexed query for de-duplication, and to stream for a million clients when a campaign is planned.
/// Written in the sender's own transaction, so only messages that were stored count.
/// </summary>
public sealed class OutboundSend
{
    private OutboundSend()
    {
    }

    public OutboundSend(OutboundCandidate c, TextSketch sketch, DateTimeOffset at)
    {
        ClientId = c.ClientId;
        Channel = c.Channel;
        Sender = c.Sender;
        SenderStaffId = c.SenderStaffId;
        Purpose = c.Purpose;
        Fingerprint = sketch.Fingerprint;
        NumbersHash = sketch.NumbersHash;
        Shingles = sketch.Shingles;
        Sketch = sketch.MinHashes.Length == 0 ? null : sketch.SketchBytes;
        ContentVersionId = c.ContentVersionId;
        CampaignId = c.CampaignId;
        Title = GateDecisionRecord.Truncate(c.Title, 100);
        Warned = c.Confirmed;
        At = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Channel { get; private set; } = "";
    public OutboundSender Sender { get; private set; }
    public int? SenderStaffId { get; private set; }
    public OutboundPurpose Purpose { get; private set; }
    public long Fingerprint { get; private set; }
    public long NumbersHash { get; private set; }
    public int Shingles { get; private set; }
    public byte[]? Sketch { get; private set; }
    public long? ContentVersionId { get; private set; }
    public long? CampaignId { get; private set; }
    public string? Title { get; private set; }

    /// <summary>Sent by staff after confirming a gate warning.</summary>
    public bool Warned { get; private set; }

    public RecentSend ToRecent() => new(Sender, SenderStaffId, At, Title, Fingerprint, NumbersHash, Shingles, Sketch);
}

/// <summary>
/// Sends counted per client, category and cap period. The count only moves by a conditional upsert
/// ("+1 where below the cap"), so two senders racing for the last slot cannot both pass, on either store.
/// </summary>
public sealed class GateCounter
{
    private GateCounter()
    {
    }

    public long ClientId { get; private set; }
    public OutboundCategory Category { get; private set; }
    public CapPeriod Period { get; private set; }

    /// <summary>First day of the period as yyyyMMdd (Shanghai): the day, the ISO week's Monday, the month's first.</summary>
    public int PeriodStart { get; private set; }
    public int Count { get; private set; }
}

/// <summary>
/// One row per client that every gate decision for the client updates first, inside the sender's
/// transaction: decisions for one client are serialised, so two senders cannot both pass a cap or both find
/// the de-duplication window empty. Decisions for different clients do not wait for each other (PostgreSQL).
/// </summary>
public sealed class GateClientLock
{
    private GateClientLock()
    {
    }

    public long ClientId { get; private set; }
    public long Decisions { get; private set; }
}

/// <summary>A client's opt-out (退订) of a category on a channel; "*" stands for every channel.</summary>
public sealed class OutreachOptOut
{
    private OutreachOptOut()
    {
    }

    public OutreachOptOut(long clientId, string channel, OptOutPurposes purposes, string source, DateTimeOffset at)
    {
        ClientId = clientId;
        Channel = channel;
        Purposes = purposes;
        Source = source;
        ChangedAt = at;
    }

    public long Id { get; private set; }
    public long ClientId { get; private set; }
    public string Channel { get; private set; } = "";
    public OptOutPurposes Purposes { get; private set; }
    public string Source { get; private set; } = "";
    public DateTimeOffset ChangedAt { get; private set; }

    public void Change(OptOutPurposes purposes, string source, DateTimeOffset at)
    {
        Purposes = purposes;
        Source = source;
        ChangedAt = at;
    }
}

/// <summary>WeCom group messages per customer and cap period, shared by every node (replaces the in-memory ledger).</summary>
public sealed class WeComGroupQuota
{
    private WeComGroupQuota()
    {
    }

    public string ExternalUserId { get; private set; } = "";
    public string PeriodKey { get; private set; } = "";
    public int Count { get; private set; }
}

internal sealed class GateDecisionRecordConfiguration : IEntityTypeConfiguration<GateDecisionRecord>
{
    public void Configure(EntityTypeBuilder<GateDecisionRecord> b)
    {
        b.ToTable("GateDecisions");
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Sender).HasConversion<short>();
        b.Property(x => x.Purpose).HasConversion<short>();
        b.Property(x => x.Verdict).HasConversion<short>();
        b.Property(x => x.Rule).HasMaxLength(32);
        b.Property(x => x.Title).HasMaxLength(100);
        b.Property(x => x.Explanation).HasMaxLength(300);
        b.HasIndex(x => new { x.ClientId, x.At });
        b.HasIndex(x => x.CampaignId).HasFilter("\"CampaignId\" IS NOT NULL");
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OutboundSendConfiguration : IEntityTypeConfiguration<OutboundSend>
{
    public void Configure(EntityTypeBuilder<OutboundSend> b)
    {
        b.ToTable("OutboundSends");
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Sender).HasConversion<short>();
        b.Property(x => x.Purpose).HasConversion<short>();
        b.Property(x => x.Title).HasMaxLength(100);
        b.Property(x => x.Sketch).HasMaxLength(TextSketch.K * 4);
        b.HasIndex(x => new { x.ClientId, x.At });
        // Campaign planning reads the de-duplication window across all clients; retention deletes by age.
        b.HasIndex(x => x.At);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GateCounterConfiguration : IEntityTypeConfiguration<GateCounter>
{
    public void Configure(EntityTypeBuilder<GateCounter> b)
    {
        b.ToTable("GateCounters");
        b.HasKey(x => new { x.ClientId, x.Category, x.Period, x.PeriodStart });
        b.Property(x => x.Category).HasConversion<short>();
        b.Property(x => x.Period).HasConversion<short>();
        b.HasIndex(x => new { x.Category, x.Period, x.PeriodStart });
    }
}

internal sealed class GateClientLockConfiguration : IEntityTypeConfiguration<GateClientLock>
{
    public void Configure(EntityTypeBuilder<GateClientLock> b)
    {
        b.ToTable("GateClientLocks");
        b.HasKey(x => x.ClientId);
        b.Property(x => x.ClientId).ValueGeneratedNever();
    }
}

internal sealed class OutreachOptOutConfiguration : IEntityTypeConfiguration<OutreachOptOut>
{
    public void Configure(EntityTypeBuilder<OutreachOptOut> b)
    {
        b.ToTable("OutreachOptOuts");
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Purposes).HasConversion<int>();
        b.Property(x => x.Source).HasMaxLength(64);
        b.HasIndex(x => new { x.ClientId, x.Channel }).IsUnique();
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WeComGroupQuotaConfiguration : IEntityTypeConfiguration<WeComGroupQuota>
{
    public void Configure(EntityTypeBuilder<WeComGroupQuota> b)
    {
        b.ToTable("WeComGroupQuotas");
        b.HasKey(x => new { x.ExternalUserId, x.PeriodKey });
        b.Property(x => x.ExternalUserId).HasMaxLength(64);
        b.Property(x => x.PeriodKey).HasMaxLength(16);
    }
}

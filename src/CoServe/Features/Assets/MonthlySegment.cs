using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Assets;

/// <summary>A client's MADA and tier for one month: the history behind tiers, transfers and reports.</summary>
public sealed class MonthlySegment
{
    private MonthlySegment()
    {
    }

    public MonthlySegment(long clientId, int month, decimal mada, AssetTier tier, string? reportingTier, MadaMode mode, DateTimeOffset computedAt)
    {
        ClientId = clientId;
        Month = month;
        Mada = mada;
        Tier = tier;
        ReportingTier = reportingTier;
        Mode = mode;
        ComputedAt = computedAt;
    }

    public long ClientId { get; private set; }
    public int Month { get; private set; }
    public decimal Mada { get; private set; }
    public AssetTier Tier { get; private set; }
    public string? ReportingTier { get; private set; }
    public MadaMode Mode { get; private set; }
    public DateTimeOffset ComputedAt { get; private set; }
}

/// <summary>One computation of a month's segments: when, how, and the totals.</summary>
public sealed class SegmentationRun
{
    private SegmentationRun()
    {
    }

    public SegmentationRun(int month, MadaMode mode, decimal thresholdYuan, int clients, int baseClients, DateTimeOffset computedAt)
    {
        Month = month;
        Mode = mode;
        Threshold = thresholdYuan;
        Clients = clients;
        BaseClients = baseClients;
        ComputedAt = computedAt;
    }

    public long Id { get; private set; }
    public int Month { get; private set; }
    public MadaMode Mode { get; private set; }
    public decimal Threshold { get; private set; }
    public int Clients { get; private set; }
    public int BaseClients { get; private set; }
    public DateTimeOffset ComputedAt { get; private set; }
}

internal sealed class MonthlySegmentConfiguration : IEntityTypeConfiguration<MonthlySegment>
{
    public void Configure(EntityTypeBuilder<MonthlySegment> b)
    {
        b.ToTable("MonthlySegments");
        b.HasKey(x => new { x.Month, x.ClientId });
        b.HasIndex(x => new { x.ClientId, x.Month });
        b.HasIndex(x => new { x.Month, x.Tier });
        b.Property(x => x.Tier).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.Mode).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.ReportingTier).HasMaxLength(32);
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SegmentationRunConfiguration : IEntityTypeConfiguration<SegmentationRun>
{
    public void Configure(EntityTypeBuilder<SegmentationRun> b)
    {
        b.ToTable("SegmentationRuns");
        b.HasIndex(x => x.Month);
        b.Property(x => x.Mode).HasConversion<string>().HasMaxLength(8);
    }
}

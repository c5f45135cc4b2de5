using CoServe.Features.Assets;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Features.Security;
using CoServe.Features.Timeline;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CoServe.Data;

/// <summary>
/// The unit of work for all features. Each entity's configuration lives in its feature folder. Two
/// provider-specific subclasses carry the SQLite and PostgreSQL migration sets.
/// </summary>
public abstract class CoServeDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Branch> Branches => Set<Branch>();
    public DbSet<StaffMember> Staff => Set<StaffMember>();
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<ClientServicer> ClientServicers => Set<ClientServicer>();
    public DbSet<ClientConsent> ClientConsents => Set<ClientConsent>();
    public DbSet<AssetMonth> AssetMonths => Set<AssetMonth>();
    public DbSet<MonthlySegment> MonthlySegments => Set<MonthlySegment>();
    public DbSet<SegmentationRun> SegmentationRuns => Set<SegmentationRun>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<PersonalDataAccess> PersonalDataAccesses => Set<PersonalDataAccess>();
    public DbSet<Features.Privacy.DataRightsRequest> DataRightsRequests => Set<Features.Privacy.DataRightsRequest>();
    public DbSet<TimelineEvent> TimelineEvents => Set<TimelineEvent>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<OfficerWorkItem> OfficerWorkItems => Set<OfficerWorkItem>();
    public DbSet<Ticket> Tickets => Set<Ticket>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<StaffNotification> StaffNotifications => Set<StaffNotification>();
    public DbSet<StaffNotificationDelivery> StaffNotificationDeliveries => Set<StaffNotificationDelivery>();
    public DbSet<ReadMarker> ReadMarkers => Set<ReadMarker>();
    public DbSet<CannedReply> CannedReplies => Set<CannedReply>();
    public DbSet<Features.Transfers.TransferPlan> TransferPlans => Set<Features.Transfers.TransferPlan>();
    public DbSet<Features.Transfers.TransferItem> TransferItems => Set<Features.Transfers.TransferItem>();
    public DbSet<Features.Transfers.TransferPin> TransferPins => Set<Features.Transfers.TransferPin>();
    public DbSet<Features.Transfers.TransferDecision> TransferDecisions => Set<Features.Transfers.TransferDecision>();
    public DbSet<Features.Transfers.TransferClaim> TransferClaims => Set<Features.Transfers.TransferClaim>();
    public DbSet<Features.Transfers.WeComTransferRecord> WeComTransferRecords => Set<Features.Transfers.WeComTransferRecord>();
    public DbSet<Features.Channels.WebChat.ChatLoginCode> ChatLoginCodes => Set<Features.Channels.WebChat.ChatLoginCode>();
    public DbSet<Features.Duties.Commission.CommissionRequest> CommissionRequests => Set<Features.Duties.Commission.CommissionRequest>();
    public DbSet<Features.Duties.Commission.CommissionRateChange> CommissionRates => Set<Features.Duties.Commission.CommissionRateChange>();
    public DbSet<Features.Duties.Complaints.Complaint> Complaints => Set<Features.Duties.Complaints.Complaint>();
    public DbSet<Features.Duties.Callbacks.ClientCallback> ClientCallbacks => Set<Features.Duties.Callbacks.ClientCallback>();
    public DbSet<Features.Duties.Aml.AmlProfile> AmlProfiles => Set<Features.Duties.Aml.AmlProfile>();
    public DbSet<Features.Duties.Aml.AmlTask> AmlTasks => Set<Features.Duties.Aml.AmlTask>();
    public DbSet<Features.Duties.Aml.AmlCase> AmlCases => Set<Features.Duties.Aml.AmlCase>();
    public DbSet<Features.Duties.Aml.AmlReportItem> AmlReportItems => Set<Features.Duties.Aml.AmlReportItem>();
    public DbSet<Features.Duties.Aml.AmlFeedRun> AmlFeedRuns => Set<Features.Duties.Aml.AmlFeedRun>();
    public DbSet<GateDecisionRecord> GateDecisions => Set<GateDecisionRecord>();
    public DbSet<OutboundSend> OutboundSends => Set<OutboundSend>();
    public DbSet<GateCounter> GateCounters => Set<GateCounter>();
    public DbSet<GateClientLock> GateClientLocks => Set<GateClientLock>();
    public DbSet<OutreachOptOut> OutreachOptOuts => Set<OutreachOptOut>();
    public DbSet<WeComGroupQuota> WeComGroupQuotas => Set<WeComGroupQuota>();
    public DbSet<ContentItem> ContentItems => Set<ContentItem>();
    public DbSet<ContentVersion> ContentVersions => Set<ContentVersion>();
    public DbSet<ClientTag> ClientTags => Set<ClientTag>();
    public DbSet<ClientHolding> ClientHoldings => Set<ClientHolding>();
    public DbSet<Audience> Audiences => Set<Audience>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CampaignVariant> CampaignVariants => Set<CampaignVariant>();
    public DbSet<CampaignRecipient> CampaignRecipients => Set<CampaignRecipient>();
    public DbSet<CampaignTask> CampaignTasks => Set<CampaignTask>();
    public DbSet<Features.ServiceOfficer.Knowledge.KnowledgeItem> KnowledgeItems => Set<Features.ServiceOfficer.Knowledge.KnowledgeItem>();
    public DbSet<Features.ServiceOfficer.Knowledge.KnowledgeVersion> KnowledgeVersions => Set<Features.ServiceOfficer.Knowledge.KnowledgeVersion>();
    public DbSet<Features.ServiceOfficer.Knowledge.KnowledgeChange> KnowledgeChanges => Set<Features.ServiceOfficer.Knowledge.KnowledgeChange>();
    public DbSet<Features.ServiceOfficer.RuleLists.RuleList> RuleLists => Set<Features.ServiceOfficer.RuleLists.RuleList>();
    public DbSet<Features.ServiceOfficer.RuleLists.RuleListChange> RuleListChanges => Set<Features.ServiceOfficer.RuleLists.RuleListChange>();
    public DbSet<Features.ServiceOfficer.Guardrails.GuardrailBlock> GuardrailBlocks => Set<Features.ServiceOfficer.Guardrails.GuardrailBlock>();
    public DbSet<Features.Channels.WeCom.Stored.WeComInboxEntry> WeComInbox => Set<Features.Channels.WeCom.Stored.WeComInboxEntry>();
    public DbSet<Features.Channels.WeCom.Stored.WeComCursor> WeComCursors => Set<Features.Channels.WeCom.Stored.WeComCursor>();
    public DbSet<Features.Channels.WeCom.Stored.WeComAccessTokenEntry> WeComAccessTokens => Set<Features.Channels.WeCom.Stored.WeComAccessTokenEntry>();
    public DbSet<Features.Channels.WeCom.Stored.WeComDelivery> WeComDeliveries => Set<Features.Channels.WeCom.Stored.WeComDelivery>();
    public DbSet<Features.Channels.WeCom.Stored.WeComContactRow> WeComContacts => Set<Features.Channels.WeCom.Stored.WeComContactRow>();
    public DbSet<Features.Coverage.WeComContactMatch> WeComContactMatches => Set<Features.Coverage.WeComContactMatch>();
    public DbSet<Features.Coverage.WeComLinkAudit> WeComLinkAudits => Set<Features.Coverage.WeComLinkAudit>();
    public DbSet<Features.Channels.WeCom.Archive.ArchiveCursor> ArchiveCursors => Set<Features.Channels.WeCom.Archive.ArchiveCursor>();
    public DbSet<Features.Channels.WeCom.Archive.ArchiveFailure> ArchiveFailures => Set<Features.Channels.WeCom.Archive.ArchiveFailure>();
    public DbSet<Features.Channels.WeCom.Archive.ArchiveGap> ArchiveGaps => Set<Features.Channels.WeCom.Archive.ArchiveGap>();

    public abstract bool IsSqlite { get; }

    /// <summary>
    /// Holds the connection open until the context is disposed, for a unit of work that runs several statements
    /// outside a transaction: EF otherwise opens and closes it around each one. On SQLite an open costs more than a
    /// small query, because Microsoft.Data.Sqlite registers EF's custom functions with the native connection again
    /// on every open (the hot path's largest single source of allocations before this).
    /// </summary>
    public Task HoldConnectionAsync(CancellationToken ct) => Database.OpenConnectionAsync(ct);

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CoServeDb).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Money is decimal yuan in code and whole fen in storage: exact sums and ordering on both providers.
        configurationBuilder.Properties<decimal>().HaveConversion<YuanToFenConverter>();
        configurationBuilder.Properties<CalendarMonth>().HaveConversion<CalendarMonthConverter>();
    }
}

public sealed class SqliteCoServeDb(DbContextOptions<SqliteCoServeDb> options) : CoServeDb(options)
{
    public override bool IsSqlite => true;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // SQLite has no instant type that EF can compare or order; store UTC ticks.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }
}

public sealed class PostgresCoServeDb(DbContextOptions<PostgresCoServeDb> options) : CoServeDb(options)
{
    public override bool IsSqlite => false;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // Client numbers sort and prefix-match bytewise, as on SQLite, so range scans use the index.
        modelBuilder.Entity<Client>().Property(c => c.ClientNo).UseCollation("C");
    }
}

internal sealed class YuanToFenConverter() : ValueConverter<decimal, long>(
    yuan => (long)decimal.Round(yuan * 100m, 0, MidpointRounding.AwayFromZero),
    fen => fen / 100m);

internal sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    instant => instant.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));

internal sealed class CalendarMonthConverter() : ValueConverter<CalendarMonth, int>(
    month => month.Key,
    key => CalendarMonth.FromKey(key));

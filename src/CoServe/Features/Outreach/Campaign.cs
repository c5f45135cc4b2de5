using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Outreach;

public enum CampaignStatus
{
    Draft = 1,
    Scheduled = 2,
    Running = 3,
    Completed = 4,
    Cancelled = 5,
}

/// <summary>
/// A targeted push (精准推送): content variants to an audience over one channel, scheduled and throttled. The
/// audience is frozen into recipient rows when the campaign starts; each recipient is then sent exactly once.
/// </summary>
public sealed class Campaign
{
    private readonly List<CampaignVariant> _variants = [];

    private Campaign()
    {
    }

    public Campaign(string name, string channel, OutboundPurpose purpose, bool urgent, AudienceFilter filter, long? audienceId, int throttlePerMinute, int createdBy, DateTimeOffset now)
    {
        CreatedBy = createdBy;
        CreatedAt = now;
        Status = CampaignStatus.Draft;
        Update(name, channel, purpose, urgent, filter, audienceId, throttlePerMinute, now);
    }

    public long Id { get; private set; }
    public string Name { get; private set; } = "";
    public string Channel { get; private set; } = "";
    public OutboundPurpose Purpose { get; private set; }
    public bool Urgent { get; private set; }
    public long? AudienceId { get; private set; }
    public string FilterJson { get; private set; } = "{}";
    public bool Personalised { get; private set; }
    public int ThrottlePerMinute { get; private set; }
    public CampaignStatus Status { get; private set; }
    public DateTimeOffset? ScheduledAt { get; private set; }
    public int CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>When the recipients were written: from then on the audience is fixed.</summary>
    public DateTimeOffset? PlannedAt { get; private set; }
    public int Recipients { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public int? CancelledBy { get; private set; }
    public int Version { get; private set; }

    public IReadOnlyList<CampaignVariant> Variants => _variants;

    public AudienceFilter Filter => AudienceFilter.FromJson(FilterJson);

    public void Update(string name, string channel, OutboundPurpose purpose, bool urgent, AudienceFilter filter, long? audienceId, int throttlePerMinute, DateTimeOffset now)
    {
        if (Status != CampaignStatus.Draft) throw new InvalidOperationException("only a draft campaign can be changed");
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) throw new ArgumentException("a campaign name has 1-100 characters", nameof(name));
        if (channel is not (OutreachChannels.WebChat or OutreachChannels.WeCom or OutreachChannels.WeComGroup)) throw new ArgumentException("channel is webchat, wecom or wecom-group", nameof(channel));
        if (purpose == OutboundPurpose.ConversationReply || !Enum.IsDefined(purpose)) throw new ArgumentException("a campaign is a service notice, marketing or research", nameof(purpose));
        if (throttlePerMinute < 1) throw new ArgumentException("the throttle is at least one message per minute", nameof(throttlePerMinute));
        Name = name.Trim();
        Channel = channel;
        Purpose = purpose;
        Urgent = urgent && purpose == OutboundPurpose.ServiceNotice;
        FilterJson = filter.ToJson();
        Personalised = filter.IsPersonalised;
        AudienceId = audienceId;
        ThrottlePerMinute = throttlePerMinute;
        Touch(now);
    }

    public void SetVariants(IReadOnlyList<(string Label, long ContentVersionId, int Weight)> variants, DateTimeOffset now)
    {
        if (Status != CampaignStatus.Draft) throw new InvalidOperationException("only a draft campaign can be changed");
        if (variants.Count is 0 or > 4) throw new ArgumentException("a campaign has 1-4 variants", nameof(variants));
        if (variants.Sum(v => v.Weight) != 100 || variants.Any(v => v.Weight < 1)) throw new ArgumentException("variant weights are positive and add up to 100", nameof(variants));
        if (variants.Select(v => v.Label).Distinct(StringComparer.Ordinal).Count() != variants.Count) throw new ArgumentException("variant labels differ", nameof(variants));
        _variants.Clear();
        foreach (var (label, versionId, weight) in variants) _variants.Add(new CampaignVariant(label, versionId, weight));
        Touch(now);
    }

    public void Schedule(DateTimeOffset at, DateTimeOffset now)
    {
        if (Status != CampaignStatus.Draft) throw new InvalidOperationException("only a draft campaign can be scheduled");
        if (_variants.Count == 0) throw new InvalidOperationException("choose the content first");
        Status = CampaignStatus.Scheduled;
        ScheduledAt = at < now ? now : at;
        Touch(now);
    }

    /// <summary>Back to draft before it started, to change it.</summary>
    public void Unschedule(DateTimeOffset now)
    {
        if (Status != CampaignStatus.Scheduled) throw new InvalidOperationException("only a scheduled campaign that has not started can go back to draft");
        Status = CampaignStatus.Draft;
        ScheduledAt = null;
        Touch(now);
    }

    public void Start(DateTimeOffset now)
    {
        if (Status != CampaignStatus.Scheduled) throw new InvalidOperationException($"a {Status} campaign cannot start");
        Status = CampaignStatus.Running;
        StartedAt = now;
        Touch(now);
    }

    public void Planned(int recipients, DateTimeOffset now)
    {
        PlannedAt = now;
        Recipients = recipients;
        Touch(now);
    }

    public void Complete(DateTimeOffset now)
    {
        if (Status != CampaignStatus.Running) return;
        Status = CampaignStatus.Completed;
        CompletedAt = now;
        Touch(now);
    }

    public void Cancel(int staffId, DateTimeOffset now)
    {
        if (Status is CampaignStatus.Completed or CampaignStatus.Cancelled) throw new InvalidOperationException($"the campaign is already {Status}");
        Status = CampaignStatus.Cancelled;
        CancelledAt = now;
        CancelledBy = staffId;
        Touch(now);
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}

public sealed class CampaignVariant
{
    private CampaignVariant()
    {
    }

    public CampaignVariant(string label, long contentVersionId, int weight)
    {
        Label = label;
        ContentVersionId = contentVersionId;
        Weight = weight;
    }

    public long Id { get; private set; }
    public long CampaignId { get; private set; }
    public string Label { get; private set; } = "";
    public long ContentVersionId { get; private set; }

    /// <summary>Share of recipients in percent; recipients are assigned by a stable hash, so a restart assigns the same.</summary>
    public int Weight { get; private set; }
}

public enum RecipientStatus
{
    /// <summary>Waiting to be sent (or retried after a deferral).</summary>
    Pending = 1,
    /// <summary>Stored on the timeline and handed to the channel's outbox.</summary>
    Sent = 2,
    /// <summary>Held back by the gate; the rule and explanation say why.</summary>
    Blocked = 3,
    /// <summary>Held until <see cref="CampaignRecipient.NotBefore"/> (quiet hours).</summary>
    Deferred = 4,
    /// <summary>Passed the gate; waits to be put into a WeCom group-message task.</summary>
    Queued = 5,
    /// <summary>In a WeCom group-message task the staff member confirms.</summary>
    Tasked = 6,
    /// <summary>The channel could not take it (no WeCom contact, refused by WeCom, outcome unknown after a crash).</summary>
    Failed = 7,
    /// <summary>Not sent because the campaign was cancelled.</summary>
    Cancelled = 8,
}

/// <summary>
/// One client in a campaign: the unique (campaign, client) row every send is claimed through, in the same
/// transaction that writes the message and its outbox row, so a restart never sends anyone anything twice.
/// </summary>
public sealed class CampaignRecipient
{
    private CampaignRecipient()
    {
    }

    public long CampaignId { get; private set; }
    public long ClientId { get; private set; }
    public string Variant { get; private set; } = "";
    public RecipientStatus Status { get; private set; }
    public string? Rule { get; private set; }
    public string? Explanation { get; private set; }
    public DateTimeOffset? NotBefore { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? SentAt { get; private set; }
    public long? TimelineEventId { get; private set; }
    public long? OutboxId { get; private set; }

    /// <summary>WeCom group messages: the staff member whose task carries the message, and the task.</summary>
    public int? StaffId { get; private set; }
    public long? TaskId { get; private set; }
    public DateTimeOffset? ReadAt { get; private set; }
    public DateTimeOffset? ClickedAt { get; private set; }

    public void Sent(long timelineEventId, long? outboxId, DateTimeOffset now)
    {
        Status = RecipientStatus.Sent;
        TimelineEventId = timelineEventId;
        OutboxId = outboxId;
        SentAt = now;
        UpdatedAt = now;
    }

    public void HeldBack(RecipientStatus status, string? rule, string? explanation, DateTimeOffset? notBefore, DateTimeOffset now)
    {
        Status = status;
        Rule = rule;
        Explanation = GateDecisionRecord.Truncate(explanation, 300);
        NotBefore = notBefore;
        UpdatedAt = now;
    }

    /// <summary>A try that ended in an error (its claim rolled back): counted; at the last allowed try the recipient is failed for good.</summary>
    public void AttemptFailed(int maxAttempts, string rule, string explanation, DateTimeOffset now)
    {
        Attempts++;
        UpdatedAt = now;
        if (Attempts >= maxAttempts) HeldBack(RecipientStatus.Failed, rule, explanation, null, now);
    }

    public void Queue(int? staffId, DateTimeOffset now)
    {
        Status = RecipientStatus.Queued;
        StaffId = staffId;
        Rule = null;
        Explanation = null;
        UpdatedAt = now;
    }

    public void Tasked(long taskId, long timelineEventId, DateTimeOffset now)
    {
        Status = RecipientStatus.Tasked;
        TaskId = taskId;
        TimelineEventId = timelineEventId;
        SentAt = now;
        UpdatedAt = now;
    }

    public void Read(DateTimeOffset at) => ReadAt ??= at;

    public void Clicked(DateTimeOffset at)
    {
        ClickedAt ??= at;
        ReadAt ??= at;
    }
}

public enum CampaignTaskStatus
{
    /// <summary>Recipients claimed; the call to WeCom is being made.</summary>
    Calling = 1,
    Created = 2,
    Failed = 3,
    /// <summary>Found in Calling after a restart: WeCom may or may not have the task. Never retried automatically.</summary>
    Unknown = 4,
}

/// <summary>One WeCom group-message task (add_msg_template) for one staff member's clients in a campaign.</summary>
public sealed class CampaignTask
{
    private CampaignTask()
    {
    }

    public CampaignTask(long campaignId, int? staffId, string senderUserId, DateTimeOffset now)
    {
        CampaignId = campaignId;
        StaffId = staffId;
        SenderUserId = senderUserId;
        Status = CampaignTaskStatus.Calling;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public long Id { get; private set; }
    public long CampaignId { get; private set; }

    /// <summary>Null: the service officer's WeCom account sends.</summary>
    public int? StaffId { get; private set; }
    public string SenderUserId { get; private set; } = "";
    public CampaignTaskStatus Status { get; private set; }
    public string? MsgId { get; private set; }
    public int Included { get; private set; }
    public string? Error { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public void Done(CampaignTaskStatus status, string? msgId, int included, string? error, DateTimeOffset now)
    {
        Status = status;
        MsgId = msgId;
        Included = included;
        Error = GateDecisionRecord.Truncate(error, 300);
        UpdatedAt = now;
    }
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> b)
    {
        b.ToTable("Campaigns");
        b.Property(x => x.Name).HasMaxLength(100);
        b.Property(x => x.Channel).HasMaxLength(24);
        b.Property(x => x.Purpose).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.FilterJson).HasMaxLength(8000);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.Filter);
        b.HasIndex(x => new { x.Status, x.ScheduledAt });
        b.HasMany(x => x.Variants).WithOne().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Variants).HasField("_variants");
        b.HasOne<Organization.StaffMember>().WithMany().HasForeignKey(x => x.CreatedBy).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CampaignVariantConfiguration : IEntityTypeConfiguration<CampaignVariant>
{
    public void Configure(EntityTypeBuilder<CampaignVariant> b)
    {
        b.ToTable("CampaignVariants");
        b.Property(x => x.Label).HasMaxLength(4);
        b.HasIndex(x => new { x.CampaignId, x.Label }).IsUnique();
        b.HasOne<ContentVersion>().WithMany().HasForeignKey(x => x.ContentVersionId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> b)
    {
        b.ToTable("CampaignRecipients");
        b.HasKey(x => new { x.CampaignId, x.ClientId });
        b.Property(x => x.Variant).HasMaxLength(4);
        b.Property(x => x.Status).HasConversion<short>();
        b.Property(x => x.Rule).HasMaxLength(32);
        b.Property(x => x.Explanation).HasMaxLength(300);
        b.HasIndex(x => new { x.CampaignId, x.Status, x.ClientId });
        b.HasIndex(x => x.ClientId);
        b.HasOne<Campaign>().WithMany().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CampaignTaskConfiguration : IEntityTypeConfiguration<CampaignTask>
{
    public void Configure(EntityTypeBuilder<CampaignTask> b)
    {
        b.ToTable("CampaignTasks");
        b.Property(x => x.SenderUserId).HasMaxLength(64);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.MsgId).HasMaxLength(128);
        b.Property(x => x.Error).HasMaxLength(300);
        b.HasIndex(x => new { x.CampaignId, x.Status });
        b.HasOne<Campaign>().WithMany().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

public sealed record VariantInput(string Label, long ContentVersionId, int Weight);

/// <summary>What a campaign author fills in. The audience is a saved audience or an inline filter.</summary>
public sealed record CampaignInput(
    string Name,
    string Channel,
    IReadOnlyList<VariantInput> Variants,
    long? AudienceId,
    AudienceFilter? Filter,
    int? ThrottlePerMinute,
    bool Urgent = false);

public sealed record CampaignListItem(long Id, string Name, string Channel, OutboundPurpose Purpose, CampaignStatus Status, DateTimeOffset? ScheduledAt, int Recipients, int Sent, string Owner, DateTimeOffset UpdatedAt);

public sealed record VariantReport(string Label, long ContentVersionId, string Title, int Weight, int Recipients, int Sent, int Delivered, int Read, int Clicked, int Blocked);

public sealed record RecipientRow(string ClientNo, string Variant, RecipientStatus Status, string? Rule, string? Explanation, DateTimeOffset? NotBefore, DateTimeOffset? SentAt, bool Delivered, string? Staff);

public sealed record TaskRow(long Id, string Staff, CampaignTaskStatus Status, int Included, string? MsgId, string? Error, DateTimeOffset UpdatedAt);

public sealed record CampaignReport(
    long Id,
    string Name,
    string Channel,
    OutboundPurpose Purpose,
    bool Urgent,
    CampaignStatus Status,
    string Audience,
    bool Personalised,
    int ThrottlePerMinute,
    DateTimeOffset? ScheduledAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? CancelledAt,
    string Owner,
    int Recipients,
    IReadOnlyDictionary<RecipientStatus, int> ByStatus,
    int Delivered,
    IReadOnlyList<RuleCount> HeldBackBy,
    IReadOnlyList<VariantReport> Variants,
    IReadOnlyList<TaskRow> Tasks,
    IReadOnlyList<RecipientRow> Recent,
    int Version);

public enum ReceiptKind
{
    Read = 1,
    Clicked = 2,
}

/// <summary>
/// Campaign use cases: create and change drafts, preview what the gate would do, schedule, cancel, report,
/// and record read/click receipts where a channel reports them. Sending itself is the <see cref="CampaignExecutor"/>'s.
/// </summary>
public sealed class Campaigns(
    CoServeDb db,
    CampaignPlanner planner,
    StaffDirectory directory,
    CampaignSignal signal,
    IOptions<OutreachOptions> options,
    TimeProvider clock)
{
    public static bool CanManage(CurrentStaff s) => s.Role is StaffRole.DigitalOps or StaffRole.BranchHead or StaffRole.Admin;

    private static bool SeesAll(CurrentStaff s) => s.Role is StaffRole.DigitalOps or StaffRole.Admin or StaffRole.Compliance;

    public async Task<IReadOnlyList<CampaignListItem>> ListAsync(CurrentStaff staff, CancellationToken ct)
    {
        var q = db.Campaigns.AsNoTracking();
        if (!SeesAll(staff)) q = q.Where(c => c.CreatedBy == staff.Id);
        var rows = await q.OrderByDescending(c => c.Id).Take(200)
            .Select(c => new
            {
                c.Id, c.Name, c.Channel, c.Purpose, c.Status, c.ScheduledAt, c.Recipients, c.CreatedBy, c.UpdatedAt,
                Sent = db.CampaignRecipients.Count(r => r.CampaignId == c.Id && (r.Status == RecipientStatus.Sent || r.Status == RecipientStatus.Tasked)),
            })
            .ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return [.. rows.Select(r => new CampaignListItem(r.Id, r.Name, r.Channel, r.Purpose, r.Status, r.ScheduledAt, r.Recipients, r.Sent, names.StaffName(r.CreatedBy), r.UpdatedAt))];
    }

    public async Task<long> CreateAsync(CurrentStaff staff, CampaignInput input, CancellationToken ct)
    {
        if (!CanManage(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins run campaigns");
        var (filter, purpose, variants) = await ValidateAsync(input, ct);
        var now = clock.GetUtcNow();
        var campaign = new Campaign(input.Name, input.Channel, purpose, input.Urgent, filter, input.AudienceId, Throttle(input), staff.Id, now);
        campaign.SetVariants(variants, now);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        return campaign.Id;
    }

    public async Task UpdateAsync(CurrentStaff staff, long id, CampaignInput input, CancellationToken ct)
    {
        var campaign = await OwnAsync(staff, id, ct);
        var (filter, purpose, variants) = await ValidateAsync(input, ct);
        var now = clock.GetUtcNow();
        campaign.Update(input.Name, input.Channel, purpose, input.Urgent, filter, input.AudienceId, Throttle(input), now);
        db.CampaignVariants.RemoveRange(campaign.Variants);
        campaign.SetVariants(variants, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>What the gate would do for this campaign's audience right now, without sending or recording anything.</summary>
    public async Task<PlanSummary> PreviewAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var campaign = await OwnAsync(staff, id, ct, forWriting: false);
        var variants = await VariantsAsync(campaign, ct);
        var plan = await planner.PlanAsync(staff, campaign.Filter, variants, ct);
        return plan.Summarise();
    }

    public async Task ScheduleAsync(CurrentStaff staff, long id, DateTimeOffset? at, CancellationToken ct)
    {
        var campaign = await OwnAsync(staff, id, ct);
        var now = clock.GetUtcNow();
        var when = at ?? now;
        var day = BusinessTime.DateOf(when < now ? now : when);
        foreach (var v in campaign.Variants)
        {
            var content = await db.ContentVersions.AsNoTracking().SingleAsync(c => c.Id == v.ContentVersionId, ct);
            if (content.Status != ContentStatus.Approved) throw new InvalidOperationException($"variant {v.Label}: the content is no longer approved");
            if (!content.IsUsableOn(day)) throw new InvalidOperationException($"variant {v.Label}: the content is not valid on {day:yyyy-MM-dd}");
        }
        campaign.Schedule(when, now);
        await SaveAsync(ct);
        signal.Notify();
    }

    public async Task UnscheduleAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var campaign = await OwnAsync(staff, id, ct);
        campaign.Unschedule(clock.GetUtcNow());
        await SaveAsync(ct);
    }

    /// <summary>
    /// Stops a campaign: recipients not yet sent are marked cancelled. A recipient being sent at this moment
    /// holds its row, so the cancellation waits for it and leaves it sent.
    /// </summary>
    public async Task CancelAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var campaign = await OwnAsync(staff, id, ct);
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        campaign.Cancel(staff.Id, now);
        await SaveAsync(ct);
        await db.CampaignRecipients
            .Where(r => r.CampaignId == id && (r.Status == RecipientStatus.Pending || r.Status == RecipientStatus.Deferred || (r.Status == RecipientStatus.Queued && r.TaskId == null)))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecipientStatus.Cancelled).SetProperty(r => r.UpdatedAt, now), ct);
        await tx.CommitAsync(ct);
    }

    public async Task<CampaignReport?> ReportAsync(CurrentStaff staff, long id, int recent, CancellationToken ct)
    {
        var c = await db.Campaigns.AsNoTracking().Include(x => x.Variants).SingleOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || (!SeesAll(staff) && c.CreatedBy != staff.Id)) return null;
        var names = await directory.GetAsync(ct);
        var byStatus = (await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == id).GroupBy(r => r.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct)).ToDictionary(x => x.Key, x => x.Count);
        var rules = await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == id && r.Rule != null && (r.Status == RecipientStatus.Blocked || r.Status == RecipientStatus.Deferred || r.Status == RecipientStatus.Failed))
            .GroupBy(r => r.Rule!).Select(g => new { Rule = g.Key, Count = g.Count(), Example = g.Max(r => r.Explanation) }).ToListAsync(ct);
        var perVariant = await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == id).GroupBy(r => r.Variant)
            .Select(g => new
            {
                Label = g.Key,
                Recipients = g.Count(),
                Sent = g.Count(r => r.Status == RecipientStatus.Sent || r.Status == RecipientStatus.Tasked),
                Read = g.Count(r => r.ReadAt != null),
                Clicked = g.Count(r => r.ClickedAt != null),
                Blocked = g.Count(r => r.Status == RecipientStatus.Blocked),
                Delivered = g.Count(r => r.OutboxId != null && db.Outbox.Any(o => o.Id == r.OutboxId && o.Status == OutboxStatus.Delivered)),
            }).ToListAsync(ct);
        var titles = await db.ContentVersions.AsNoTracking().Where(v => c.Variants.Select(x => x.ContentVersionId).Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Title, ct);
        var tasks = await db.CampaignTasks.AsNoTracking().Where(t => t.CampaignId == id).OrderBy(t => t.Id).Take(200).ToListAsync(ct);
        var rows = await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == id).OrderByDescending(r => r.UpdatedAt).Take(Math.Clamp(recent, 0, 500))
            .Select(r => new
            {
                ClientNo = db.Clients.Where(x => x.Id == r.ClientId).Select(x => x.ClientNo).First(),
                r.Variant, r.Status, r.Rule, r.Explanation, r.NotBefore, r.SentAt, r.StaffId,
                Delivered = r.OutboxId != null && db.Outbox.Any(o => o.Id == r.OutboxId && o.Status == OutboxStatus.Delivered),
            }).ToListAsync(ct);
        var variants = c.Variants.OrderBy(v => v.Label, StringComparer.Ordinal).Select(v =>
        {
            var p = perVariant.FirstOrDefault(x => x.Label == v.Label);
            return new VariantReport(v.Label, v.ContentVersionId, titles.GetValueOrDefault(v.ContentVersionId) ?? "", v.Weight,
                p?.Recipients ?? 0, p?.Sent ?? 0, p?.Delivered ?? 0, p?.Read ?? 0, p?.Clicked ?? 0, p?.Blocked ?? 0);
        }).ToList();
        var audience = c.Filter.Describe(names);
        if (c.AudienceId is { } aid && await db.Audiences.AsNoTracking().Where(a => a.Id == aid).Select(a => a.Name).FirstOrDefaultAsync(ct) is { } audienceName)
        {
            audience = $"{audienceName}（{audience}）";
        }
        return new CampaignReport(
            c.Id, c.Name, c.Channel, c.Purpose, c.Urgent, c.Status, audience, c.Personalised, c.ThrottlePerMinute, c.ScheduledAt, c.StartedAt, c.CompletedAt, c.CancelledAt,
            names.StaffName(c.CreatedBy), c.Recipients, byStatus, variants.Sum(v => v.Delivered),
            [.. rules.OrderByDescending(r => r.Count).Select(r => new RuleCount(r.Rule, r.Count, r.Example))],
            variants,
            [.. tasks.Select(t => new TaskRow(t.Id, names.ServicerName(t.StaffId), t.Status, t.Included, t.MsgId, t.Error, t.UpdatedAt))],
            [.. rows.Select(r => new RecipientRow(r.ClientNo, r.Variant, r.Status, r.Rule, r.Explanation, r.NotBefore, r.SentAt, r.Delivered, r.StaffId is { } s ? names.StaffName(s) : null))],
            c.Version);
    }

    /// <summary>A channel (or the click redirect) reports that a recipient read or clicked the message.</summary>
    public async Task<bool> RecordReceiptAsync(long campaignId, string clientNo, ReceiptKind kind, DateTimeOffset? at, CancellationToken ct)
    {
        var no = ClientNumber.Normalise(clientNo);
        var recipient = await db.CampaignRecipients
            .Where(r => r.CampaignId == campaignId && db.Clients.Any(c => c.Id == r.ClientId && c.ClientNo == no))
            .SingleOrDefaultAsync(ct);
        if (recipient is null || recipient.Status is not (RecipientStatus.Sent or RecipientStatus.Tasked)) return false;
        var when = at ?? clock.GetUtcNow();
        if (kind == ReceiptKind.Clicked) recipient.Clicked(when);
        else recipient.Read(when);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The planned variants of a campaign, with the content each sends.</summary>
    public async Task<IReadOnlyList<PlannedVariant>> VariantsAsync(Campaign campaign, CancellationToken ct)
    {
        var ids = campaign.Variants.Select(v => v.ContentVersionId).ToList();
        var contents = await db.ContentVersions.AsNoTracking().Include(v => v.Item).Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        return [.. campaign.Variants.OrderBy(v => v.Label, StringComparer.Ordinal).Select(v =>
            PlannedVariant.Of(campaign.Id, v.Label, v.Weight, contents[v.ContentVersionId], campaign.Channel, campaign.Purpose, campaign.Urgent, campaign.Personalised))];
    }

    private int Throttle(CampaignInput input)
    {
        var o = options.Value.Campaigns;
        var t = input.ThrottlePerMinute ?? o.DefaultThrottlePerMinute;
        if (t < 1 || t > o.MaxThrottlePerMinute) throw new ArgumentException($"throttle is 1-{o.MaxThrottlePerMinute} messages per minute", nameof(input));
        return t;
    }

    private async Task<(AudienceFilter Filter, OutboundPurpose Purpose, List<(string, long, int)> Variants)> ValidateAsync(CampaignInput input, CancellationToken ct)
    {
        AudienceFilter filter;
        if (input.AudienceId is { } audienceId)
        {
            var audience = await db.Audiences.AsNoTracking().SingleOrDefaultAsync(a => a.Id == audienceId, ct) ?? throw new ArgumentException("no such audience", nameof(input));
            filter = audience.Filter;
        }
        else
        {
            filter = input.Filter ?? new AudienceFilter();
        }
        var problems = filter.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(input));
        filter = filter.Normalised();
        if (input.Variants is not { Count: > 0 }) throw new ArgumentException("choose the content to send", nameof(input));
        var ids = input.Variants.Select(v => v.ContentVersionId).ToList();
        var contents = await db.ContentVersions.AsNoTracking().Include(v => v.Item).Where(v => ids.Contains(v.Id)).ToListAsync(ct);
        var today = BusinessTime.Today(clock);
        foreach (var v in input.Variants)
        {
            var content = contents.FirstOrDefault(c => c.Id == v.ContentVersionId) ?? throw new ArgumentException($"variant {v.Label}: no such content", nameof(input));
            if (content.Status != ContentStatus.Approved) throw new ArgumentException($"variant {v.Label}: only content approved by Compliance can be sent", nameof(input));
            if (content.ValidUntil < today) throw new ArgumentException($"variant {v.Label}: the content expired on {content.ValidUntil:yyyy-MM-dd}", nameof(input));
            if (input.Channel == OutreachChannels.WeComGroup && content.MessageText().Length > 4000) throw new ArgumentException($"variant {v.Label}: too long for a WeCom group message", nameof(input));
        }
        var purposes = contents.Select(c => ContentItem.PurposeOf(c.Item!.Kind)).Distinct().ToList();
        if (purposes.Count != 1) throw new ArgumentException("all variants must be the same kind of message (service notice, marketing or research)", nameof(input));
        if (input.Urgent && contents.Any(c => !c.Urgent)) throw new ArgumentException("only urgent risk alerts make an urgent campaign", nameof(input));
        var labels = input.Variants.Select(v => (v.Label ?? "").Trim().ToUpperInvariant()).ToList();
        if (labels.Any(l => l.Length is 0 or > 4)) throw new ArgumentException("variant labels have 1-4 characters", nameof(input));
        return (filter, purposes[0], [.. input.Variants.Select((v, i) => (labels[i], v.ContentVersionId, v.Weight))]);
    }

    private async Task<Campaign> OwnAsync(CurrentStaff staff, long id, CancellationToken ct, bool forWriting = true)
    {
        if (forWriting && !CanManage(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins run campaigns");
        var campaign = await db.Campaigns.Include(c => c.Variants).SingleOrDefaultAsync(c => c.Id == id, ct) ?? throw new ArgumentException("no such campaign", nameof(id));
        var mayChange = campaign.CreatedBy == staff.Id || staff.Role is StaffRole.Admin or StaffRole.DigitalOps;
        if (forWriting ? !mayChange : !(mayChange || staff.Role == StaffRole.Compliance)) throw new UnauthorizedAccessException("only its owner, the digital team or an admin handles a campaign");
        return campaign;
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new InvalidOperationException("the campaign changed meanwhile (it may have started); reload and try again");
        }
    }
}

/// <summary>Wakes the campaign worker when a campaign is scheduled.</summary>
public sealed class CampaignSignal : WorkSignal;

using System.Globalization;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

public sealed record RunningCampaign(long Id, int ThrottlePerMinute, string Channel);

/// <summary>What one step of a campaign did.</summary>
public sealed record StepResult(int Processed, bool Finished);

/// <summary>
/// Sends campaigns, crash-safe and idempotent per (campaign, client). When a campaign starts, its audience
/// and the gate's first answer are frozen into recipient rows in one transaction. Recipients are then sent
/// in batches (<see cref="CampaignOptions.BatchSize"/>), each in one transaction that claims the batch's rows
/// ("pending -> attempt", one statement), asks the gate about all of them at once
/// (<see cref="OutboundGate.CheckManyAsync"/>), and writes the Push events, the outbox rows and the new
/// recipient states together: a crash before the commit leaves the whole batch pending with nothing sent, a
/// crash after it leaves it sent, and a second node's claim waits for the first and finds nothing left to
/// claim. The timeline's unique (client, idempotency key) is a second guard. A batch that fails is retried
/// one recipient at a time, so one bad recipient does not hold back the others; a recipient that keeps failing
/// alone is failed after <see cref="CampaignOptions.MaxAttempts"/> claims. WeCom group messages go one by one
/// and become tasks for the staff member who last chatted with the client; a task whose outcome is unknown
/// after a crash is never re-sent automatically.
/// </summary>
public sealed partial class CampaignExecutor(
    IServiceScopeFactory scopes,
    OutboxSignal outbox,
    OutreachMetrics metrics,
    IOptions<OutreachOptions> options,
    TimeProvider clock,
    ILogger<CampaignExecutor> logger)
{
    public const string ContentWithdrawnRule = "ContentWithdrawn";
    public const string NoWeComContactRule = "NoWeComContact";
    public const string WeComRule = "WeCom";
    public const string SendErrorRule = "SendError";

    /// <summary>Starts scheduled campaigns that are due; returns every running campaign.</summary>
    public async Task<IReadOnlyList<RunningCampaign>> StartDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var now = clock.GetUtcNow();
        var due = await db.Campaigns.Where(c => c.Status == CampaignStatus.Scheduled && c.ScheduledAt <= now).ToListAsync(ct);
        foreach (var c in due)
        {
            c.Start(now);
            try
            {
                await db.SaveChangesAsync(ct);
                LogStarted(logger, c.Id);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Another node started it, or it was cancelled meanwhile.
                db.ChangeTracker.Clear();
            }
        }
        return await db.Campaigns.AsNoTracking().Where(c => c.Status == CampaignStatus.Running)
            .OrderBy(c => c.Id).Select(c => new RunningCampaign(c.Id, c.ThrottlePerMinute, c.Channel)).ToListAsync(ct);
    }

    /// <summary>Sends up to <paramref name="max"/> due recipients of a running campaign (after planning it, the first time).</summary>
    public async Task<StepResult> StepAsync(long campaignId, int max, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Variants).SingleAsync(c => c.Id == campaignId, ct);
        if (campaign.Status != CampaignStatus.Running) return new StepResult(0, true);
        if (campaign.PlannedAt is null)
        {
            await MaterialiseAsync(campaignId, ct);
            return new StepResult(0, false);
        }
        var now = clock.GetUtcNow();
        var due = await db.CampaignRecipients.AsNoTracking()
            .Where(r => r.CampaignId == campaignId && (r.Status == RecipientStatus.Pending || (r.Status == RecipientStatus.Deferred && r.NotBefore <= now)))
            .OrderBy(r => r.ClientId).Take(Math.Max(0, max))
            .Select(r => new DueRecipient(r.ClientId, r.Variant))
            .ToListAsync(ct);
        if (due.Count == 0)
        {
            var open = await db.CampaignRecipients.AnyAsync(r => r.CampaignId == campaignId
                    && (r.Status == RecipientStatus.Pending || r.Status == RecipientStatus.Deferred || r.Status == RecipientStatus.Queued), ct)
                || await db.CampaignTasks.AnyAsync(t => t.CampaignId == campaignId && t.Status == CampaignTaskStatus.Calling, ct);
            if (open || max == 0) return new StepResult(0, false);
            var tracked = await db.Campaigns.SingleAsync(c => c.Id == campaignId, ct);
            tracked.Complete(now);
            try
            {
                await db.SaveChangesAsync(ct);
                LogCompleted(logger, campaignId);
            }
            catch (DbUpdateConcurrencyException)
            {
                return new StepResult(0, false);
            }
            return new StepResult(0, true);
        }
        var variants = (await sp.GetRequiredService<Campaigns>().VariantsAsync(campaign, ct)).ToDictionary(v => v.Label, StringComparer.Ordinal);
        var today = BusinessTime.DateOf(now);
        var processed = 0;
        if (campaign.Channel == OutreachChannels.WeComGroup)
        {
            foreach (var r in due)
            {
                if (ct.IsCancellationRequested) break;
                var variant = variants[r.Variant];
                if (await SendOneAsync(campaign, variant, variant.Content.IsUsableOn(today), r.ClientId, ct)) processed++;
            }
        }
        else
        {
            // The batches together never exceed max: the caller sizes max by the throttle's tokens.
            foreach (var batch in due.Chunk(options.Value.Campaigns.BatchSize))
            {
                if (ct.IsCancellationRequested) break;
                processed += await SendBatchAsync(campaign, variants, today, batch, ct);
            }
        }
        outbox.Notify();
        return new StepResult(processed, false);
    }

    private sealed record DueRecipient(long ClientId, string Variant);

    /// <summary>One batch in one transaction; when it fails as a whole, each recipient alone (as the service officer's batches do).</summary>
    private async Task<int> SendBatchAsync(Campaign campaign, Dictionary<string, PlannedVariant> variants, DateOnly today, DueRecipient[] batch, CancellationToken ct)
    {
        try
        {
            return await SendTogetherAsync(campaign, variants, today, batch, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBatchFailed(logger, campaign.Id, batch.Length, ex);
        }
        var processed = 0;
        foreach (var r in batch)
        {
            if (ct.IsCancellationRequested) break;
            var variant = variants[r.Variant];
            try
            {
                if (await SendOneAsync(campaign, variant, variant.Content.IsUsableOn(today), r.ClientId, ct)) processed++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecipientFailed(logger, campaign.Id, ex);
                await RecordFailedAttemptAsync(campaign.Id, r.ClientId, ct);
                processed++;
            }
        }
        return processed;
    }

    /// <summary>
    /// Claims the batch with one statement, has the gate decide every claimed recipient in one call, then writes
    /// the Push events, outbox rows and recipient states and commits them with the claim and the gate's records.
    /// </summary>
    private async Task<int> SendTogetherAsync(Campaign campaign, Dictionary<string, PlannedVariant> variants, DateOnly today, DueRecipient[] batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var timeline = sp.GetRequiredService<TimelineWriter>();
        var gate = sp.GetRequiredService<OutboundGate>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var claimed = await ClaimAsync(db, campaign.Id, batch, now, ct);
        if (claimed.Count == 0) return 0;
        var recipients = await db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && claimed.Contains(r.ClientId)).OrderBy(r => r.ClientId).ToListAsync(ct);
        var asking = new List<CampaignRecipient>(recipients.Count);
        foreach (var r in recipients)
        {
            if (variants[r.Variant].Content.IsUsableOn(today)) asking.Add(r);
            else HoldBackWithdrawn(r, now);
        }
        var decisions = await gate.CheckManyAsync([.. asking.Select(r => variants[r.Variant].Candidate with { ClientId = r.ClientId })], ct);
        var sent = new List<(CampaignRecipient Recipient, TimelineEvent Event, OutboxMessage Message)>();
        for (var i = 0; i < asking.Count; i++)
        {
            var (r, d) = (asking[i], decisions[i]);
            // Campaign messages are never confirmed by staff, so only Allow passes (a Warn holds them back).
            if (d.Verdict == GateVerdict.Allow)
            {
                var (ev, message) = AddPush(db, timeline, campaign, variants[r.Variant], r.ClientId, now);
                sent.Add((r, ev, message));
            }
            else
            {
                r.HeldBack(d.Verdict == GateVerdict.Defer ? RecipientStatus.Deferred : RecipientStatus.Blocked, d.Rule, d.Explanation, d.DeferUntil, now);
            }
        }
        await db.SaveChangesAsync(ct);
        if (sent.Count > 0) await MarkSentAsync(db, campaign.Id, sent, now, ct);
        await tx.CommitAsync(ct);
        timeline.Publish();
        if (sent.Count > 0) metrics.CampaignSends.Add(sent.Count, new KeyValuePair<string, object?>("status", nameof(RecipientStatus.Sent)));
        foreach (var r in recipients.Except(sent.Select(x => x.Recipient)))
        {
            metrics.CampaignSends.Add(1, new KeyValuePair<string, object?>("status", r.Status.ToString()));
        }
        return recipients.Count;
    }

    /// <summary>
    /// What <see cref="CampaignRecipient.Sent"/> does, for the whole batch in one statement once the events' and
    /// outbox rows' ids are known: saving the recipients one by one was a sixth of a batch's time.
    /// </summary>
    private static Task<int> MarkSentAsync(CoServeDb db, long campaignId, List<(CampaignRecipient Recipient, TimelineEvent Event, OutboxMessage Message)> sent, DateTimeOffset now, CancellationToken ct)
    {
        object at = db.IsSqlite ? now.UtcTicks : now;
        // The values inlined are numeric ids.
        string Case(Func<(CampaignRecipient Recipient, TimelineEvent Event, OutboxMessage Message), long> value) =>
            "CASE \"ClientId\"" + string.Concat(sent.Select(x => string.Create(CultureInfo.InvariantCulture, $" WHEN {x.Recipient.ClientId} THEN {value(x)}"))) + " END";
        var ids = string.Join(",", sent.Select(x => x.Recipient.ClientId.ToString(CultureInfo.InvariantCulture)));
        var sql = "UPDATE \"CampaignRecipients\" SET \"Status\" = {0}, \"SentAt\" = {1}, \"UpdatedAt\" = {1}"
            + ", \"TimelineEventId\" = " + Case(x => x.Event.Id) + ", \"OutboxId\" = " + Case(x => x.Message.Id)
            + " WHERE \"CampaignId\" = {2} AND \"ClientId\" IN (" + ids + ")";
        return db.Database.ExecuteSqlRawAsync(sql, [(short)RecipientStatus.Sent, at, campaignId], ct);
    }

    /// <summary>
    /// Claims the batch's recipients that are still due, in one statement, and returns the claimed client ids.
    /// On PostgreSQL the statement waits for rows another node has claimed and skips them once that node has
    /// committed; on SQLite the write transaction already excludes the other node.
    /// </summary>
    private static async Task<List<long>> ClaimAsync(CoServeDb db, long campaignId, DueRecipient[] batch, DateTimeOffset now, CancellationToken ct)
    {
        object at = db.IsSqlite ? now.UtcTicks : now;
        // The values inlined are the clients' numeric ids.
        var ids = string.Join(",", batch.Select(r => r.ClientId.ToString(CultureInfo.InvariantCulture)));
        var sql = "UPDATE \"CampaignRecipients\" SET \"Attempts\" = \"Attempts\" + 1, \"UpdatedAt\" = {0}"
            + " WHERE \"CampaignId\" = {1} AND \"ClientId\" IN (" + ids + ")"
            + " AND (\"Status\" = {2} OR (\"Status\" = {3} AND \"NotBefore\" <= {0}))"
            + " RETURNING \"ClientId\" AS \"Value\"";
        return await db.Database.SqlQueryRaw<long>(sql, at, campaignId, (short)RecipientStatus.Pending, (short)RecipientStatus.Deferred).ToListAsync(ct);
    }

    /// <summary>A recipient failed alone: its claim was rolled back; count the try, and fail it for good after the last one.</summary>
    private async Task RecordFailedAttemptAsync(long campaignId, long clientId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var recipient = await db.CampaignRecipients.SingleAsync(r => r.CampaignId == campaignId && r.ClientId == clientId, ct);
        if (recipient.Status is not (RecipientStatus.Pending or RecipientStatus.Deferred)) return;
        recipient.AttemptFailed(options.Value.Campaigns.MaxAttempts, SendErrorRule, "发送时多次出错，未发送", clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        if (recipient.Status == RecipientStatus.Failed) metrics.CampaignSends.Add(1, new KeyValuePair<string, object?>("status", recipient.Status.ToString()));
    }

    private async Task<bool> SendOneAsync(Campaign campaign, PlannedVariant variant, bool usable, long clientId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var timeline = sp.GetRequiredService<TimelineWriter>();
        var gate = sp.GetRequiredService<OutboundGate>();
        var group = campaign.Channel == OutreachChannels.WeComGroup;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var claimed = await db.CampaignRecipients
            .Where(r => r.CampaignId == campaign.Id && r.ClientId == clientId && (r.Status == RecipientStatus.Pending || r.Status == RecipientStatus.Deferred))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Attempts, r => r.Attempts + 1).SetProperty(r => r.UpdatedAt, now), ct);
        if (claimed == 0) return false;
        var recipient = await db.CampaignRecipients.SingleAsync(r => r.CampaignId == campaign.Id && r.ClientId == clientId, ct);
        if (!usable)
        {
            HoldBackWithdrawn(recipient, now);
        }
        else if (group && await db.Clients.Where(c => c.Id == clientId).Select(c => c.WeComExternalUserId).SingleAsync(ct) is null)
        {
            recipient.HeldBack(RecipientStatus.Failed, NoWeComContactRule, "客户未添加企业微信，无法群发", null, now);
        }
        else
        {
            var result = await gate.DecideAsync(variant.Candidate with { ClientId = clientId }, addToLedger: !group, ct);
            var o = result.Outcome;
            if (o.Passes && group)
            {
                recipient.Queue(await LastChattedStaffAsync(db, clientId, ct), now);
            }
            else if (o.Passes)
            {
                var (ev, message) = AddPush(db, timeline, campaign, variant, clientId, now);
                await db.SaveChangesAsync(ct);
                recipient.Sent(ev.Id, message.Id, now);
            }
            else
            {
                recipient.HeldBack(o.Verdict == GateVerdict.Defer ? RecipientStatus.Deferred : RecipientStatus.Blocked, o.Rule, o.Explanation, o.DeferUntil, now);
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        timeline.Publish();
        metrics.CampaignSends.Add(1, new KeyValuePair<string, object?>("status", recipient.Status.ToString()));
        return true;
    }

    public static string CorrelationOf(long campaignId) => $"campaign-{campaignId}";

    /// <summary>The Push event and its outbox row for one recipient (saved by the caller's unit of work).</summary>
    private static (TimelineEvent Event, OutboxMessage Message) AddPush(CoServeDb db, TimelineWriter timeline, Campaign campaign, PlannedVariant variant, long clientId, DateTimeOffset now)
    {
        var ev = timeline.Append(clientId, TimelineKind.Push, ActorKind.System, null, campaign.Channel, EventVisibility.ClientVisible,
            text: variant.Candidate.Text,
            details: new { campaign = campaign.Id, variant = variant.Label, content = variant.Content.Id, title = variant.Content.Title },
            correlationId: CorrelationOf(campaign.Id), idempotencyKey: CorrelationOf(campaign.Id));
        var message = new OutboxMessage(clientId, ev, campaign.Channel, now);
        db.Outbox.Add(message);
        return (ev, message);
    }

    private static void HoldBackWithdrawn(CampaignRecipient recipient, DateTimeOffset now) =>
        recipient.HeldBack(RecipientStatus.Blocked, ContentWithdrawnRule, "内容已撤回或不在有效期内，未发送", null, now);

    /// <summary>
    /// Freezes the audience: recipient rows with the gate's first answer (blocked ones with their reason, and
    /// the decisions recorded), all in one transaction, claimed by setting PlannedAt so two nodes cannot both plan.
    /// </summary>
    public async Task MaterialiseAsync(long campaignId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Variants).SingleAsync(c => c.Id == campaignId, ct);
        if (campaign.PlannedAt is not null || campaign.Status != CampaignStatus.Running) return;
        var creator = await db.Staff.AsNoTracking().SingleAsync(s => s.Id == campaign.CreatedBy, ct);
        var variants = await sp.GetRequiredService<Campaigns>().VariantsAsync(campaign, ct);
        var plan = await sp.GetRequiredService<CampaignPlanner>().PlanAsync(CurrentStaff.From(creator), campaign.Filter, variants, ct);
        var now = clock.GetUtcNow();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.Campaigns.Where(c => c.Id == campaignId && c.PlannedAt == null && c.Status == CampaignStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.PlannedAt, now).SetProperty(c => c.Recipients, plan.Count).SetProperty(c => c.Version, c => c.Version + 1), ct);
        if (claimed == 0) return;
        // One bulk writer at a time: on PostgreSQL a COPY holds the connection until it completes.
        await using (var recipients = await BulkWriter.StartAsync(db, "CampaignRecipients",
            ["CampaignId", "ClientId", "Variant", "Status", "Rule", "Explanation", "NotBefore", "Attempts", "UpdatedAt"], null, ct))
        {
            for (var i = 0; i < plan.Count; i++)
            {
                var o = plan.Outcomes[i];
                var status = StatusOf(o);
                await recipients.AddAsync([campaignId, plan.ClientIds[i], plan.PlannedVariants[plan.Variants[i]].Label, (short)status, o.Rule, GateDecisionRecord.Truncate(o.Explanation, 300), o.DeferUntil, 0, now], ct);
            }
            await recipients.CompleteAsync(ct);
        }
        var held = 0;
        await using (var decisions = await BulkWriter.StartAsync(db, "GateDecisions",
            ["ClientId", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "ContentVersionId", "CampaignId", "Title", "Verdict", "Rule", "Explanation", "DeferUntil", "Confirmed", "At"], null, ct))
        {
            for (var i = 0; i < plan.Count; i++)
            {
                var o = plan.Outcomes[i];
                if (StatusOf(o) == RecipientStatus.Pending) continue;
                var v = plan.PlannedVariants[plan.Variants[i]];
                held++;
                await decisions.AddAsync(
                [
                    plan.ClientIds[i], campaign.Channel, (short)OutboundSender.Campaign, null, (short)campaign.Purpose, v.Sketch.Fingerprint, v.Content.Id, campaignId,
                    GateDecisionRecord.Truncate(v.Content.Title, 100), (short)o.Verdict, o.Rule, GateDecisionRecord.Truncate(o.Explanation, 300), o.DeferUntil, false, now,
                ], ct);
            }
            await decisions.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
        LogPlanned(logger, campaignId, plan.Count, held);
    }

    private static RecipientStatus StatusOf(GateOutcome o) => o.Verdict switch
    {
        GateVerdict.Block => RecipientStatus.Blocked,
        GateVerdict.Defer => RecipientStatus.Deferred,
        _ => RecipientStatus.Pending,
    };

    /// <summary>
    /// Turns queued group-message recipients into WeCom tasks, per staff member and variant: claim, call, record.
    /// A claim older than <see cref="CampaignOptions.StaleTaskMinutes"/> without an outcome is marked unknown
    /// and its recipients failed: WeCom may already hold the task, so it is never created a second time.
    /// </summary>
    public async Task<int> FlushGroupTasksAsync(long campaignId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Variants).SingleAsync(c => c.Id == campaignId, ct);
        if (campaign.Channel != OutreachChannels.WeComGroup) return 0;
        var now = clock.GetUtcNow();
        var staleBefore = now.AddMinutes(-options.Value.Campaigns.StaleTaskMinutes);
        foreach (var stale in await db.CampaignTasks.Where(t => t.CampaignId == campaignId && t.Status == CampaignTaskStatus.Calling && t.UpdatedAt < staleBefore).ToListAsync(ct))
        {
            stale.Done(CampaignTaskStatus.Unknown, null, 0, "interrupted while calling WeCom", now);
            await db.CampaignRecipients.Where(r => r.CampaignId == campaignId && r.TaskId == stale.Id && r.Status == RecipientStatus.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, RecipientStatus.Failed)
                    .SetProperty(r => r.Rule, WeComRule)
                    .SetProperty(r => r.Explanation, "企业微信群发任务在创建时中断，结果未知；为避免重复发送，不再自动重试")
                    .SetProperty(r => r.UpdatedAt, now), ct);
            await db.SaveChangesAsync(ct);
        }

        var groups = await db.CampaignRecipients.AsNoTracking()
            .Where(r => r.CampaignId == campaignId && r.Status == RecipientStatus.Queued && r.TaskId == null)
            .Select(r => new { r.StaffId, r.Variant }).Distinct().ToListAsync(ct);
        if (groups.Count == 0) return 0;
        var variants = (await sp.GetRequiredService<Campaigns>().VariantsAsync(campaign, ct)).ToDictionary(v => v.Label, StringComparer.Ordinal);
        var created = 0;
        foreach (var g in groups)
        {
            created += await CreateTaskAsync(campaign, variants[g.Variant], g.StaffId, ct);
        }
        return created;
    }

    private async Task<int> CreateTaskAsync(Campaign campaign, PlannedVariant variant, int? staffId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<CoServeDb>();
        var now = clock.GetUtcNow();
        var o = options.Value.Campaigns;
        var staff = staffId is { } sid ? await db.Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sid, ct) : null;
        var sender = staffId is null ? o.ServiceOfficerWeComUserId : staff?.WeComUserId;
        var groupMessages = sp.GetService<WeComGroupMessages>();
        var pending = db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && r.Status == RecipientStatus.Queued && r.TaskId == null && r.StaffId == staffId && r.Variant == variant.Label);
        if (string.IsNullOrEmpty(sender) || groupMessages is null)
        {
            var why = groupMessages is null ? "企业微信未接入，无法创建群发任务" : "该客户的服务人员没有企业微信账号，无法创建群发任务";
            await pending.ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecipientStatus.Failed).SetProperty(r => r.Rule, WeComRule)
                .SetProperty(r => r.Explanation, why).SetProperty(r => r.UpdatedAt, now), ct);
            return 0;
        }

        // Claim a batch for one task; the claim is committed before WeCom is called.
        var batch = await pending.OrderBy(r => r.ClientId).Take(WeComGroupMessages.MaxCustomersPerTask).Select(r => r.ClientId).ToListAsync(ct);
        if (batch.Count == 0) return 0;
        var task = new CampaignTask(campaign.Id, staffId, sender, now);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.CampaignTasks.Add(task);
            await db.SaveChangesAsync(ct);
            await pending.Where(r => batch.Contains(r.ClientId)).ExecuteUpdateAsync(s => s.SetProperty(r => r.TaskId, task.Id).SetProperty(r => r.UpdatedAt, now), ct);
            await tx.CommitAsync(ct);
        }
        var members = await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == campaign.Id && r.TaskId == task.Id && r.Status == RecipientStatus.Queued)
            .Join(db.Clients, r => r.ClientId, c => c.Id, (r, c) => new { c.Id, c.WeComExternalUserId }).ToListAsync(ct);
        var byExternal = members.Where(m => m.WeComExternalUserId is not null).ToDictionary(m => m.WeComExternalUserId!, m => m.Id, StringComparer.Ordinal);

        GroupMessageOutcome? outcome = null;
        string? error = null;
        var retry = false;
        try
        {
            outcome = await groupMessages.CreateAsync(o.WeComApp, sender, [.. byExternal.Keys], variant.Candidate.Text, ct);
            retry = outcome.Status == GroupMessageStatus.RetryLater;
        }
        catch (HttpRequestException ex)
        {
            // The request did not reach WeCom: nothing was created, so the batch may be tried again.
            error = ex.GetType().Name;
            retry = true;
        }

        var timeline = sp.GetRequiredService<TimelineWriter>();
        var notifier = sp.GetRequiredService<Notifier>();
        db.ChangeTracker.Clear();
        await using var done = await db.Database.BeginTransactionAsync(ct);
        var tracked = await db.CampaignTasks.SingleAsync(t => t.Id == task.Id, ct);
        var recipients = await db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && r.TaskId == task.Id && r.Status == RecipientStatus.Queued).ToDictionaryAsync(r => r.ClientId, ct);
        var included = 0;
        if (retry || outcome is null)
        {
            tracked.Done(CampaignTaskStatus.Failed, null, 0, error ?? $"WeCom busy (errcode {outcome?.ErrCode})", now);
            await db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && r.TaskId == task.Id && r.Status == RecipientStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.TaskId, (long?)null).SetProperty(r => r.UpdatedAt, now), ct);
        }
        else if (outcome.Status == GroupMessageStatus.Failed)
        {
            tracked.Done(CampaignTaskStatus.Failed, null, 0, $"WeCom refused the task (errcode {outcome.ErrCode})", now);
            foreach (var r in recipients.Values) r.HeldBack(RecipientStatus.Failed, WeComRule, $"企业微信拒绝创建群发任务（错误码 {outcome.ErrCode}）", null, now);
        }
        else
        {
            foreach (var external in outcome.Included)
            {
                if (!byExternal.TryGetValue(external, out var clientId) || !recipients.TryGetValue(clientId, out var r)) continue;
                var ev = timeline.Append(clientId, TimelineKind.Push, ActorKind.System, staffId, OutreachChannels.WeCom, EventVisibility.ClientVisible,
                    text: variant.Candidate.Text,
                    details: new { campaign = campaign.Id, variant = variant.Label, content = variant.Content.Id, title = variant.Content.Title, groupTask = outcome.MsgId, staff = staffId },
                    correlationId: CorrelationOf(campaign.Id), idempotencyKey: CorrelationOf(campaign.Id));
                db.OutboundSends.Add(new OutboundSend(variant.Candidate with { ClientId = clientId, SenderStaffId = staffId }, variant.Sketch, now));
                await db.SaveChangesAsync(ct);
                r.Tasked(task.Id, ev.Id, now);
                included++;
            }
            foreach (var external in outcome.OverCap)
            {
                if (!byExternal.TryGetValue(external, out var clientId) || !recipients.TryGetValue(clientId, out var r)) continue;
                var held = new GateOutcome(GateVerdict.Block, GateRule.WeComGroupCap, "企业微信群发：客户本期群发次数已达企业微信上限", null, false);
                r.HeldBack(RecipientStatus.Blocked, held.Rule, held.Explanation, null, now);
                db.GateDecisions.Add(new GateDecisionRecord(variant.Candidate with { ClientId = clientId }, variant.Sketch.Fingerprint, held, now));
            }
            foreach (var r in recipients.Values.Where(r => r.Status == RecipientStatus.Queued))
            {
                r.HeldBack(RecipientStatus.Failed, WeComRule, "企业微信未接受：客户不是该员工的外部联系人", null, now);
            }
            tracked.Done(included > 0 ? CampaignTaskStatus.Created : CampaignTaskStatus.Failed, outcome.MsgId, included, included > 0 ? null : "nobody included", now);
            if (included > 0 && staffId is { } owner)
            {
                notifier.Add(owner, NotificationKind.DutyTask, $"请在企业微信确认群发任务「{campaign.Name}」（{included} 位客户）", $"/outreach/campaigns/{campaign.Id}");
            }
        }
        await db.SaveChangesAsync(ct);
        await done.CommitAsync(ct);
        timeline.Publish();
        await notifier.FlushAsync(ct);
        LogTask(logger, campaign.Id, task.Id, tracked.Status, included);
        return included;
    }

    /// <summary>The staff member who last wrote to the client, else the client's primary servicer (null: the service officer).</summary>
    private static async Task<int?> LastChattedStaffAsync(CoServeDb db, long clientId, CancellationToken ct) =>
        await db.TimelineEvents.AsNoTracking()
            .Where(e => e.ClientId == clientId && e.Kind == TimelineKind.StaffMessage && e.ActorStaffId != null)
            .OrderByDescending(e => e.Id).Select(e => e.ActorStaffId).FirstOrDefaultAsync(ct)
        ?? await db.ClientServicers.AsNoTracking().Where(s => s.ClientId == clientId && s.IsPrimary).Select(s => s.StaffId).FirstOrDefaultAsync(ct);

    /// <summary>Removes ledger rows past retention and cap counters of ended periods.</summary>
    public async Task HousekeepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var now = clock.GetUtcNow();
        var cutoff = now.AddDays(-options.Value.LedgerRetentionDays);
        var sends = await db.OutboundSends.Where(s => s.At < cutoff).ExecuteDeleteAsync(ct);
        var counters = await GateCounters.PurgeBeforeAsync(db, BusinessTime.DateOf(now), ct);
        LogHousekeeping(logger, sends, counters);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} started")]
    private static partial void LogStarted(ILogger logger, long campaignId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} planned: {Recipients} recipients, {HeldBack} held back by the gate")]
    private static partial void LogPlanned(ILogger logger, long campaignId, int recipients, int heldBack);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId}: a batch of {Count} recipients failed; sending them one by one")]
    private static partial void LogBatchFailed(ILogger logger, long campaignId, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {CampaignId}: a recipient failed on its own")]
    private static partial void LogRecipientFailed(ILogger logger, long campaignId, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} completed")]
    private static partial void LogCompleted(ILogger logger, long campaignId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} WeCom task {TaskId}: {Status}, {Included} customers")]
    private static partial void LogTask(ILogger logger, long campaignId, long taskId, CampaignTaskStatus status, int included);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outreach housekeeping removed {Sends} ledger rows and {Counters} counters")]
    private static partial void LogHousekeeping(ILogger logger, int sends, int counters);
}

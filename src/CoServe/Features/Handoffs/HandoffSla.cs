using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Handoffs;

public sealed record SlaRunReport(int Reminded, int Escalated, int Rerouted, int Assigned);

/// <summary>
/// Keeps handoffs moving: reminds the assignee before the first-response deadline, escalates on breach (level 1:
/// the branch head, or the whole digital team for its queue; level 2 and up: administrators, again every
/// interval), routes waiting tickets away from people who went offline, and hands unassigned tickets to people
/// who came online. Idempotent: running it twice at the same instant changes nothing more.
/// </summary>
public sealed partial class HandoffSla(
    CoServeDb db,
    HandoffRouter router,
    TimelineWriter timeline,
    Notifier notifier,
    StaffPresence presence,
    LiveEvents live,
    IOptions<HandoffOptions> options,
    IOptions<CalendarOptions> calendar,
    TimeProvider clock,
    ILogger<HandoffSla> logger)
{
    public async Task<SlaRunReport> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        var hours = o.ServiceHours.Build(calendar.Value);
        var now = clock.GetUtcNow();
        var waiting = await db.Tickets.Where(t => t.Status == TicketStatus.Open).OrderBy(t => t.Id).ToListAsync(ct);
        int reminded = 0, escalated = 0, rerouted = 0, assigned = 0;
        var clientNos = await ClientNumbersAsync(waiting.Select(t => t.ClientId), ct);
        var changed = new HashSet<Ticket>();
        // Pools found with nobody free in this run: one look per pool, not one per waiting ticket (assigning only
        // adds load, and leaving someone out only shrinks a pool, so the answer holds for the rest of the run).
        var nobodyFree = new HashSet<(TicketQueue, int?)>();
        void NobodyFree(Ticket t)
        {
            if (PoolKey(t) is { } key) nobodyFree.Add(key);
        }

        foreach (var t in waiting)
        {
            var label = $"{OpenHandoff.ReasonLabel(t.Reason)} · 客户 {clientNos[t.ClientId]}";
            var link = $"/inbox/{t.Id}";
            var sla = o.FirstResponse(t.Reason);

            if (t.ReminderSentAt is null && now < t.FirstResponseDueAt && now >= hours.Add(t.CreatedAt, sla * o.ReminderAt))
            {
                foreach (var id in await RecipientsAsync(t, ct)) notifier.Add(id, NotificationKind.SlaReminder, "即将超时：" + label, link, t.ClientId, t.Id);
                t.MarkReminded(now);
                changed.Add(t);
                Event(t, new { sla = "reminder", due = t.FirstResponseDueAt });
                reminded++;
            }

            var nextEscalation = t.EscalationLevel == 0 ? t.FirstResponseDueAt : hours.Add(t.FirstResponseDueAt, TimeSpan.FromMinutes(o.EscalateEveryMinutes * t.EscalationLevel));
            if (now >= nextEscalation)
            {
                t.Escalate(now);
                changed.Add(t);
                foreach (var id in await EscalationTargetsAsync(t, ct)) notifier.Add(id, NotificationKind.SlaEscalation, $"已超时（第{t.EscalationLevel}级升级）：" + label, link, t.ClientId, t.Id);
                Event(t, new { sla = "breached", level = t.EscalationLevel, due = t.FirstResponseDueAt });
                escalated++;
            }

            var pool = t.Queue is TicketQueue.DigitalOps or TicketQueue.Advisors or TicketQueue.BranchDuty;
            if (!pool || PoolKey(t) is { } key && nobodyFree.Contains(key)) continue;
            if (t.AssigneeStaffId is { } assignee && presence.IsGone(assignee, TimeSpan.FromSeconds(o.OfflineGraceSeconds)))
            {
                var route = await router.RouteAsync(t.ClientId, t.Reason, excludeStaffId: assignee, ct);
                if (route.AssigneeStaffId is null) NobodyFree(t);
                if (route.AssigneeStaffId is { } next && next != assignee)
                {
                    await ReassignAsync(t, route, now, ct);
                    changed.Add(t);
                    notifier.Add(next, NotificationKind.HandoffAssigned, "转给您（原处理人离线）：" + label, link, t.ClientId, t.Id);
                    Event(t, new { rerouted = next, from = assignee, why = "assignee offline" });
                    rerouted++;
                }
            }
            else if (t.AssigneeStaffId is null)
            {
                var route = await router.RouteAsync(t.ClientId, t.Reason, excludeStaffId: null, ct);
                if (route.AssigneeStaffId is null) NobodyFree(t);
                if (route.AssigneeStaffId is { } next)
                {
                    await ReassignAsync(t, route, now, ct);
                    changed.Add(t);
                    notifier.Add(next, NotificationKind.HandoffAssigned, "新的转人工：" + label, link, t.ClientId, t.Id);
                    Event(t, new { assigned = next, why = route.Explanation });
                    assigned++;
                }
            }
        }
        await db.SaveChangesAsync(ct);
        timeline.Publish();
        await notifier.FlushAsync(ct);
        foreach (var t in changed) live.Publish(TicketChanged.Of(t));
        if (reminded + escalated + rerouted + assigned > 0) LogRun(logger, reminded, escalated, rerouted, assigned);
        return new SlaRunReport(reminded, escalated, rerouted, assigned);
    }

    /// <summary>
    /// The pool a waiting ticket is routed in, when that does not depend on the client: the queue its reason goes
    /// to, and the branch for a branch queue. A duty owner is the client's own, so such tickets are never skipped.
    /// </summary>
    private (TicketQueue, int?)? PoolKey(Ticket t) => options.Value.QueueFor(t.Reason) switch
    {
        TicketQueue.DutyOwner => null,
        TicketQueue.BranchDuty => (TicketQueue.BranchDuty, t.BranchId),
        var queue => (queue, null),
    };

    private void Event(Ticket t, object details) =>
        timeline.Append(t.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "system", EventVisibility.Internal,
            details: details, conversationId: t.ConversationId, ticketId: t.Id);

    /// <summary>The ticket goes where the router sent it: the person, and the queue (a branch-duty ticket whose duty holder is back is his again).</summary>
    private async Task ReassignAsync(Ticket t, RouteDecision route, DateTimeOffset now, CancellationToken ct)
    {
        var staffId = route.AssigneeStaffId ?? throw new InvalidOperationException("a ticket is reassigned only to someone");
        t.Reroute(route.Queue, route.BranchId, staffId, now);
        if (t.ConversationId is not { } id) return;
        var conversation = await db.Conversations.SingleAsync(c => c.Id == id, ct);
        if (conversation.State == ConversationState.WaitingForHuman) conversation.AssignWaiting(staffId, now);
    }

    private async Task<List<int>> RecipientsAsync(Ticket t, CancellationToken ct) =>
        t.AssigneeStaffId is { } a ? [a] : await OpenHandoff.TeamAsync(db, t.Queue, t.BranchId, ct);

    private async Task<List<int>> EscalationTargetsAsync(Ticket t, CancellationToken ct)
    {
        var targets = new List<int>();
        if (t.AssigneeStaffId is { } a) targets.Add(a);
        if (t.EscalationLevel == 1)
        {
            targets.AddRange(t.Queue == TicketQueue.DigitalOps
                ? await db.Staff.Where(s => s.Role == StaffRole.DigitalOps && s.IsActive).Select(s => s.Id).ToListAsync(ct)
                : await db.Staff.Where(s => s.Role == StaffRole.BranchHead && s.BranchId == t.BranchId && s.IsActive).Select(s => s.Id).ToListAsync(ct));
        }
        if (t.EscalationLevel >= 2 || targets.Count == (t.AssigneeStaffId is null ? 0 : 1))
        {
            targets.AddRange(await db.Staff.Where(s => s.Role == StaffRole.Admin && s.IsActive).Select(s => s.Id).ToListAsync(ct));
        }
        return targets.Distinct().ToList();
    }

    private async Task<Dictionary<long, string>> ClientNumbersAsync(IEnumerable<long> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        return await db.Clients.AsNoTracking().Where(c => list.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.ClientNo, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff SLA: {Reminded} reminded, {Escalated} escalated, {Rerouted} rerouted, {Assigned} assigned")]
    private static partial void LogRun(ILogger logger, int reminded, int escalated, int rerouted, int assigned);
}

/// <summary>Runs <see cref="HandoffSla"/> every few seconds.</summary>
public sealed partial class HandoffSlaWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<HandoffSlaWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<HandoffSla>().RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handoff SLA run failed")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

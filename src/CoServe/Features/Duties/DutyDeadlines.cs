using CoServe.Data;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties;

public sealed record DutyRunReport(int Reminded, int Escalated);

/// <summary>
/// The duty deadlines: complaints (acknowledgement, then resolution) and commission requests (answer) get a
/// reminder to the owner before the deadline and, once breached, climb the configured escalation ladder one rung
/// every N business days (branch head, Compliance, administrators by default). Each step is a timeline event.
/// </summary>
public sealed partial class DutyDeadlines(
    CoServeDb db,
    DutyCalendar calendar,
    DutyPeople people,
    TimelineWriter timeline,
    Notifier notifier,
    LiveEvents live,
    IOptions<DutiesOptions> options,
    TimeProvider clock,
    ILogger<DutyDeadlines> logger)
{
    public async Task<DutyRunReport> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        int reminded = 0, escalated = 0;
        var changed = new HashSet<long>();

        var complaints = await db.Set<Complaint>().Where(c => c.Status == ComplaintStatus.Registered || c.Status == ComplaintStatus.Acknowledged).ToListAsync(ct);
        var policy = options.Value.Complaints.Deadline;
        foreach (var c in complaints)
        {
            var phase = c.Status == ComplaintStatus.Registered ? "acknowledge" : "resolve";
            var action = DeadlineLadder.Next(c.PhaseStart, c.ActiveDueAt!.Value, c.ReminderSentAt, c.EscalatedAt, now, policy, calendar);
            if (action == DeadlineAction.None) continue;
            var label = $"投诉 {c.Number} · 客户 {await ClientNoAsync(c.ClientId, ct)}";
            if (action == DeadlineAction.Remind)
            {
                c.MarkReminded(now);
                notifier.Add(c.FirstHandlerStaffId, NotificationKind.SlaReminder, $"即将超时（{(phase == "acknowledge" ? "受理确认" : "办结")}）：{label}", ComplaintWorkflow.Link(c), c.ClientId, c.TicketId);
                Event(c.ClientId, c.TicketId, new { duty = "complaint", complaint = c.Id, sla = "reminder", phase });
                reminded++;
            }
            else
            {
                c.Escalate(now);
                var role = Rung(policy, c.EscalationLevel);
                foreach (var id in await TargetsAsync(c.FirstHandlerStaffId, role, c.ClientId, ct))
                {
                    notifier.Add(id, NotificationKind.SlaEscalation, $"已超时（{(phase == "acknowledge" ? "受理确认" : "办结")}，第{c.EscalationLevel}级升级）：{label}", ComplaintWorkflow.Link(c), c.ClientId, c.TicketId);
                }
                Event(c.ClientId, c.TicketId, new { duty = "complaint", complaint = c.Id, sla = "breached", phase, level = c.EscalationLevel, escalatedTo = role.ToString() });
                escalated++;
            }
            changed.Add(c.ClientId);
        }

        var requests = await db.Set<CommissionRequest>().Where(r => r.Status == CommissionStatus.Requested || r.Status == CommissionStatus.PendingApproval).ToListAsync(ct);
        var cp = options.Value.Commission.Deadline;
        foreach (var r in requests)
        {
            var action = DeadlineLadder.Next(r.ReceivedAt, r.AnswerDueAt, r.ReminderSentAt, r.EscalatedAt, now, cp, calendar);
            if (action == DeadlineAction.None) continue;
            var label = $"调佣 · 客户 {await ClientNoAsync(r.ClientId, ct)}";
            if (action == DeadlineAction.Remind)
            {
                r.MarkReminded(now);
                notifier.Add(r.OwnerStaffId, NotificationKind.SlaReminder, "即将超时：" + label, CommissionWorkflow.Link(r), r.ClientId, r.TicketId);
                if (r.NextApprover is { } approver)
                {
                    foreach (var id in await people.InRoleAsync(approver, await BranchAsync(r.ClientId, ct), ct)) notifier.Add(id, NotificationKind.SlaReminder, "待您审批，即将超时：" + label, CommissionWorkflow.Link(r), r.ClientId, r.TicketId);
                }
                Event(r.ClientId, r.TicketId, new { duty = "commission", request = r.Id, sla = "reminder" });
                reminded++;
            }
            else
            {
                r.Escalate(now);
                var role = Rung(cp, r.EscalationLevel);
                foreach (var id in await TargetsAsync(r.OwnerStaffId, role, r.ClientId, ct))
                {
                    notifier.Add(id, NotificationKind.SlaEscalation, $"已超时（第{r.EscalationLevel}级升级）：{label}", CommissionWorkflow.Link(r), r.ClientId, r.TicketId);
                }
                Event(r.ClientId, r.TicketId, new { duty = "commission", request = r.Id, sla = "breached", level = r.EscalationLevel, escalatedTo = role.ToString() });
                escalated++;
            }
            changed.Add(r.ClientId);
        }

        await db.SaveChangesAsync(ct);
        timeline.Publish();
        await notifier.FlushAsync(ct);
        foreach (var id in changed) live.Publish(new DutyChanged(id));
        if (reminded + escalated > 0) LogRun(logger, reminded, escalated);
        return new DutyRunReport(reminded, escalated);
    }

    private static StaffRole Rung(DeadlinePolicy policy, int level) => policy.Ladder[Math.Min(level, policy.Ladder.Count) - 1];

    private async Task<List<int>> TargetsAsync(int owner, StaffRole role, long clientId, CancellationToken ct)
    {
        var targets = await people.InRoleAsync(role, await BranchAsync(clientId, ct), ct);
        if (targets.Count == 0) targets = await people.InRoleAsync(StaffRole.Admin, null, ct);
        targets.Add(owner);
        return targets.Distinct().ToList();
    }

    private Task<int?> BranchAsync(long clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.BranchId).SingleAsync(ct);

    private Task<string> ClientNoAsync(long clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.ClientNo).SingleAsync(ct);

    private void Event(long clientId, long? ticketId, object details) =>
        timeline.Append(clientId, TimelineKind.TicketEvent, ActorKind.System, null, "system", EventVisibility.Internal, details: details, ticketId: ticketId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Duty deadlines: {Reminded} reminded, {Escalated} escalated")]
    private static partial void LogRun(ILogger logger, int reminded, int escalated);
}

/// <summary>
/// Runs the duty deadlines (and the privacy desk's) every <see cref="DutiesOptions.JobIntervalSeconds"/>, and once per Shanghai day the AML
/// due-diligence schedule and the new-client callbacks. Every step is idempotent, so several nodes or a restart
/// repeat nothing. A failing run is logged and counted and retried at the next tick.
/// </summary>
public sealed partial class DutiesWorker(IServiceScopeFactory scopes, IOptions<DutiesOptions> options, TimeProvider clock, ILogger<DutiesWorker> logger) : BackgroundService
{
    private DateOnly? _dailyDoneFor;

    public long Failures { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.JobIntervalSeconds), clock);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Failures++;
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One tick: deadlines always, the daily jobs on the first tick of each Shanghai day.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DutyDeadlines>().RunAsync(ct);
        }
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Privacy.DataRightsDesk>().RunDeadlinesAsync(ct);
        }
        var today = BusinessTime.Today(clock);
        if (_dailyDoneFor == today) return;
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AmlSchedule>().RunAsync(ct);
        }
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<CallbackPlanner>().PlanNewClientsAsync(ct);
        }
        _dailyDoneFor = today;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Duties job run failed")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

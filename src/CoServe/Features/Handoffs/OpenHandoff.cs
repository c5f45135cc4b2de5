using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Handoffs;

/// <summary>One handoff to open: the conversation, why, and what the human gets with it.</summary>
public sealed record HandoffRequest(Conversation Conversation, string ClientNo, HandoffReason Reason, HandoffPackage Package, string EngineExplanation);

/// <summary>
/// Turns a handoff into a ticket inside the caller's transaction: routed, with its SLA deadline, the package for
/// the human, a timeline event, the conversation waiting for a human, and the assignee (or the team) notified.
/// Several handoffs (the service officer's batch) are routed together and their tickets stored in one round.
/// </summary>
public sealed class OpenHandoff(
    CoServeDb db,
    HandoffRouter router,
    TimelineWriter timeline,
    Notifier notifier,
    FieldProtector protector,
    IOptions<HandoffOptions> options,
    IOptions<CalendarOptions> calendar,
    TimeProvider clock)
{
    /// <summary>Opens the tickets inside the caller's transaction (one insert for all); the tickets are not change-tracked.</summary>
    /// <returns>One ticket per request, in order.</returns>
    public async Task<IReadOnlyList<Ticket>> OpenManyAsync(IReadOnlyList<HandoffRequest> requests, CancellationToken ct)
    {
        if (requests.Count == 0) return [];
        var now = clock.GetUtcNow();
        var routes = await router.RouteManyAsync(requests.Select(r => new RouteRequest(r.Conversation.ClientId, r.Reason, null)).ToList(), ct);
        var hours = options.Value.ServiceHours.Build(calendar.Value);
        var tickets = new List<Ticket>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var (r, route) = (requests[i], routes[i]);
            var ticket = new Ticket(r.Conversation.ClientId, r.Conversation.Id, r.Reason, route.Queue, route.BranchId, now, hours.Add(now, options.Value.FirstResponse(r.Reason)))
            {
                Intent = r.Package.Intent,
                SummaryCipher = protector.Encrypt(ProtectedField.MessageText, r.Package.Summary),
                SuggestedReplyCipher = r.Package.SuggestedReply is null ? null : protector.Encrypt(ProtectedField.MessageText, r.Package.SuggestedReply),
                EntitiesCipher = r.Package.Entities.Count == 0 ? null : protector.Encrypt(ProtectedField.MessageText, JsonSerializer.Serialize(r.Package.Entities)),
            };
            ticket.Assign(route.AssigneeStaffId, now);
            tickets.Add(ticket);
        }
        await Ticket.InsertAsync(db, tickets, ct);

        var teams = new Dictionary<(TicketQueue, int?), List<int>>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (r, route, ticket) = (requests[i], routes[i], tickets[i]);
            r.Conversation.HandOffToHumans(ticket.Id, route.AssigneeStaffId, now);
            timeline.Append(r.Conversation.ClientId, TimelineKind.Handoff, ActorKind.Officer, null, r.Conversation.Channel, EventVisibility.Internal,
                text: r.Package.Summary,
                details: new
                {
                    reason = r.Reason.ToString(),
                    queue = route.Queue.ToString(),
                    assignee = route.AssigneeStaffId,
                    intent = r.Package.Intent,
                    due = ticket.FirstResponseDueAt,
                    routing = route.Explanation,
                    engine = r.EngineExplanation,
                },
                conversationId: r.Conversation.Id,
                ticketId: ticket.Id,
                correlationId: $"ticket-{ticket.Id}");
            await NotifyAsync(ticket, r.ClientNo, route, teams, ct);
        }
        return tickets;
    }

    private async Task NotifyAsync(Ticket ticket, string clientNo, RouteDecision route, Dictionary<(TicketQueue, int?), List<int>> teams, CancellationToken ct)
    {
        var text = $"{ReasonLabel(ticket.Reason)} · 客户 {clientNo}";
        var link = $"/inbox/{ticket.Id}";
        if (route.AssigneeStaffId is { } assignee)
        {
            notifier.Add(assignee, NotificationKind.HandoffAssigned, "新的转人工：" + text, link, ticket.ClientId, ticket.Id);
            return;
        }
        // Only a branch's queues differ by branch; the digital team and the advisors are one team for every client.
        var key = (ticket.Queue, ticket.Queue is TicketQueue.BranchDuty or TicketQueue.DutyOwner ? ticket.BranchId : null);
        if (!teams.TryGetValue(key, out var team))
        {
            teams[key] = team = await TeamAsync(db, ticket.Queue, ticket.BranchId, ct);
        }
        foreach (var staffId in team)
        {
            notifier.Add(staffId, NotificationKind.HandoffInQueue, "团队队列待接：" + text, link, ticket.ClientId, ticket.Id);
        }
    }

    /// <summary>
    /// Everyone who sees a queue's unassigned tickets; when nobody active is left in the team (its last member left or
    /// moved), the administrators, so that no handoff waits where nobody looks.
    /// </summary>
    public static async Task<List<int>> TeamAsync(CoServeDb db, TicketQueue queue, int? branchId, CancellationToken ct)
    {
        var team = await TeamMembers(db.Staff, queue, branchId).Where(s => s.IsActive).Select(s => s.Id).ToListAsync(ct);
        return team.Count > 0 ? team : await db.Staff.ActiveInRoleAsync(StaffRole.Admin, ct);
    }

    /// <summary>The staff whose team works a queue: the branch's managers and head, the advisors, or the digital team.</summary>
    public static IQueryable<StaffMember> TeamMembers(IQueryable<StaffMember> staff, TicketQueue queue, int? branchId) => queue switch
    {
        TicketQueue.BranchDuty or TicketQueue.DutyOwner => staff.Where(s => s.BranchId == branchId && (s.Role == StaffRole.ClientManager || s.Role == StaffRole.BranchHead)),
        TicketQueue.Advisors => staff.Where(s => s.Role == StaffRole.Advisor),
        _ => staff.Where(s => s.Role == StaffRole.DigitalOps),
    };

    /// <summary>The queue whose team a staff member belongs to (null for roles that work no queue).</summary>
    public static TicketQueue? TeamQueueOf(StaffRole role) => role switch
    {
        StaffRole.ClientManager or StaffRole.BranchHead => TicketQueue.BranchDuty,
        StaffRole.Advisor => TicketQueue.Advisors,
        StaffRole.DigitalOps => TicketQueue.DigitalOps,
        _ => null,
    };

    public static string ReasonLabel(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => "投诉",
        HandoffReason.NegativeEmotion => "负面情绪",
        HandoffReason.CommissionRequest => "调佣",
        HandoffReason.AmlRelated => "反洗钱",
        HandoffReason.AdviceRequest => "投资建议",
        HandoffReason.HumanRequested => "要求人工",
        HandoffReason.LowConfidence => "无法确定答案",
        HandoffReason.RepeatedFailure => "多次未解决",
        HandoffReason.AccountSecurity => "账户安全",
        HandoffReason.HighValueClient => "高净值客户",
        HandoffReason.GuardrailBlocked => "合规拦截",
        _ => reason.ToString(),
    };
}

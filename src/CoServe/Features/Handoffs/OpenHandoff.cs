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

/// <summary>
/// Turns a handoff into a ticket inside the caller's transaction: routed, with its SLA deadline, the package for
/// the human, a timeline event, the conversation waiting for a human, and the assignee (or the team) notified.
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
    public async Task<Ticket> OpenAsync(Conversation conversation, string clientNo, HandoffReason reason, HandoffPackage package, string engineExplanation, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var route = await router.RouteAsync(conversation.ClientId, reason, excludeStaffId: null, ct);
        var hours = options.Value.ServiceHours.Build(calendar.Value);
        var ticket = new Ticket(conversation.ClientId, conversation.Id, reason, route.Queue, route.BranchId, now, hours.Add(now, options.Value.FirstResponse(reason)))
        {
            Intent = package.Intent,
            SummaryCipher = protector.Encrypt(ProtectedField.MessageText, package.Summary),
            SuggestedReplyCipher = package.SuggestedReply is null ? null : protector.Encrypt(ProtectedField.MessageText, package.SuggestedReply),
            EntitiesCipher = package.Entities.Count == 0 ? null : protector.Encrypt(ProtectedField.MessageText, JsonSerializer.Serialize(package.Entities)),
        };
        ticket.Assign(route.AssigneeStaffId, now);
        db.Tickets.Add(ticket);
        await db.SaveChangesAsync(ct);

        conversation.HandOffToHumans(ticket.Id, route.AssigneeStaffId, now);
        timeline.Append(conversation.ClientId, TimelineKind.Handoff, ActorKind.Officer, null, conversation.Channel, EventVisibility.Internal,
            text: package.Summary,
            details: new
            {
                reason = reason.ToString(),
                queue = route.Queue.ToString(),
                assignee = route.AssigneeStaffId,
                intent = package.Intent,
                due = ticket.FirstResponseDueAt,
                routing = route.Explanation,
                engine = engineExplanation,
            },
            conversationId: conversation.Id,
            ticketId: ticket.Id,
            correlationId: $"ticket-{ticket.Id}");
        await NotifyAsync(ticket, clientNo, route, ct);
        return ticket;
    }

    private async Task NotifyAsync(Ticket ticket, string clientNo, RouteDecision route, CancellationToken ct)
    {
        var text = $"{ReasonLabel(ticket.Reason)} · 客户 {clientNo}";
        var link = $"/inbox/{ticket.Id}";
        if (route.AssigneeStaffId is { } assignee)
        {
            notifier.Add(assignee, NotificationKind.HandoffAssigned, "新的转人工：" + text, link, ticket.ClientId, ticket.Id);
            return;
        }
        foreach (var staffId in await TeamAsync(db, ticket.Queue, ticket.BranchId, ct))
        {
            notifier.Add(staffId, NotificationKind.HandoffInQueue, "团队队列待接：" + text, link, ticket.ClientId, ticket.Id);
        }
    }

    /// <summary>Everyone who sees a queue's unassigned tickets.</summary>
    public static async Task<List<int>> TeamAsync(CoServeDb db, TicketQueue queue, int? branchId, CancellationToken ct)
    {
        var q = queue switch
        {
            TicketQueue.BranchDuty or TicketQueue.DutyOwner => db.Staff.Where(s => s.BranchId == branchId && (s.Role == StaffRole.ClientManager || s.Role == StaffRole.BranchHead)),
            TicketQueue.Advisors => db.Staff.Where(s => s.Role == StaffRole.Advisor),
            _ => db.Staff.Where(s => s.Role == StaffRole.DigitalOps),
        };
        return await q.Where(s => s.IsActive).Select(s => s.Id).ToListAsync(ct);
    }

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

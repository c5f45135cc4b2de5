using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Organization;

/// <summary>What a handover moved: open handoffs (to a colleague, or to the team's queue) and conversations.</summary>
public sealed record HandoverResult(int TicketsRerouted, int TicketsToTeamQueue, int ConversationsReturned, IReadOnlyList<Ticket> Tickets, IReadOnlyList<Conversation> Conversations)
{
    public static readonly HandoverResult None = new(0, 0, 0, [], []);
}

/// <summary>
/// Moves the open handoffs and held conversations a staff member can no longer work on (he left, or his role or branch
/// changed) to whoever a new handoff would go to now, without him: a colleague (notified), else the team's queue (every
/// member notified). A conversation follows its ticket's new assignee; one held without a ticket goes back to the
/// service officer. Every move is a timeline event. Runs in the caller's transaction; <see cref="PublishAsync"/> after it.
/// </summary>
public sealed class StaffHandover(CoServeDb db, HandoffRouter router, TimelineWriter timeline, Notifier notifier, LiveEvents live)
{
    /// <param name="staff">Whose work moves (already saved in his new state, which the router reads).</param>
    /// <param name="stays">Clients whose handoffs and conversations stay with him; null when nothing does.</param>
    /// <param name="label">Why, for the notification line ("原处理人已停用").</param>
    /// <param name="why">Why, for the timeline event ("assignee deactivated").</param>
    /// <param name="now">The instant of the change.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<HandoverResult> MoveAwayAsync(StaffMember staff, IReadOnlySet<long>? stays, string label, string why, DateTimeOffset now, CancellationToken ct)
    {
        int rerouted = 0, toTeam = 0, returned = 0;
        var tickets = (await db.Tickets.Where(t => t.AssigneeStaffId == staff.Id && t.Status != TicketStatus.Resolved).OrderBy(t => t.Id).ToListAsync(ct))
            .Where(t => stays is null || !stays.Contains(t.ClientId)).ToList();
        foreach (var t in tickets)
        {
            var route = await router.RouteAsync(t.ClientId, t.Reason, excludeStaffId: staff.Id, ct);
            t.Reroute(route.Queue, route.BranchId, route.AssigneeStaffId, now);
            var line = $"{OpenHandoff.ReasonLabel(t.Reason)} · {label}";
            if (route.AssigneeStaffId is { } next)
            {
                notifier.Add(next, NotificationKind.HandoffAssigned, "转给您：" + line, $"/inbox/{t.Id}", t.ClientId, t.Id);
                rerouted++;
            }
            else
            {
                foreach (var id in await OpenHandoff.TeamAsync(db, t.Queue, t.BranchId, ct))
                {
                    notifier.Add(id, NotificationKind.HandoffInQueue, "团队队列待接：" + line, $"/inbox/{t.Id}", t.ClientId, t.Id);
                }
                toTeam++;
            }
            timeline.Append(t.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "system", EventVisibility.Internal,
                details: new { ticket = t.Id, rerouted = route.AssigneeStaffId, from = staff.Id, queue = route.Queue.ToString(), why },
                conversationId: t.ConversationId, ticketId: t.Id);
        }

        // Conversations he holds or is awaited in: with their ticket's new assignee, or back with the service officer.
        var assignee = tickets.ToDictionary(t => t.Id, t => t.AssigneeStaffId);
        var held = (await db.Conversations.Where(c => c.ControllerStaffId == staff.Id && (c.State == ConversationState.HumanActive || c.State == ConversationState.WaitingForHuman))
                .ToListAsync(ct))
            .Where(c => stays is null || !stays.Contains(c.ClientId)).ToList();
        foreach (var c in held)
        {
            if (c.OpenTicketId is { } open)
            {
                var to = assignee.TryGetValue(open, out var a) ? a
                    : await db.Tickets.Where(t => t.Id == open).Select(t => t.AssigneeStaffId).SingleOrDefaultAsync(ct);
                c.HandOffToHumans(open, to, now);
                timeline.Append(c.ClientId, TimelineKind.ControlChange, ActorKind.System, null, c.Channel, EventVisibility.Internal,
                    details: new { action = why, from = staff.Id, to, state = c.State.ToString() }, conversationId: c.Id);
            }
            else
            {
                c.HandBackToAi(now);
                returned++;
                timeline.Append(c.ClientId, TimelineKind.ControlChange, ActorKind.System, null, c.Channel, EventVisibility.Internal,
                    details: new { action = why, from = staff.Id, to = (int?)null, state = c.State.ToString() }, conversationId: c.Id);
            }
        }
        return new HandoverResult(rerouted, toTeam, returned, tickets, held);
    }

    /// <summary>After the caller's commit: timeline events and notifications out, live screens told.</summary>
    public async Task PublishAsync(HandoverResult result, CancellationToken ct)
    {
        timeline.Publish();
        await notifier.FlushAsync(ct);
        foreach (var t in result.Tickets) live.Publish(TicketChanged.Of(t));
        foreach (var c in result.Conversations) live.Publish(new ConversationChanged(c.ClientId, c.Id));
    }
}

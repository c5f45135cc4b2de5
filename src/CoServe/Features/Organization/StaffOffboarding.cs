using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Organization;

/// <summary>What deactivating an account did, and what is left for a person to decide.</summary>
/// <param name="Login">The account.</param>
/// <param name="WasActive">False when it was already deactivated (running it again re-routes anything still left with him).</param>
/// <param name="TicketsRerouted">Open handoffs now with a colleague (routed as a new handoff would be, without him).</param>
/// <param name="TicketsToTeamQueue">Open handoffs nobody could take now: waiting in the team's queue, the team notified.</param>
/// <param name="ConversationsReturned">Conversations he held without a handoff, back with the service officer.</param>
/// <param name="ClientsAsPrimary">Clients whose primary servicer he still is: move them with a transfer plan.</param>
/// <param name="ClientsAsCoServicer">Clients for whom he still keeps duties: until they move, their duty handoffs go to the branch's managers.</param>
public sealed record OffboardingReport(string Login, bool WasActive, int TicketsRerouted, int TicketsToTeamQueue, int ConversationsReturned, int ClientsAsPrimary, int ClientsAsCoServicer);

/// <summary>
/// A staff member leaves (离职) or is suspended: the account stops working at once (sign-in, API tokens, and open
/// console sessions at their next request or revalidation), and nothing he held is left waiting for someone who will
/// not come: each open handoff is routed again without him, a conversation he held waits for its new assignee,
/// and the client is never told. His clients are not moved silently; the report counts them for a transfer plan.
/// </summary>
public sealed partial class StaffOffboarding(
    CoServeDb db,
    HandoffRouter router,
    TimelineWriter timeline,
    Notifier notifier,
    StaffDirectory directory,
    StaffPresence presence,
    LiveEvents live,
    TimeProvider clock,
    ILogger<StaffOffboarding> logger)
{
    /// <param name="login">The account to deactivate.</param>
    /// <param name="actor">Who does it from the console (null: the command line); nobody deactivates himself.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<OffboardingReport> DeactivateAsync(string login, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await FindAsync(login, ct);
        if (actor?.Id == staff.Id) throw new ArgumentException("you cannot deactivate your own account", nameof(login));
        if (staff.IsActive && staff.Role == StaffRole.Admin && !await db.Staff.AnyAsync(s => s.Id != staff.Id && s.IsActive && s.Role == StaffRole.Admin, ct))
        {
            throw new ArgumentException($"'{staff.Login}' is the last active administrator; make another administrator first", nameof(login));
        }
        var wasActive = staff.IsActive;
        var now = clock.GetUtcNow();
        int rerouted = 0, toTeam = 0, returned = 0;
        var changed = new List<Ticket>();

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            staff.Deactivate();
            await db.SaveChangesAsync(ct); // the router reads him as inactive from here on

            var tickets = await db.Tickets.Where(t => t.AssigneeStaffId == staff.Id && t.Status != TicketStatus.Resolved).OrderBy(t => t.Id).ToListAsync(ct);
            foreach (var t in tickets)
            {
                var route = await router.RouteAsync(t.ClientId, t.Reason, excludeStaffId: staff.Id, ct);
                t.Reroute(route.Queue, route.BranchId, route.AssigneeStaffId, now);
                changed.Add(t);
                var label = $"{OpenHandoff.ReasonLabel(t.Reason)} · 原处理人已停用";
                if (route.AssigneeStaffId is { } next)
                {
                    notifier.Add(next, NotificationKind.HandoffAssigned, "转给您：" + label, $"/inbox/{t.Id}", t.ClientId, t.Id);
                    rerouted++;
                }
                else
                {
                    foreach (var id in await OpenHandoff.TeamAsync(db, t.Queue, t.BranchId, ct))
                    {
                        notifier.Add(id, NotificationKind.HandoffInQueue, "团队队列待接：" + label, $"/inbox/{t.Id}", t.ClientId, t.Id);
                    }
                    toTeam++;
                }
                timeline.Append(t.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "system", EventVisibility.Internal,
                    details: new { ticket = t.Id, rerouted = route.AssigneeStaffId, from = staff.Id, queue = route.Queue.ToString(), why = "assignee deactivated" },
                    conversationId: t.ConversationId, ticketId: t.Id);
            }

            // Conversations he holds or is awaited in: with their ticket's new assignee, or back with the service officer.
            var assignee = changed.ToDictionary(t => t.Id, t => t.AssigneeStaffId);
            var held = await db.Conversations.Where(c => c.ControllerStaffId == staff.Id && (c.State == ConversationState.HumanActive || c.State == ConversationState.WaitingForHuman))
                .ToListAsync(ct);
            foreach (var c in held)
            {
                int? to = null;
                if (c.OpenTicketId is { } ticketId)
                {
                    to = assignee.TryGetValue(ticketId, out var a) ? a
                        : await db.Tickets.Where(t => t.Id == ticketId).Select(t => t.AssigneeStaffId).SingleOrDefaultAsync(ct);
                }
                if (c.OpenTicketId is { } open)
                {
                    c.HandOffToHumans(open, to, now);
                }
                else
                {
                    c.HandBackToAi(now);
                    returned++;
                }
                timeline.Append(c.ClientId, TimelineKind.ControlChange, ActorKind.System, null, c.Channel, EventVisibility.Internal,
                    details: new { action = "controller deactivated", from = staff.Id, to, state = c.State.ToString() }, conversationId: c.Id);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);

            directory.Invalidate();
            timeline.Publish();
            await notifier.FlushAsync(ct);
            foreach (var t in changed) live.Publish(TicketChanged.Of(t));
            foreach (var c in held) live.Publish(new ConversationChanged(c.ClientId, c.Id));
        }

        LogDeactivated(logger, staff.Id, actor?.Id, rerouted + toTeam, returned);
        var servicers = await db.ClientServicers.AsNoTracking().Where(s => s.StaffId == staff.Id).Select(s => s.IsPrimary).ToListAsync(ct);
        return new OffboardingReport(staff.Login, wasActive, rerouted, toTeam, returned, servicers.Count(p => p), servicers.Count(p => !p));
    }

    /// <summary>The account works again (a suspension lifted); what was routed away stays where it went.</summary>
    public async Task ActivateAsync(string login, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await FindAsync(login, ct);
        staff.Activate();
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        LogActivated(logger, staff.Id, actor?.Id);
    }

    private async Task<StaffMember> FindAsync(string login, CancellationToken ct)
    {
        var normalised = (login ?? "").Trim().ToLowerInvariant();
        return await db.Staff.SingleOrDefaultAsync(s => s.Login == normalised, ct)
            ?? throw new ArgumentException($"no staff account with login '{login}'", nameof(login));
    }

    /// <summary>Every account with what it holds: open handoffs, clients as primary servicer and as co-servicer.</summary>
    public async Task<IReadOnlyList<StaffAccountRow>> ListAsync(CancellationToken ct)
    {
        var staff = await db.Staff.AsNoTracking().Include(s => s.Branch).OrderBy(s => s.IsActive ? 0 : 1).ThenBy(s => s.Role).ThenBy(s => s.Login).ToListAsync(ct);
        var tickets = await db.Tickets.AsNoTracking().Where(t => t.AssigneeStaffId != null && t.Status != TicketStatus.Resolved)
            .GroupBy(t => t.AssigneeStaffId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var clients = await db.ClientServicers.AsNoTracking().Where(s => s.StaffId != null)
            .GroupBy(s => new { StaffId = s.StaffId!.Value, s.IsPrimary }).Select(g => new { g.Key.StaffId, g.Key.IsPrimary, Count = g.Count() }).ToListAsync(ct);
        int Clients(int id, bool primary) => clients.Where(c => c.StaffId == id && c.IsPrimary == primary).Sum(c => c.Count);
        return staff.Select(s => new StaffAccountRow(s.Id, s.Login, s.DisplayName, s.Role, s.Branch?.Name, s.IsActive, s.IsActive && presence.StatusOf(s.Id) != PresenceStatus.Offline,
            tickets.GetValueOrDefault(s.Id), Clients(s.Id, true), Clients(s.Id, false))).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} deactivated by {ActorId}: {Tickets} open handoffs routed again, {Returned} conversations back with the service officer")]
    private static partial void LogDeactivated(ILogger logger, int staffId, int? actorId, int tickets, int returned);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} activated by {ActorId}")]
    private static partial void LogActivated(ILogger logger, int staffId, int? actorId);
}

/// <summary>One account on the staff page.</summary>
public sealed record StaffAccountRow(int Id, string Login, string DisplayName, StaffRole Role, string? Branch, bool IsActive, bool Online, int OpenHandoffs, int ClientsAsPrimary, int ClientsAsCoServicer);

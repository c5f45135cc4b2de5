using CoServe.Data;
using CoServe.Features.Handoffs;
using CoServe.Platform.Auth;
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
    StaffHandover handover,
    StaffDirectory directory,
    StaffPresence presence,
    TimeProvider clock,
    ILogger<StaffOffboarding> logger)
{
    /// <param name="login">The account to deactivate.</param>
    /// <param name="actor">Who does it from the console (null: the command line); nobody deactivates himself.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<OffboardingReport> DeactivateAsync(string login, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await db.Staff.FindByLoginAsync(login, ct);
        if (actor?.Id == staff.Id) throw new ArgumentException("you cannot deactivate your own account", nameof(login));
        await db.Staff.EnsureNotLastAdministratorAsync(staff, ct);
        var wasActive = staff.IsActive;
        HandoverResult moved;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            staff.Deactivate();
            await db.SaveChangesAsync(ct); // the router reads him as inactive from here on
            moved = await handover.MoveAwayAsync(staff, stays: null, "原处理人已停用", "assignee deactivated", clock.GetUtcNow(), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        directory.Invalidate();
        await handover.PublishAsync(moved, ct);

        LogDeactivated(logger, staff.Id, actor?.Id, moved.TicketsRerouted + moved.TicketsToTeamQueue, moved.ConversationsReturned);
        var servicers = await db.ClientServicers.AsNoTracking().Where(s => s.StaffId == staff.Id).Select(s => s.IsPrimary).ToListAsync(ct);
        return new OffboardingReport(staff.Login, wasActive, moved.TicketsRerouted, moved.TicketsToTeamQueue, moved.ConversationsReturned, servicers.Count(p => p), servicers.Count(p => !p));
    }

    /// <summary>The account works again (a suspension lifted); what was routed away stays where it went.</summary>
    public async Task ActivateAsync(string login, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await db.Staff.FindByLoginAsync(login, ct);
        staff.Activate();
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        LogActivated(logger, staff.Id, actor?.Id);
    }

    /// <summary>
    /// Every account with what it holds: open handoffs, clients as primary servicer and as co-servicer, and whether he
    /// is the last active member of his team (after him its queue falls to the administrators).
    /// </summary>
    public async Task<IReadOnlyList<StaffAccountRow>> ListAsync(CancellationToken ct)
    {
        var staff = await db.Staff.AsNoTracking().Include(s => s.Branch).OrderBy(s => s.IsActive ? 0 : 1).ThenBy(s => s.Role).ThenBy(s => s.Login).ToListAsync(ct);
        var tickets = await db.Tickets.AsNoTracking().Where(t => t.AssigneeStaffId != null && t.Status != TicketStatus.Resolved)
            .GroupBy(t => t.AssigneeStaffId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var clients = await db.ClientServicers.AsNoTracking().Where(s => s.StaffId != null)
            .GroupBy(s => new { StaffId = s.StaffId!.Value, s.IsPrimary }).Select(g => new { g.Key.StaffId, g.Key.IsPrimary, Count = g.Count() }).ToListAsync(ct);
        int Clients(int id, bool primary) => clients.Where(c => c.StaffId == id && c.IsPrimary == primary).Sum(c => c.Count);
        bool LastOfTeam(StaffMember s) => s.IsActive && OpenHandoff.TeamQueueOf(s.Role) is { } queue
            && OpenHandoff.TeamMembers(staff.AsQueryable(), queue, s.BranchId).Count(m => m.IsActive) == 1;
        return staff.Select(s => new StaffAccountRow(s.Id, s.Login, s.DisplayName, s.Role, s.Branch?.Name, s.Branch?.Code, s.WeComUserId, s.IsActive, s.IsActive && presence.StatusOf(s.Id) != PresenceStatus.Offline,
            tickets.GetValueOrDefault(s.Id), Clients(s.Id, true), Clients(s.Id, false), LastOfTeam(s))).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} deactivated by {ActorId}: {Tickets} open handoffs routed again, {Returned} conversations back with the service officer")]
    private static partial void LogDeactivated(ILogger logger, int staffId, int? actorId, int tickets, int returned);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} activated by {ActorId}")]
    private static partial void LogActivated(ILogger logger, int staffId, int? actorId);
}

/// <summary>One account on the staff page.</summary>
public sealed record StaffAccountRow(int Id, string Login, string DisplayName, StaffRole Role, string? Branch, string? BranchCode, string? WeComUserId, bool IsActive, bool Online, int OpenHandoffs, int ClientsAsPrimary, int ClientsAsCoServicer, bool LastOfTeam);

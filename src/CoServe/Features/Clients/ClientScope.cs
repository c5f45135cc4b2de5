using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;

namespace CoServe.Features.Clients;

/// <summary>
/// Data scopes: which clients a staff member may see. Console pages and the HTTP API both go through
/// <see cref="VisibleTo"/>, so a client outside scope simply does not exist for that caller.
/// </summary>
public static class ClientScope
{
    public static IQueryable<Client> VisibleTo(this IQueryable<Client> clients, CurrentStaff staff) => staff.Role switch
    {
        StaffRole.Admin or StaffRole.Compliance => clients,
        StaffRole.BranchHead => clients.Where(c => c.BranchId == staff.BranchId),
        StaffRole.DigitalOps => clients.Where(c => c.Servicers.Any(s => s.StaffId == null)),
        // A manager's or advisor's book, and the clients whose open handoff he must work on: assigned to him, or
        // waiting unassigned in his team's queue (an advice request in the advisors' pool, a complaint in his
        // branch's duty pool). Without the second part such a ticket was listed for nobody who could open it.
        StaffRole.ClientManager => clients.Where(c => c.Servicers.Any(s => s.StaffId == staff.Id)
            || c.Tickets.Any(t => t.Status != TicketStatus.Resolved && (t.AssigneeStaffId == staff.Id
                || (t.AssigneeStaffId == null && (t.Queue == TicketQueue.BranchDuty || t.Queue == TicketQueue.DutyOwner) && t.BranchId == staff.BranchId)))),
        StaffRole.Advisor => clients.Where(c => c.Servicers.Any(s => s.StaffId == staff.Id)
            || c.Tickets.Any(t => t.Status != TicketStatus.Resolved && (t.AssigneeStaffId == staff.Id || (t.AssigneeStaffId == null && t.Queue == TicketQueue.Advisors)))),
        _ => clients.Where(_ => false),
    };

    /// <summary>Whether the role may change client data at all (Compliance reads only).</summary>
    public static bool CanChange(CurrentStaff staff) => staff.Role != StaffRole.Compliance;

    /// <summary>
    /// AML risk levels are shown to Compliance, Admin and whoever holds the client's AML duty, never to the
    /// service officer's team (no tipping-off through the front line).
    /// </summary>
    public static bool CanSeeAmlRisk(CurrentStaff staff, IEnumerable<ClientServicer> servicers) =>
        staff.Role is StaffRole.Compliance or StaffRole.Admin
        || servicers.Any(s => s.StaffId == staff.Id && s.Duties.HasFlag(DutyScope.Aml));
}

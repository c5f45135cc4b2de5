using System.Linq.Expressions;
using CoServe.Data;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore.Query;

namespace CoServe.Features.Clients;

/// <summary>
/// Data scopes: which clients a staff member may see. Console pages and the HTTP API both go through
/// <see cref="VisibleTo"/>, so a client outside scope simply does not exist for that caller.
/// </summary>
public static class ClientScope
{
    public static IQueryable<Client> VisibleTo(this IQueryable<Client> clients, CurrentStaff staff)
    {
        switch (staff.Role)
        {
            case StaffRole.Admin or StaffRole.Compliance:
                return clients;
            case StaffRole.BranchHead:
                return clients.Where(c => c.BranchId == staff.BranchId);
            case StaffRole.DigitalOps:
                return clients.Where(c => c.Servicers.Any(s => s.StaffId == null));
            case StaffRole.ClientManager or StaffRole.Advisor:
                // A manager's or advisor's book, and the clients whose open handoff he must work on: assigned to him, or
                // waiting unassigned in his team's queue (an advice request in the advisors' pool, a complaint in his
                // branch's duty pool). Without the second part such a ticket was listed for nobody who could open it.
                var handoffs = HandoffsFor(staff);
                return clients.Where(c => c.Servicers.Any(s => s.StaffId == staff.Id) || c.Tickets.AsQueryable().Any(handoffs));
            default:
                return clients.Where(_ => false);
        }
    }

    /// <summary>
    /// The ids of the clients <see cref="VisibleTo"/> lets the staff member see, asked the way an index answers it
    /// (servicer rows by staff member, clients by branch, open tickets) instead of testing every client in the book;
    /// for aggregates that filter many rows by scope. Null for the roles that see every client. The same rule as
    /// <see cref="VisibleTo"/> (a test holds the two equal for every role).
    /// </summary>
    public static IQueryable<long>? VisibleClientIds(this CoServeDb db, CurrentStaff staff) => staff.Role switch
    {
        StaffRole.Admin or StaffRole.Compliance => null,
        StaffRole.BranchHead => db.Clients.Where(c => c.BranchId == staff.BranchId).Select(c => c.Id),
        StaffRole.DigitalOps => db.ClientServicers.Where(s => s.StaffId == null).Select(s => s.ClientId),
        StaffRole.ClientManager or StaffRole.Advisor => db.ClientServicers.Where(s => s.StaffId == staff.Id).Select(s => s.ClientId)
            .Concat(db.Tickets.Where(HandoffsFor(staff)).Select(t => t.ClientId)),
        _ => db.Clients.Where(_ => false).Select(c => c.Id),
    };

    /// <summary>
    /// The scope as a test on a client id, for aggregates that filter many rows (tickets, officer work) by client; null
    /// for the roles that see every client. Asked the way the database answers it fastest: the digital team's scope is
    /// most of the book (four clients in five), so each row's client is looked up in the servicer index, and the rows
    /// are read by their own index (by time, say); building a list of hundreds of thousands of ids first, and driving
    /// the query from it, took seconds. The narrower scopes (a branch, a manager's book) are gathered once as a list
    /// (<see cref="VisibleClientIds"/>) and probed in memory. Same rule as <see cref="VisibleTo"/> (a test holds the
    /// two equal for every role).
    /// </summary>
    public static Expression<Func<long, bool>>? ClientIdFilter(this CoServeDb db, CurrentStaff staff)
    {
        if (staff.Role == StaffRole.DigitalOps)
        {
            return id => db.ClientServicers.Any(s => s.ClientId == id && s.StaffId == null);
        }
        return db.VisibleClientIds(staff) is { } ids ? id => ids.Contains(id) : null;
    }

    /// <summary>Rows whose client (<paramref name="clientId"/>) passes <paramref name="filter"/>; all rows when it is null.</summary>
    public static IQueryable<T> WhereClient<T>(this IQueryable<T> rows, Expression<Func<T, long>> clientId, Expression<Func<long, bool>>? filter)
    {
        if (filter is null) return rows;
        var body = ReplacingExpressionVisitor.Replace(filter.Parameters[0], clientId.Body, filter.Body);
        return rows.Where(Expression.Lambda<Func<T, bool>>(body, clientId.Parameters));
    }

    /// <summary>Open handoffs a manager or advisor must work on: assigned to him, or unassigned in his team's queue.</summary>
    private static Expression<Func<Ticket, bool>> HandoffsFor(CurrentStaff staff) => staff.Role == StaffRole.Advisor
        ? t => t.Status != TicketStatus.Resolved && (t.AssigneeStaffId == staff.Id || (t.AssigneeStaffId == null && t.Queue == TicketQueue.Advisors))
        : t => t.Status != TicketStatus.Resolved && (t.AssigneeStaffId == staff.Id
            || (t.AssigneeStaffId == null && (t.Queue == TicketQueue.BranchDuty || t.Queue == TicketQueue.DutyOwner) && t.BranchId == staff.BranchId));

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

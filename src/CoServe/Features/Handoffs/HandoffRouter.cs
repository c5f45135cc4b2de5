using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Handoffs;

public sealed record RouteDecision(TicketQueue Queue, int? AssigneeStaffId, int? BranchId, string Explanation);

/// <summary>
/// Who gets a handoff. Duty reasons (complaint, commission, AML) go to the client's servicer holding that duty:
/// the client manager keeps them after the move, whether online or not (first-handler responsibility), and is
/// reached through notifications. Without a duty holder they go to the branch's managers. Advice goes to
/// advisors (the client's branch first); everything else to the digital team. Pools pick, among people online
/// and under their limit, the one with the fewest open tickets, then the one assigned least recently.
/// </summary>
public sealed class HandoffRouter(CoServeDb db, StaffPresence presence, IOptions<HandoffOptions> options)
{
    public async Task<RouteDecision> RouteAsync(long clientId, HandoffReason reason, int? excludeStaffId, CancellationToken ct)
    {
        var o = options.Value;
        var queue = o.QueueFor(reason);
        var client = await db.Clients.AsNoTracking().Where(c => c.Id == clientId)
            .Select(c => new { c.BranchId, Servicers = c.Servicers.Select(s => new { s.StaffId, s.Duties }).ToList() })
            .SingleAsync(ct);

        if (queue == TicketQueue.DutyOwner)
        {
            var duty = DutyFor(reason);
            var ownerIds = client.Servicers.Where(s => s.StaffId is not null && (s.Duties & duty) != 0).Select(s => s.StaffId!.Value).ToList();
            var owner = await db.Staff.AsNoTracking()
                .Where(s => ownerIds.Contains(s.Id) && s.IsActive && s.Id != excludeStaffId)
                .OrderBy(s => s.Id)
                .Select(s => (int?)s.Id)
                .FirstOrDefaultAsync(ct);
            if (owner is not null) return new RouteDecision(TicketQueue.DutyOwner, owner, client.BranchId, $"{duty} duty holder");
            queue = TicketQueue.BranchDuty;
        }

        IQueryable<StaffMember> pool = queue switch
        {
            TicketQueue.BranchDuty => db.Staff.Where(s => s.Role == StaffRole.ClientManager && s.BranchId == client.BranchId),
            TicketQueue.Advisors => db.Staff.Where(s => s.Role == StaffRole.Advisor),
            _ => db.Staff.Where(s => s.Role == StaffRole.DigitalOps),
        };
        var candidates = await pool.AsNoTracking().Where(s => s.IsActive && s.Id != excludeStaffId).Select(s => new { s.Id, s.BranchId }).ToListAsync(ct);
        var online = candidates.Where(c => presence.IsAvailable(c.Id)).ToList();
        if (online.Count == 0)
        {
            return new RouteDecision(queue, null, client.BranchId, "nobody in the pool is online; waiting in the team queue");
        }
        var ids = online.Select(c => c.Id).ToList();
        var load = await db.Tickets.AsNoTracking()
            .Where(t => t.AssigneeStaffId != null && ids.Contains(t.AssigneeStaffId.Value) && t.Status != TicketStatus.Resolved)
            .GroupBy(t => t.AssigneeStaffId!.Value)
            .Select(g => new { StaffId = g.Key, Open = g.Count(), Last = g.Max(t => t.AssignedAt) })
            .ToListAsync(ct);
        var byId = load.ToDictionary(l => l.StaffId);
        var pick = online
            .Select(c => new
            {
                c.Id,
                SameBranch = queue == TicketQueue.Advisors && c.BranchId == client.BranchId,
                Open = byId.TryGetValue(c.Id, out var l) ? l.Open : 0,
                Last = byId.TryGetValue(c.Id, out var l2) ? l2.Last : null,
            })
            .Where(c => c.Open < options.Value.MaxOpenPerStaff)
            .OrderByDescending(c => c.SameBranch)
            .ThenBy(c => c.Open)
            .ThenBy(c => c.Last ?? DateTimeOffset.MinValue)
            .ThenBy(c => c.Id)
            .FirstOrDefault();
        return pick is null
            ? new RouteDecision(queue, null, client.BranchId, "everyone online is at their limit; waiting in the team queue")
            : new RouteDecision(queue, pick.Id, client.BranchId, $"online with {pick.Open} open tickets");
    }

    public static DutyScope DutyFor(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => DutyScope.Complaint,
        HandoffReason.CommissionRequest => DutyScope.Commission,
        HandoffReason.AmlRelated => DutyScope.Aml,
        HandoffReason.AdviceRequest => DutyScope.Advice,
        _ => DutyScope.Service,
    };
}

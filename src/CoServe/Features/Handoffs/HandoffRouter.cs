using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Handoffs;

public sealed record RouteDecision(TicketQueue Queue, int? AssigneeStaffId, int? BranchId, string Explanation);

/// <summary>One handoff to route: whose, why, and who must not get it (the assignee it is taken away from).</summary>
public sealed record RouteRequest(long ClientId, HandoffReason Reason, int? ExcludeStaffId);

/// <summary>
/// Who gets a handoff. Duty reasons (complaint, commission, AML) go to the client's servicer holding that duty:
/// the client manager keeps them after the move, whether online or not (first-handler responsibility), and is
/// reached through notifications. Without a duty holder they go to the branch's managers. Advice goes to
/// advisors (the client's branch first); everything else to the digital team for the clients the service officer
/// serves, and to the holder of the service duty (his own manager) for a client above the line. Pools pick, among
/// people online and under their limit, the one with the fewest open tickets, then the one assigned least recently.
/// </summary>
/// <remarks>
/// Several handoffs are routed together (the service officer's batch) with a fixed number of reads, not a few per
/// handoff: the clients and their servicers, the duty holders, each pool once, the open tickets of everyone online.
/// They are then picked one after another, in order, each pick counted as an open ticket assigned now, so a batch
/// spreads its tickets exactly as the same handoffs routed one by one would.
/// </remarks>
public sealed class HandoffRouter(CoServeDb db, StaffPresence presence, IOptions<HandoffOptions> options, TimeProvider clock)
{
    public async Task<RouteDecision> RouteAsync(long clientId, HandoffReason reason, int? excludeStaffId, CancellationToken ct) =>
        (await RouteManyAsync([new RouteRequest(clientId, reason, excludeStaffId)], ct))[0];

    /// <returns>One decision per request, in order.</returns>
    public async Task<RouteDecision[]> RouteManyAsync(IReadOnlyList<RouteRequest> requests, CancellationToken ct)
    {
        var o = options.Value;
        var clientIds = requests.Select(r => r.ClientId).Distinct().ToList();
        var clients = await db.Clients.AsNoTracking().Where(c => clientIds.Contains(c.Id))
            .Select(c => new { c.Id, c.BranchId, Servicers = c.Servicers.Select(s => new { s.StaffId, s.Duties }).ToList() })
            .ToDictionaryAsync(c => c.Id, ct);
        if (clients.Count != clientIds.Count) throw new InvalidOperationException("a handoff names a client that does not exist");

        // Duty holders first: the active servicer with the lowest id holding the reason's duty. The digital team's
        // reasons of a client a person serves (above the line: his manager holds the service duty, the service
        // officer pool does not serve him) go to that person too: the digital team neither serves nor sees him.
        var decisions = new RouteDecision?[requests.Count];
        var queues = requests.Select(r => o.QueueFor(r.Reason)).ToArray();
        var duties = requests.Select((r, i) => queues[i] switch
            {
                TicketQueue.DutyOwner => DutyFor(r.Reason),
                TicketQueue.DigitalOps when !clients[r.ClientId].Servicers.Any(s => s.StaffId is null) => DutyScope.Service,
                _ => DutyScope.None,
            })
            .ToArray();
        var holders = requests.Select((r, i) => clients[r.ClientId].Servicers
                .Where(s => s.StaffId is not null && (s.Duties & duties[i]) != 0).Select(s => s.StaffId!.Value).ToList())
            .ToList();
        var holderIds = holders.SelectMany(h => h).Distinct().ToList();
        var activeHolders = holderIds.Count == 0 ? [] : (await db.Staff.AsNoTracking()
            .Where(s => holderIds.Contains(s.Id) && s.IsActive).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
        for (var i = 0; i < requests.Count; i++)
        {
            if (queues[i] != TicketQueue.DutyOwner && holders[i].Count == 0) continue;
            var (request, client) = (requests[i], clients[requests[i].ClientId]);
            var owner = holders[i].Where(id => activeHolders.Contains(id) && id != request.ExcludeStaffId).Order().Select(id => (int?)id).FirstOrDefault();
            if (owner is not null) decisions[i] = new RouteDecision(TicketQueue.DutyOwner, owner, client.BranchId, $"{duties[i]} duty holder");
            else queues[i] = TicketQueue.BranchDuty;
        }

        // The pools the rest need, each read once, and the open tickets of everyone in them who is online.
        var pools = new Dictionary<(TicketQueue, int?), List<(int Id, int? BranchId)>>();
        for (var i = 0; i < requests.Count; i++)
        {
            if (decisions[i] is not null) continue;
            var key = PoolKey(queues[i], clients[requests[i].ClientId].BranchId);
            if (pools.ContainsKey(key)) continue;
            IQueryable<StaffMember> pool = key.Item1 switch
            {
                TicketQueue.BranchDuty => db.Staff.Where(s => s.Role == StaffRole.ClientManager && s.BranchId == key.Item2),
                TicketQueue.Advisors => db.Staff.Where(s => s.Role == StaffRole.Advisor),
                _ => db.Staff.Where(s => s.Role == StaffRole.DigitalOps),
            };
            pools[key] = (await pool.AsNoTracking().Where(s => s.IsActive).Select(s => new { s.Id, s.BranchId }).ToListAsync(ct))
                .Where(c => presence.IsAvailable(c.Id)).Select(c => (c.Id, c.BranchId)).ToList();
        }
        var online = pools.Values.SelectMany(p => p).Select(c => c.Id).Distinct().ToList();
        var load = online.Count == 0 ? [] : (await db.Tickets.AsNoTracking()
                .Where(t => t.AssigneeStaffId != null && online.Contains(t.AssigneeStaffId.Value) && t.Status != TicketStatus.Resolved)
                .GroupBy(t => t.AssigneeStaffId!.Value)
                .Select(g => new { StaffId = g.Key, Open = g.Count(), Last = g.Max(t => t.AssignedAt) })
                .ToListAsync(ct))
            .ToDictionary(l => l.StaffId, l => (l.Open, l.Last));

        var now = clock.GetUtcNow();
        for (var i = 0; i < requests.Count; i++)
        {
            if (decisions[i] is not null) continue;
            var (request, client, queue) = (requests[i], clients[requests[i].ClientId], queues[i]);
            var candidates = pools[PoolKey(queue, client.BranchId)].Where(c => c.Id != request.ExcludeStaffId).ToList();
            if (candidates.Count == 0)
            {
                decisions[i] = new RouteDecision(queue, null, client.BranchId, "nobody in the pool is online; waiting in the team queue");
                continue;
            }
            var pick = candidates
                .Select(c => new
                {
                    c.Id,
                    SameBranch = queue == TicketQueue.Advisors && c.BranchId == client.BranchId,
                    Open = load.TryGetValue(c.Id, out var l) ? l.Open : 0,
                    Last = load.TryGetValue(c.Id, out var l2) ? l2.Last : null,
                })
                .Where(c => c.Open < o.MaxOpenPerStaff)
                .OrderByDescending(c => c.SameBranch)
                .ThenBy(c => c.Open)
                .ThenBy(c => c.Last ?? DateTimeOffset.MinValue)
                .ThenBy(c => c.Id)
                .FirstOrDefault();
            if (pick is null)
            {
                decisions[i] = new RouteDecision(queue, null, client.BranchId, "everyone online is at their limit; waiting in the team queue");
                continue;
            }
            load[pick.Id] = (pick.Open + 1, now);
            decisions[i] = new RouteDecision(queue, pick.Id, client.BranchId, $"online with {pick.Open} open tickets");
        }
        return decisions.Select(d => d!).ToArray();
    }

    /// <summary>Branch duty pools are per branch; the advisors and the digital team are one pool each.</summary>
    private static (TicketQueue, int?) PoolKey(TicketQueue queue, int? branchId) => (queue, queue == TicketQueue.BranchDuty ? branchId : null);

    public static DutyScope DutyFor(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => DutyScope.Complaint,
        HandoffReason.CommissionRequest => DutyScope.Commission,
        HandoffReason.AmlRelated => DutyScope.Aml,
        HandoffReason.AdviceRequest => DutyScope.Advice,
        _ => DutyScope.Service,
    };
}

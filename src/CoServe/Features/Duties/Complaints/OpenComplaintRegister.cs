using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Outreach;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties.Complaints;

/// <summary>
/// Open complaints for the outbound gate (marketing is suppressed) and transfers (exempt): any unresolved complaint
/// in the register, from every source, plus a complaint handoff not yet registered.
/// </summary>
public sealed class OpenComplaintRegister(CoServeDb db) : IOpenComplaints
{
    public async Task<bool> HasOpenComplaintAsync(long clientId, CancellationToken ct) =>
        await db.Set<Complaint>().AnyAsync(c => c.ClientId == clientId && (c.Status == ComplaintStatus.Registered || c.Status == ComplaintStatus.Acknowledged), ct)
        || await db.Tickets.AnyAsync(t => t.ClientId == clientId && t.Reason == HandoffReason.Complaint && t.Status != TicketStatus.Resolved
            && !db.Set<Complaint>().Any(c => c.TicketId == t.Id), ct);

    public async Task<IReadOnlySet<long>> ClientsWithOpenComplaintsAsync(CancellationToken ct)
    {
        var registered = await db.Set<Complaint>()
            .Where(c => c.Status == ComplaintStatus.Registered || c.Status == ComplaintStatus.Acknowledged)
            .Select(c => c.ClientId).Distinct().ToListAsync(ct);
        var unregisteredHandoffs = await db.Tickets
            .Where(t => t.Reason == HandoffReason.Complaint && t.Status != TicketStatus.Resolved && !db.Set<Complaint>().Any(c => c.TicketId == t.Id))
            .Select(t => t.ClientId).Distinct().ToListAsync(ct);
        var all = registered.ToHashSet();
        all.UnionWith(unregisteredHandoffs);
        return all;
    }
}

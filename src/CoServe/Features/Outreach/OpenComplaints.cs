using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Outreach;

/// <summary>Whether a client has an open complaint: marketing is suppressed and transfers are exempt while one is open.</summary>
public interface IOpenComplaints
{
    Task<bool> HasOpenComplaintAsync(long clientId, CancellationToken ct);

    /// <summary>Every client with an open complaint (month-end planning asks once for all clients).</summary>
    Task<IReadOnlySet<long>> ClientsWithOpenComplaintsAsync(CancellationToken ct);

    /// <summary>Which of these clients have an open complaint, for planning a campaign over many clients at once.</summary>
    async Task<IReadOnlySet<long>> WithOpenComplaintsAsync(IReadOnlyCollection<long> clientIds, CancellationToken ct)
    {
        // Open complaints are few: fetch them all and intersect, instead of sending a million ids to the store.
        var open = await ClientsWithOpenComplaintsAsync(ct);
        var wanted = clientIds as IReadOnlySet<long> ?? clientIds.ToHashSet();
        return open.Where(wanted.Contains).ToHashSet();
    }
}

/// <summary>
/// Open complaints as the co-service core knows them: unresolved handoff tickets with reason Complaint. The
/// complaints workflow (issue #8) registers its own implementation covering complaints from every source.
/// </summary>
public sealed class OpenComplaintTickets(CoServeDb db) : IOpenComplaints
{
    public Task<bool> HasOpenComplaintAsync(long clientId, CancellationToken ct) =>
        db.Tickets.AnyAsync(t => t.ClientId == clientId && t.Reason == HandoffReason.Complaint && t.Status != TicketStatus.Resolved, ct);

    public async Task<IReadOnlySet<long>> ClientsWithOpenComplaintsAsync(CancellationToken ct) =>
        (await db.Tickets.Where(t => t.Reason == HandoffReason.Complaint && t.Status != TicketStatus.Resolved).Select(t => t.ClientId).Distinct().ToListAsync(ct)).ToHashSet();
}

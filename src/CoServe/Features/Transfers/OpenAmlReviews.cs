using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Transfers;

/// <summary>Clients with an open AML review: they stay with the first handler until it is closed.</summary>
public interface IOpenAmlReviews
{
    Task<IReadOnlySet<long>> ClientsWithOpenReviewsAsync(CancellationToken ct);
}

/// <summary>
/// Open AML matters as the co-service core knows them: unresolved AmlRelated handoff tickets. The AML workflow
/// (issue #8) registers its own implementation covering reviews and cases.
/// </summary>
public sealed class OpenAmlTickets(CoServeDb db) : IOpenAmlReviews
{
    public async Task<IReadOnlySet<long>> ClientsWithOpenReviewsAsync(CancellationToken ct) =>
        (await db.Tickets.Where(t => t.Reason == HandoffReason.AmlRelated && t.Status != TicketStatus.Resolved).Select(t => t.ClientId).Distinct().ToListAsync(ct)).ToHashSet();
}

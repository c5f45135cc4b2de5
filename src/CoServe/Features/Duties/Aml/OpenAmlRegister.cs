using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Transfers;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties.Aml;

/// <summary>
/// Open AML reviews for month-end transfers: an undecided case for Compliance, or an AML handoff still open. Routine
/// periodic-review and KYC tasks do not hold a client back; they follow the AML duty owner.
/// </summary>
public sealed class OpenAmlRegister(CoServeDb db) : IOpenAmlReviews
{
    public async Task<IReadOnlySet<long>> ClientsWithOpenReviewsAsync(CancellationToken ct)
    {
        var cases = await db.Set<AmlCase>().Where(c => c.Status == AmlCaseStatus.Open).Select(c => c.ClientId).Distinct().ToListAsync(ct);
        var tickets = await db.Tickets.Where(t => t.Reason == HandoffReason.AmlRelated && t.Status != TicketStatus.Resolved)
            .Select(t => t.ClientId).Distinct().ToListAsync(ct);
        var all = cases.ToHashSet();
        all.UnionWith(tickets);
        return all;
    }
}

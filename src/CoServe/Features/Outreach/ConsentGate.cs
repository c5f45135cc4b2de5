using CoServe.Data;
using CoServe.Features.Clients;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Outreach;

/// <summary>
/// The gate's consent rule on its own: replies in a conversation the client started always pass; anything
/// else needs the client's consent for its purpose. The full gate (suitability, caps, de-duplication, quiet
/// hours; issue #6) replaces this registration.
/// </summary>
public sealed class ConsentGate(CoServeDb db) : IOutboundGate
{
    public async Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct)
    {
        if (candidate.Purpose == OutboundPurpose.ConversationReply) return GateDecision.Allow;
        var purpose = candidate.Purpose is OutboundPurpose.Marketing or OutboundPurpose.Research ? ConsentPurpose.Marketing : ConsentPurpose.ServiceMessages;
        var granted = await db.ClientConsents.AnyAsync(c => c.ClientId == candidate.ClientId && c.Purpose == purpose && c.Granted, ct);
        return granted
            ? GateDecision.Allow
            : new GateDecision(GateVerdict.Block, "Consent", $"客户未授权接收{(purpose == ConsentPurpose.Marketing ? "营销信息" : "服务通知")}", null);
    }
}

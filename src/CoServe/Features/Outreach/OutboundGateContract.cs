namespace CoServe.Features.Outreach;

public enum OutboundSender
{
    /// <summary>The AI service officer.</summary>
    Officer = 1,
    Staff = 2,
    Campaign = 3,
    System = 4,
}

public enum OutboundPurpose
{
    /// <summary>A reply inside a conversation the client started: never capped, still de-duplicated and suitability-checked.</summary>
    ConversationReply = 1,
    ServiceNotice = 2,
    Marketing = 3,
    Research = 4,
}

/// <summary>What a sender wants to send. <see cref="ProductRiskLevel"/> (R1..R5) marks product content.</summary>
public sealed record OutboundCandidate(
    long ClientId,
    string Channel,
    OutboundSender Sender,
    int? SenderStaffId,
    OutboundPurpose Purpose,
    string Text,
    string? ProductRiskLevel,
    bool Urgent)
{
    /// <summary>Staff saw the gate's warning and send anyway; the send is then counted as received.</summary>
    public bool Confirmed { get; init; }

    /// <summary>Chosen for the client from their profile (tier, tags, holdings, risk level): PIPL's personalised push.</summary>
    public bool Personalised { get; init; }

    /// <summary>The content library version sent, if any (recorded with the decision).</summary>
    public long? ContentVersionId { get; init; }

    public long? CampaignId { get; init; }

    /// <summary>A non-personal label for the client view ("content title"), not the text.</summary>
    public string? Title { get; init; }
}

/// <summary>Frequency caps count per category; conversation replies have none.</summary>
public enum OutboundCategory
{
    ServiceNotice = 1,
    Marketing = 2,
    Research = 3,
}

public enum CapPeriod
{
    Day = 1,
    Week = 2,
    Month = 3,
}

public enum GateVerdict
{
    Allow = 1,
    Defer = 2,
    Block = 3,
    /// <summary>Staff may send after confirming they saw the warning.</summary>
    Warn = 4,
}

public sealed record GateDecision(GateVerdict Verdict, string? Rule, string? Explanation, DateTimeOffset? DeferUntil)
{
    public static GateDecision Allow { get; } = new(GateVerdict.Allow, null, null, null);
}

/// <summary>
/// The one outbound gate every outgoing message asks first (DESIGN tenet 4). Conversations call it for AI and
/// staff replies; campaigns and notices call it too.
/// </summary>
/// <remarks>
/// The gate records its decision. On Allow (or a confirmed Warn) it counts the send against the caps and
/// records it in the client's send ledger. Called inside the sender's transaction, all of this commits or rolls
/// back with the message, and other decisions for the client wait until then; called outside one, the send
/// counts from the gate's answer (a message the caller then fails to store stays counted: the gate errs
/// towards sending less).
/// </remarks>
public interface IOutboundGate
{
    Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct);

    /// <summary>
    /// Decisions for several messages, the same as asking <see cref="CheckAsync"/> for each in this order within
    /// one transaction (a later message to the same client sees the earlier one's send and cap slots).
    /// Gates that can decide a batch with fewer round trips override this.
    /// </summary>
    async Task<IReadOnlyList<GateDecision>> CheckManyAsync(IReadOnlyList<OutboundCandidate> candidates, CancellationToken ct)
    {
        var decisions = new List<GateDecision>(candidates.Count);
        foreach (var c in candidates) decisions.Add(await CheckAsync(c, ct));
        return decisions;
    }
}

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

public sealed record OutboundCandidate(
    long ClientId,
    string Channel,
    OutboundSender Sender,
    int? SenderStaffId,
    OutboundPurpose Purpose,
    string Text,
    string? ProductRiskLevel,
    bool Urgent);

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
public interface IOutboundGate
{
    Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct);
}

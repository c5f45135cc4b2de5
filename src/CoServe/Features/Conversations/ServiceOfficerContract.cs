using CoServe.Features.Clients;
using CoServe.Features.ServiceOfficer.Guardrails;

namespace CoServe.Features.Conversations;

/// <summary>Why a conversation goes to a human. Routing, SLAs and reports key on it.</summary>
public enum HandoffReason
{
    Complaint = 1,
    NegativeEmotion = 2,
    CommissionRequest = 3,
    AmlRelated = 4,
    AdviceRequest = 5,
    HumanRequested = 6,
    LowConfidence = 7,
    RepeatedFailure = 8,
    AccountSecurity = 9,
    HighValueClient = 10,
    /// <summary>The AI's own draft broke a guardrail (promise of returns, stock pick, tipping-off...).</summary>
    GuardrailBlocked = 11,
}

public enum OfficerTurnRole
{
    Client = 1,
    Officer = 2,
    Staff = 3,
}

/// <summary>One earlier message of the conversation, newest last; officer turns carry the entry they answered from.</summary>
public sealed record OfficerTurn(OfficerTurnRole Role, string Text, string? KnowledgeEntryId, DateTimeOffset At);

/// <summary>What the service officer may know about the client: enough to answer and to check suitability, nothing more.</summary>
public sealed record OfficerClientContext(
    string ClientNo,
    string? Salutation,
    string? BranchName,
    string? BranchHotline,
    SuitabilityLevel? Suitability,
    bool IsProfessionalInvestor,
    bool SuitabilityExpired,
    bool AllowsExternalModel,
    IReadOnlyDictionary<string, string> ProfileFacts);

public sealed record OfficerRequest(OfficerClientContext Client, string Text, IReadOnlyList<OfficerTurn> History, string Channel);

/// <summary>What a human gets with a handoff: enough context to answer without asking again.</summary>
public sealed record HandoffPackage(
    string Summary,
    string? Intent,
    IReadOnlyList<string> KeySentences,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Entities,
    string? SuggestedReply);

/// <summary>A side effect the officer asks for alongside its reply (an appointment task for the manager, a link).</summary>
public sealed record OfficerAction(string Kind, string Detail);

/// <summary>
/// The service officer's decision for one client message, with the reasons it can explain. <see cref="GuardrailHits"/>
/// names the rules that blocked a draft on the way (the decision may still be an answer, e.g. the retrieval answer
/// after the LLM's reply was blocked).
/// </summary>
public abstract record OfficerDecision(string Engine, IReadOnlyList<string> Explanations)
{
    public IReadOnlyList<GuardrailHit> GuardrailHits { get; init; } = [];
}

public sealed record OfficerAnswer(
    string Engine,
    string Text,
    string? KnowledgeEntryId,
    double Confidence,
    IReadOnlyList<OfficerAction> Actions,
    IReadOnlyList<string> Explanations) : OfficerDecision(Engine, Explanations);

/// <summary>Low confidence between a few entries: ask which one ("您是想问：…").</summary>
public sealed record OfficerClarification(
    string Engine,
    string Text,
    IReadOnlyList<string> OptionEntryIds,
    IReadOnlyList<string> Explanations) : OfficerDecision(Engine, Explanations);

/// <summary>A guardrail rule that blocked the officer's draft, for the block log (never the text or the evidence).</summary>
public sealed record GuardrailHit(string RuleId, GuardrailKind Kind, int RuleSetVersion, GuardrailBlockSource Source);

/// <summary>A human must take over; <see cref="HoldingMessage"/> is the one message the AI may still send.</summary>
public sealed record OfficerHandoff(
    string Engine,
    HandoffReason Reason,
    string? HoldingMessage,
    HandoffPackage Package,
    IReadOnlyList<string> Explanations) : OfficerDecision(Engine, Explanations);

/// <summary>
/// The AI side of the co-service core. The conversation decides whether the AI may speak at all; a responder
/// only decides what the AI would say. Implementations must be safe to call concurrently.
/// </summary>
public interface IServiceOfficerResponder
{
    ValueTask<OfficerDecision> RespondAsync(OfficerRequest request, CancellationToken ct);
}

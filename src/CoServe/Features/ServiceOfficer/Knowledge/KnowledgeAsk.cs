using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public enum AskOutcome
{
    Answer = 1,
    Clarify = 2,
    Handoff = 3,
}

/// <summary>One ranked candidate: the entry, the ranker's calibrated probability and the BM25 evidence.</summary>
public sealed record AskCandidate(int Rank, string EntryId, string Question, double Probability, double Bm25, double WordScore, double BigramScore, int MatchedTexts);

/// <summary>What the engine would do with a test message, and why.</summary>
public sealed record AskResult(
    AskOutcome Outcome,
    string Text,
    string? EntryId,
    double Confidence,
    string? HandoffReason,
    string Intent,
    IReadOnlyList<string> ClarifyOptions,
    IReadOnlyList<AskCandidate> Ranking,
    IReadOnlyList<string> Explanations,
    string Snapshot);

public sealed record AskRequest(string Text, SuitabilityLevel? Suitability = SuitabilityLevel.C3, IReadOnlyList<string>? Context = null);

/// <summary>
/// The console's "ask the engine" box: runs a message through the live engine on its current snapshot (what clients
/// get now) with a synthetic client, and returns the decision, the candidate ranking with scores, and the engine's
/// own explanations.
/// </summary>
public sealed class KnowledgeAsk(ServiceOfficerEngine engine, IOptions<HandoffOptions> handoffs)
{
    public const int MaxLength = 500;

    public async Task<AskResult> AskAsync(AskRequest request, CancellationToken ct)
    {
        var text = (request.Text ?? "").Trim();
        if (text.Length == 0) throw new ArgumentException("text: type a question to ask");
        if (text.Length > MaxLength) throw new ArgumentException($"text: at most {MaxLength} characters");
        var snapshot = await engine.EnsureLoadedAsync(ct);
        snapshot = engine.Current ?? snapshot;
        var client = new OfficerClientContext("TEST", null, null, null, request.Suitability, false, false, false, new Dictionary<string, string>());
        var at = DateTimeOffset.UnixEpoch;
        var history = (request.Context ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => new OfficerTurn(OfficerTurnRole.Client, c.Trim(), null, at)).ToList();
        var officerRequest = new OfficerRequest(client, text, history, "console-test");

        var explanations = new List<string>();
        var understanding = engine.Understand(snapshot, officerRequest, snapshot.Analyzer.Analyze(text), explanations);
        var ranking = understanding.Match.Ranked.Select((r, i) =>
        {
            var entry = snapshot.Entries[r.Entry];
            return new AskCandidate(i + 1, entry.Id, entry.Question, r.Probability, r.Retrieval.Score, r.Retrieval.WordScore, r.Retrieval.BigramScore, r.Retrieval.MatchedTexts);
        }).ToList();

        var decision = engine.Respond(snapshot, officerRequest);
        return decision switch
        {
            OfficerAnswer a => new AskResult(AskOutcome.Answer, a.Text, a.KnowledgeEntryId, a.Confidence, null, understanding.Intent.ToString(), [], ranking, a.Explanations, snapshot.Version),
            OfficerClarification c => new AskResult(AskOutcome.Clarify, c.Text, null, understanding.Match.Confidence, null, understanding.Intent.ToString(), c.OptionEntryIds, ranking, c.Explanations, snapshot.Version),
            OfficerHandoff h => new AskResult(AskOutcome.Handoff, HoldingInServiceHours(h), null, understanding.Match.Confidence, h.Reason.ToString(), understanding.Intent.ToString(), [], ranking, h.Explanations, snapshot.Version),
            _ => throw new InvalidOperationException("unknown decision " + decision.GetType().Name),
        };
    }

    /// <summary>The holding message as a client would be told it during service hours (the real wait comes from the routed ticket).</summary>
    private string HoldingInServiceHours(OfficerHandoff h)
    {
        var sla = handoffs.Value.FirstResponse(h.Reason);
        return WaitPromise.Fill(h.HoldingMessage ?? "", WaitPromise.Phrase(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch + sla, sla));
    }
}

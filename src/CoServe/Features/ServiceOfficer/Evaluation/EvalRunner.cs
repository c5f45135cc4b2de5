using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;

namespace CoServe.Features.ServiceOfficer.Evaluation;

public sealed record FaqMetrics(int Items, int Top1Correct, int Answered, int AnsweredCorrect, int Clarified, int HandedOff, IReadOnlyList<string> Misses)
{
    /// <summary>Share of questions whose entry is among the re-ranked candidates at all (the ceiling of re-ranking).</summary>
    public double CandidateRecall { get; init; }
    public double Top3Accuracy { get; init; }
    public double Top1Accuracy => Items == 0 ? 0 : (double)Top1Correct / Items;
    public double AnswerRate => Items == 0 ? 0 : (double)Answered / Items;
    public double AccuracyOnAnswered => Answered == 0 ? 0 : (double)AnsweredCorrect / Answered;
}

public sealed record ReasonMetrics(string Reason, int TruePositives, int Predicted, int Actual)
{
    public double Precision => Predicted == 0 ? 0 : (double)TruePositives / Predicted;
    public double Recall => Actual == 0 ? 0 : (double)TruePositives / Actual;
}

public sealed record IntentMetrics(int Items, int IntentCorrect, IReadOnlyList<ReasonMetrics> Reasons, IReadOnlyList<string> Misses)
{
    public double IntentAccuracy => Items == 0 ? 0 : (double)IntentCorrect / Items;
}

public sealed record GuardrailMetrics(int Violations, int Caught, int RuleCorrect, int AllowedTexts, int FalseBlocks, IReadOnlyList<string> Misses)
{
    public double CatchRate => Violations == 0 ? 0 : (double)Caught / Violations;
    public double FalseBlockRate => AllowedTexts == 0 ? 0 : (double)FalseBlocks / AllowedTexts;
}

/// <summary>
/// Runs the held-out sets through the engine exactly as the conversation would (same decisions, same
/// thresholds). Used by <c>coserve eval</c>; the numbers go to docs/quality.md.
/// </summary>
public sealed class EvalRunner(ServiceOfficerEngine engine, KnowledgeSnapshot snapshot)
{
    /// <summary>A client for whom suitability never blocks (C5, valid assessment): the FAQ figures measure understanding.</summary>
    public static OfficerClientContext EvalClient { get; } = new("EVAL", null, "测试营业部", "95xxx", SuitabilityLevel.C5, false, false, false,
        new Dictionary<string, string>());

    public static OfficerRequest Request(string text, IReadOnlyList<string> context)
    {
        var at = new DateTimeOffset(2026, 1, 5, 1, 0, 0, TimeSpan.Zero);
        var history = context.Select((c, i) => new OfficerTurn(OfficerTurnRole.Client, c, null, at.AddMinutes(i))).ToList();
        return new OfficerRequest(EvalClient, text, history, "eval");
    }

    public FaqMetrics Faq(IReadOnlyList<LabelledText> items)
    {
        int top1 = 0, top3 = 0, inCandidates = 0, answered = 0, answeredCorrect = 0, clarified = 0, handedOff = 0;
        var misses = new List<string>();
        foreach (var item in items)
        {
            var request = Request(item.Text, item.Context);
            var explanations = new List<string>();
            var analyzed = snapshot.Analyzer.Analyze(item.Text);
            var understanding = engine.Understand(snapshot, request, analyzed, explanations);
            var topId = understanding.Match.Top is { } t ? snapshot.Entries[t.Entry].Id : null;
            if (topId == item.Label) top1++;
            var rank = Array.FindIndex(understanding.Match.Ranked, r => snapshot.Entries[r.Entry].Id == item.Label);
            if (rank >= 0) inCandidates++;
            if (rank is >= 0 and < 3) top3++;
            var decision = engine.Respond(snapshot, request);
            switch (decision)
            {
                case OfficerAnswer { KnowledgeEntryId: { } id }:
                    answered++;
                    if (id == item.Label) answeredCorrect++;
                    else misses.Add($"wrong answer {id} (want {item.Label}): {item.Text}");
                    break;
                case OfficerClarification:
                    clarified++;
                    break;
                case OfficerHandoff h:
                    handedOff++;
                    if (h.Reason != HandoffReason.LowConfidence) misses.Add($"handoff {h.Reason} (want {item.Label}): {item.Text}");
                    break;
                default:
                    break;
            }
        }
        return new FaqMetrics(items.Count, top1, answered, answeredCorrect, clarified, handedOff, misses)
        {
            CandidateRecall = items.Count == 0 ? 0 : (double)inCandidates / items.Count,
            Top3Accuracy = items.Count == 0 ? 0 : (double)top3 / items.Count,
        };
    }

    /// <summary>
    /// Handoff precision and recall per reason. <paramref name="faqItems"/> (ordinary questions) count as
    /// label Faq, so a reason that fires on plain questions loses precision.
    /// </summary>
    public IntentMetrics Intents(IReadOnlyList<LabelledText> items, IReadOnlyList<LabelledText> faqItems)
    {
        var all = items.Select(i => (i.Text, i.Context, i.Label))
            .Concat(faqItems.Select(f => (f.Text, f.Context, Label: nameof(ClientIntent.Faq))))
            .ToList();
        var reasons = Enum.GetValues<HandoffReason>().ToDictionary(r => r, _ => (Tp: 0, Predicted: 0, Actual: 0));
        var intentCorrect = 0;
        var misses = new List<string>();
        foreach (var (text, context, label) in all)
        {
            if (!ClientIntents.TryParse(label, out var want)) throw new SeedFormatException($"eval label '{label}' is not an intent");
            var request = Request(text, context);
            var decision = engine.Respond(snapshot, request);
            var explanations = new List<string>();
            var understanding = engine.Understand(snapshot, request, snapshot.Analyzer.Analyze(text), explanations);
            if (understanding.Intent == want) intentCorrect++;
            var wantReason = ClientIntents.HandoffReasonOf(want);
            var gotReason = decision is OfficerHandoff h && ClientIntents.HandoffReasonOf(ToIntent(h.Reason)) is not null ? h.Reason : (HandoffReason?)null;
            if (wantReason is { } wr) reasons[wr] = reasons[wr] with { Actual = reasons[wr].Actual + 1 };
            if (gotReason is { } gr)
            {
                reasons[gr] = reasons[gr] with { Predicted = reasons[gr].Predicted + 1 };
                if (gr == wantReason) reasons[gr] = reasons[gr] with { Tp = reasons[gr].Tp + 1 };
            }
            if (gotReason != wantReason) misses.Add($"{label} -> {gotReason?.ToString() ?? decision.GetType().Name}: {text}");
        }
        var list = reasons.Where(r => r.Value.Actual > 0 || r.Value.Predicted > 0)
            .Select(r => new ReasonMetrics(r.Key.ToString(), r.Value.Tp, r.Value.Predicted, r.Value.Actual))
            .ToList();
        return new IntentMetrics(all.Count, intentCorrect, list, misses);
    }

    /// <summary>The intent a decision hands off for; null when it answers, clarifies or hands off for another reason (low confidence, a guardrail).</summary>
    public static ClientIntent? HandedOffIntent(OfficerDecision decision) =>
        decision is OfficerHandoff h && ToIntent(h.Reason) is var i && ClientIntents.HandoffReasonOf(i) is not null ? i : null;

    private static ClientIntent ToIntent(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => ClientIntent.Complaint,
        HandoffReason.NegativeEmotion => ClientIntent.NegativeEmotion,
        HandoffReason.CommissionRequest => ClientIntent.CommissionRequest,
        HandoffReason.AmlRelated => ClientIntent.AmlRelated,
        HandoffReason.AdviceRequest => ClientIntent.AdviceRequest,
        HandoffReason.AccountSecurity => ClientIntent.AccountSecurity,
        HandoffReason.HumanRequested => ClientIntent.HumanRequested,
        HandoffReason.LowConfidence or HandoffReason.RepeatedFailure or HandoffReason.HighValueClient or HandoffReason.GuardrailBlocked => ClientIntent.Faq,
    };

    /// <summary>Catch rate on violating drafts; false blocks on approved answers (rendered) and on allowed texts.</summary>
    public GuardrailMetrics Guardrails(IReadOnlyList<LabelledText> violations, IReadOnlyList<string> allowed)
    {
        int caught = 0, ruleCorrect = 0, falseBlocks = 0;
        var misses = new List<string>();
        foreach (var v in violations)
        {
            var verdict = snapshot.Guardrails.Check(v.Text);
            if (verdict.Blocked) caught++;
            else misses.Add($"missed {v.Label}: {v.Text}");
            if (Enum.TryParse<GuardrailKind>(v.Label, out var kind) && verdict.Violations.Any(x => x.Kind == kind)) ruleCorrect++;
        }
        var approved = snapshot.Entries.Select(e => Replies.AnswerRenderer.Render(e.Answer, EvalClient,
            new Replies.RenderDefaults("尊敬的客户", "测试营业部", "95xxx", "App 首页 > 风险测评"))).ToList();
        foreach (var text in approved.Concat(allowed))
        {
            var verdict = snapshot.Guardrails.Check(text);
            if (!verdict.Blocked) continue;
            falseBlocks++;
            misses.Add($"false block {string.Join(",", verdict.Violations.Select(x => x.RuleId + "'" + x.Evidence + "'"))}: {text}");
        }
        return new GuardrailMetrics(violations.Count, caught, ruleCorrect, approved.Count + allowed.Count, falseBlocks, misses);
    }
}

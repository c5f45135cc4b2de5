using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Replies;
using CoServe.Features.ServiceOfficer.Retrieval;
using CoServe.Features.ServiceOfficer.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer;

/// <summary>What the engine understood of one message, before it is turned into a decision (eval and CLI use it too).</summary>
public sealed record Understanding(
    ClientIntent Intent,
    double IntentConfidence,
    IReadOnlyList<(IntentRule Rule, string Evidence)> FiredRules,
    MatchResult Match,
    bool FollowUp);

/// <summary>
/// The default (model-free) service officer: intent and risk rules plus a learned intent model decide whether a
/// human must take over; otherwise BM25 retrieval re-ranked by a learned model answers from approved entries,
/// asks which entry was meant, or hands off. Every outgoing text passes the guardrails. Serves from an immutable
/// <see cref="KnowledgeSnapshot"/> that <see cref="ReloadAsync"/> swaps atomically (messages in flight finish on
/// the snapshot they started with). Safe for concurrent calls.
/// </summary>
public sealed partial class ServiceOfficerEngine : IServiceOfficerResponder, IDisposable
{
    public const string EngineName = "coserve-retrieval";

    private readonly ServiceOfficerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly IKnowledgeSource _source;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private volatile KnowledgeSnapshot? _snapshot;
    private Task<KnowledgeSnapshot>? _initialLoad;
    private readonly Lock _initialLock = new();

    public ServiceOfficerEngine(IOptions<ServiceOfficerOptions> options, TimeProvider clock, IKnowledgeSource source, ILogger<ServiceOfficerEngine>? logger = null)
    {
        _options = options.Value;
        _clock = clock;
        _source = source;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>An engine over a ready snapshot (CLI, tests, bench).</summary>
    public ServiceOfficerEngine(ServiceOfficerOptions options, TimeProvider clock, KnowledgeSnapshot snapshot)
        : this(Options.Create(options), clock, new FixedSource(snapshot.Origin))
    {
        _snapshot = snapshot;
    }

    public KnowledgeSnapshot? Current => _snapshot;

    public void Dispose() => _reloadGate.Dispose();

    public ServiceOfficerOptions Settings => _options;

    public async ValueTask<OfficerDecision> RespondAsync(OfficerRequest request, CancellationToken ct)
    {
        var snapshot = _snapshot ?? await EnsureLoadedAsync(ct);
        return Respond(snapshot, request);
    }

    /// <summary>Loads the first snapshot (once; concurrent first callers wait for the same load).</summary>
    public Task<KnowledgeSnapshot> EnsureLoadedAsync(CancellationToken ct)
    {
        if (_snapshot is { } s) return Task.FromResult(s);
        lock (_initialLock)
        {
            _initialLoad ??= Task.Run(async () =>
            {
                var built = await BuildAsync(CancellationToken.None);
                _snapshot ??= built;
                return _snapshot;
            }, CancellationToken.None);
            return _initialLoad.WaitAsync(ct);
        }
    }

    /// <summary>
    /// Builds a new snapshot from the source and swaps it in. The old one keeps serving until the new one is
    /// complete; a failed build leaves the old one in place.
    /// </summary>
    public async Task<KnowledgeSnapshot> ReloadAsync(CancellationToken ct)
    {
        await _reloadGate.WaitAsync(ct);
        try
        {
            var built = await BuildAsync(ct);
            _snapshot = built;
            LogReloaded(_logger, built.Entries.Count, built.BuildTime.TotalMilliseconds);
            return built;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>Swaps in a snapshot built elsewhere (e.g. by the console after an approval).</summary>
    public void Swap(KnowledgeSnapshot snapshot) => _snapshot = snapshot;

    /// <summary>
    /// Puts a new guardrail rule list in force on the current snapshot without rebuilding the index and models (only
    /// the approved answers are checked again), so an approved rule change holds from the next message.
    /// </summary>
    public Task<KnowledgeSnapshot> SwapGuardrailsAsync(GuardrailRuleSet guardrails, CancellationToken ct) => SwapAsync(s => s.WithGuardrails(guardrails), ct);

    /// <summary>Puts a new intent rule list in force on the current snapshot without rebuilding anything, from the next message.</summary>
    public Task<KnowledgeSnapshot> SwapIntentRulesAsync(IntentRuleSet rules, CancellationToken ct) => SwapAsync(s => s.WithIntentRules(rules), ct);

    private async Task<KnowledgeSnapshot> SwapAsync(Func<KnowledgeSnapshot, KnowledgeSnapshot> change, CancellationToken ct)
    {
        await _reloadGate.WaitAsync(ct);
        try
        {
            var current = _snapshot ?? throw new InvalidOperationException("no snapshot loaded yet");
            var swapped = change(current);
            _snapshot = swapped;
            return swapped;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task<KnowledgeSnapshot> BuildAsync(CancellationToken ct)
    {
        var set = await _source.LoadAsync(ct);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_clock.GetUtcNow(), ShanghaiTime).DateTime);
        return await Task.Run(() => KnowledgeSnapshot.Build(set, _options, today, set.IntentRules, set.Guardrails), ct);
    }

    private static readonly TimeZoneInfo ShanghaiTime = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [LoggerMessage(Level = LogLevel.Information, Message = "Service officer knowledge reloaded: {Entries} entries in {Milliseconds} ms")]
    private static partial void LogReloaded(ILogger logger, int entries, double milliseconds);

    // ---- understanding ----

    [GeneratedRegex("^(那|那么|还有|另外|那如果|如果|要是|这个|那个|它|其他|其它|然后|再|又|是不是|那是不是)")]
    private static partial Regex FollowUpStart();

    [GeneratedRegex("(我|我的|我现在|我目前|我账户|我这个账户|账户).{0,6}(佣金|费率|手续费率).{0,6}(多少|是多少|几|怎么收|是什么)|(查|看)(一下)?我的(佣金|费率)")]
    private static partial Regex OwnCommissionQuestion();

    [GeneratedRegex("(想|要|准备|打算|申请|帮我|给我|我要|可以帮我|预约)(开通|开|办理|办)(一下)?(融资融券|两融|信用账户|科创板|创业板|北交所|港股通|期权|个股期权|可转债|债券质押)")]
    private static partial Regex OpenBusinessRequest();

    [GeneratedRegex("风险测评|风险评估|适当性测评|风险承受能力|测评")]
    private static partial Regex RiskAssessmentTopic();

    public Understanding Understand(KnowledgeSnapshot snapshot, OfficerRequest request, AnalyzedText analyzed, List<string> explanations)
    {
        var fired = snapshot.Rules.Match(analyzed.Normalized);
        foreach (var (rule, evidence) in fired)
        {
            explanations.Add($"rule {rule.Id} fired ({rule.Intent}) on '{evidence}'");
        }
        var ruleIntent = IntentRuleSet.Strongest(fired.Select(f => f.Rule.Intent));

        var intent = ClientIntent.Faq;
        var intentConfidence = 0.0;
        if (snapshot.Intents is { } model && analyzed.Normalized.Length > 0)
        {
            var (label, p) = model.Top(analyzed);
            intent = ClientIntents.TryParse(label, out var parsed) ? parsed : ClientIntent.Faq;
            intentConfidence = p;
            explanations.Add(string.Create(CultureInfo.InvariantCulture, $"intent model: {label} {p:0.00}"));
        }

        var match = MatchFaq(snapshot, request, analyzed, explanations, out var followUp);

        if (ruleIntent is { } ri)
        {
            return new Understanding(ri, 1.0, fired, match, followUp);
        }
        return new Understanding(intent, intentConfidence, fired, match, followUp);
    }

    private MatchResult MatchFaq(KnowledgeSnapshot snapshot, OfficerRequest request, AnalyzedText analyzed, List<string> explanations, out bool followUp)
    {
        followUp = false;
        var alone = snapshot.Ranker.Rank(snapshot.Index, snapshot.Index.Prepare(analyzed), analyzed, _options.Candidates);
        var lastClient = request.History.LastOrDefault(t => t.Role == OfficerTurnRole.Client)?.Text;
        var lastAnswered = request.History.LastOrDefault(t => t.Role == OfficerTurnRole.Officer && t.KnowledgeEntryId is not null)?.KnowledgeEntryId;
        var marked = FollowUpStart().IsMatch(analyzed.Normalized);
        var elliptical = marked || analyzed.Normalized.Length <= _options.FollowUpMaxLength;
        if (!elliptical || (lastClient is null && lastAnswered is null))
        {
            Explain(snapshot, alone, explanations, "retrieval");
            return alone;
        }
        // A follow-up ("那手续费呢？") names only what changes; the topic comes from the previous question.
        var contextText = lastClient ?? snapshot.Entries[snapshot.EntryOrdinals[lastAnswered!]].Question;
        var answeredOrdinal = lastAnswered is not null && snapshot.EntryOrdinals.TryGetValue(lastAnswered, out var a) ? a : -1;
        if (answeredOrdinal < 0 && lastClient is not null)
        {
            // No answer on record for the previous question (it was answered by a person, or the history holds only
            // the client's turns): the entry it matches confidently stands for it, as an answer on record would.
            var previous = snapshot.Analyzer.Analyze(lastClient);
            var previousMatch = snapshot.Ranker.Rank(snapshot.Index, snapshot.Index.Prepare(previous), previous, _options.Candidates);
            if (previousMatch.Top is { } t && previousMatch.Confidence >= _options.AnswerThreshold) answeredOrdinal = t.Entry;
        }
        if (lastClient is not null && answeredOrdinal >= 0)
        {
            contextText += " " + snapshot.Entries[answeredOrdinal].Question;
        }
        var context = snapshot.Analyzer.Analyze(contextText);
        var penalized = answeredOrdinal;
        var together = snapshot.Analyzer.Analyze(contextText + " " + request.Text);
        var combined = snapshot.Ranker.Rank(snapshot.Index, snapshot.Index.Prepare(analyzed, context, (float)_options.FollowUpContextWeight), together, _options.Candidates, penalizedEntry: penalized);
        // Read both ways and blended (round faq4): a short message after a question may name its own topic ("周末呢"
        // does not, "开户要钱吗" does); the blend keeps the message's own reading at half weight instead of choosing
        // one reading by confidence. On the dev half this was worth 3 follow-ups against choosing.
        var blended = MatchRanker.Blend(snapshot.Ranker, alone, combined, MatchRanker.FollowUpAloneWeight);
        followUp = marked || blended.Top?.Entry != alone.Top?.Entry;
        if (followUp) explanations.Add("follow-up: read together with the previous question" + (answeredOrdinal < 0 ? "" : $" (last answered {snapshot.Entries[answeredOrdinal].Id})"));
        Explain(snapshot, blended, explanations, "retrieval with context");
        return blended;
    }

    private static void Explain(KnowledgeSnapshot snapshot, MatchResult match, List<string> explanations, string what)
    {
        if (match.Top is null)
        {
            explanations.Add($"{what}: no entry shares a word with the message");
            return;
        }
        // One string built in place (this runs for every message and is stored with the reply).
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        text.AppendLiteral(what);
        text.AppendLiteral(": ");
        for (var i = 0; i < Math.Min(3, match.Ranked.Length); i++)
        {
            var r = match.Ranked[i];
            if (i > 0) text.AppendLiteral("; ");
            text.AppendFormatted(snapshot.Entries[r.Entry].Id);
            text.AppendLiteral(" p=");
            text.AppendFormatted(r.Probability, "0.00");
            text.AppendLiteral(" bm25=");
            text.AppendFormatted(r.Retrieval.Score, "0.00");
        }
        text.AppendLiteral("; confidence ");
        text.AppendFormatted(match.Confidence, "0.00");
        explanations.Add(text.ToStringAndClear());
    }

    // ---- decision ----

    public OfficerDecision Respond(KnowledgeSnapshot snapshot, OfficerRequest request)
    {
        var explanations = new List<string>();
        var analyzed = snapshot.Analyzer.Analyze(request.Text);
        if (analyzed.Normalized.Length == 0)
        {
            return new OfficerClarification(EngineName, Salute(request) + "您好，请问有什么可以帮您？", [], ["empty message"]);
        }
        var u = Understand(snapshot, request, analyzed, explanations);
        var signals = u.FiredRules.Select(f => f.Evidence).ToList();

        // Duties first: a complaint or an advice request is never answered by the FAQ, however well it matches.
        if (ClientIntents.HandoffReasonOf(u.Intent) is { } reason)
        {
            var byRule = u.FiredRules.Count > 0;
            var faqConfident = u.Match.Confidence >= _options.AnswerThreshold;
            var threshold = u.Intent == ClientIntent.NegativeEmotion ? Math.Max(_options.IntentThreshold, _options.NegativeEmotionThreshold) : _options.IntentThreshold;
            if (byRule || (u.IntentConfidence >= threshold && (!faqConfident || u.IntentConfidence >= Math.Max(threshold, _options.IntentOverrideThreshold))))
            {
                explanations.Add(byRule ? $"handoff: {reason} by rule" : string.Create(CultureInfo.InvariantCulture, $"handoff: {reason} by intent model ({u.IntentConfidence:0.00} >= {threshold:0.00})"));
                return Handoff(snapshot, request, reason, u.Intent.ToString(), signals, explanations);
            }
            explanations.Add(string.Create(CultureInfo.InvariantCulture, $"intent {u.Intent} ({u.IntentConfidence:0.00}) below threshold or outweighed by a confident FAQ match"));
        }

        if (OwnCommissionQuestion().IsMatch(analyzed.Normalized)
            && request.Client.ProfileFacts.TryGetValue(AnswerRenderer.CommissionRateFact, out var rate) && !string.IsNullOrWhiteSpace(rate))
        {
            explanations.Add("tool: commission rate from the client's profile");
            var text = $"{Salute(request)}您好，您账户当前的股票交易佣金费率为{rate.Trim()}（不含规费，以实际收取为准）。如需了解更多费用明细，可致电{AnswerRenderer.Value(AnswerRenderer.BranchHotline, request.Client, Defaults)}。";
            return Guarded(snapshot, request, new OfficerAnswer(EngineName, text, null, 1.0, [], explanations), signals);
        }

        var faqConfidentEnough = u.Match.Confidence >= _options.AnswerThreshold;
        if (u.Intent is ClientIntent.SmallTalk or ClientIntent.OutOfScope && !faqConfidentEnough && u.IntentConfidence >= _options.IntentThreshold)
        {
            explanations.Add($"{u.Intent}: polite reply, no knowledge entry");
            var text = u.Intent == ClientIntent.SmallTalk
                ? $"{Salute(request)}您好，我是您的专属服务官，可以为您解答开户、交易规则、费用、业务办理等问题，请问有什么可以帮您？"
                : $"{Salute(request)}您好，这个问题暂时不在我的服务范围内。我可以为您解答证券账户、交易规则、费用及业务办理等问题；如需人工服务，请回复“转人工”。";
            return Guarded(snapshot, request, new OfficerAnswer(EngineName, text, null, u.IntentConfidence, [], explanations), signals);
        }

        if (u.Match.Top is { } top && faqConfidentEnough)
        {
            return AnswerEntry(snapshot, request, analyzed, top.Entry, u.Match.Confidence, explanations, signals);
        }

        var failures = TrailingUnansweredOfficerTurns(request.History);
        if (failures >= _options.RepeatedFailureTurns)
        {
            explanations.Add($"handoff: {failures} officer turns in a row without an answer");
            return Handoff(snapshot, request, HandoffReason.RepeatedFailure, u.Intent.ToString(), signals, explanations);
        }
        if (u.Match.Ranked.Length >= 2 && u.Match.Confidence >= _options.ClarifyThreshold)
        {
            var options = u.Match.Ranked.Take(_options.ClarifyOptions).Select(r => snapshot.Entries[r.Entry]).ToList();
            var text = Salute(request) + "您好，您是想问：" + string.Join(" ", options.Select((e, i) => $"{i + 1}. {e.Question}")) + " 请回复序号或换个说法告诉我。";
            explanations.Add(string.Create(CultureInfo.InvariantCulture, $"clarify: confidence {u.Match.Confidence:0.00} between {_options.ClarifyThreshold:0.00} and {_options.AnswerThreshold:0.00}"));
            // The options are approved questions quoted back ("打新一定赚钱吗？"), not statements of the AI, and the
            // officer's own words around them are fixed text; what varies is the salutation, so that is what is checked.
            var verdict = snapshot.Guardrails.CheckRecurring(Salute(request));
            if (verdict.Blocked) return Blocked(snapshot, request, verdict, explanations, signals, GuardrailBlockSource.Clarification);
            return new OfficerClarification(EngineName, text, options.Select(e => e.Id).ToList(), explanations);
        }
        explanations.Add(string.Create(CultureInfo.InvariantCulture, $"handoff: confidence {u.Match.Confidence:0.00} below {_options.ClarifyThreshold:0.00}"));
        return Handoff(snapshot, request, HandoffReason.LowConfidence, u.Intent.ToString(), signals, explanations);
    }

    private OfficerDecision AnswerEntry(KnowledgeSnapshot snapshot, OfficerRequest request, AnalyzedText analyzed, int ordinal, double confidence, List<string> explanations, List<string> signals)
    {
        var entry = snapshot.Entries[ordinal];
        explanations.Add(string.Create(CultureInfo.InvariantCulture, $"answer {entry.Id}: confidence {confidence:0.00} >= {_options.AnswerThreshold:0.00}"));
        if (entry.ProductRiskLevel is { } level && SuitabilityProblem(request.Client, level) is { } problem)
        {
            explanations.Add($"guardrail Suitability blocked {entry.Id}: {problem}");
            return Handoff(snapshot, request, HandoffReason.GuardrailBlocked, nameof(ClientIntent.Faq), signals, explanations);
        }
        var template = snapshot.EntryVerdicts[ordinal];
        if (template.Blocked)
        {
            return Blocked(snapshot, request, template, explanations, signals, GuardrailBlockSource.Answer);
        }
        var text = AnswerRenderer.Render(entry.Answer, request.Client, Defaults);
        // The approved template was checked when the snapshot was built; what can still break a rule is what is
        // filled in or added here (variables from the client context, tool texts).
        var dynamicParts = new List<string>(4);
        foreach (var variable in new[] { AnswerRenderer.Salutation, AnswerRenderer.BranchName, AnswerRenderer.BranchHotline, AnswerRenderer.RiskAssessmentLink })
        {
            if (entry.Answer.Contains("{" + variable + "}", StringComparison.Ordinal)) dynamicParts.Add(AnswerRenderer.Value(variable, request.Client, Defaults));
        }
        var actions = new List<OfficerAction>();
        if (OpenBusinessRequest().Match(analyzed.Normalized) is { Success: true } open)
        {
            actions.Add(new OfficerAction("AppointmentTask", $"客户希望开通{open.Groups[4].Value}，请客户经理预约办理（知识条目 {entry.Id}）"));
            text += "已为您通知客户经理，稍后将与您预约办理。";
            dynamicParts.Add("已为您通知客户经理，稍后将与您预约办理。");
            explanations.Add($"tool: appointment task for opening {open.Groups[4].Value}");
        }
        if (RiskAssessmentTopic().IsMatch(analyzed.Normalized) || entry.Category.Contains("适当性", StringComparison.Ordinal))
        {
            var link = AnswerRenderer.RiskLink(request.Client, Defaults);
            if (!entry.Answer.Contains("{" + AnswerRenderer.RiskAssessmentLink + "}", StringComparison.Ordinal)) text += $"测评入口：{link}";
            dynamicParts.Add(link);
            actions.Add(new OfficerAction("RiskAssessmentLink", link));
            explanations.Add("tool: risk assessment link");
        }
        return Guarded(snapshot, request, new OfficerAnswer(EngineName, text, entry.Id, confidence, actions, explanations), signals, string.Join("\n", dynamicParts));
    }

    /// <summary>Suitability (适当性): why product content of this level may not go to this client, or null.</summary>
    public string? SuitabilityProblem(OfficerClientContext client, ProductRiskLevel level)
    {
        if (client.IsProfessionalInvestor) return null;
        if (client.Suitability is not { } grade)
        {
            return _options.RequireAssessmentForProducts ? $"product {level} and the client has no risk assessment" : null;
        }
        if (client.SuitabilityExpired) return $"product {level} and the client's risk assessment has expired";
        if ((int)level > (int)grade) return $"product {level} is above the client's level {grade}";
        return null;
    }

    /// <summary>The last check before anything leaves: the rendered text against every guardrail.</summary>
    private OfficerDecision Guarded(KnowledgeSnapshot snapshot, OfficerRequest request, OfficerAnswer answer, List<string> signals, string? onlyCheck = null)
    {
        // Only the variable parts are checked for an approved answer, and they recur from message to message.
        var verdict = onlyCheck is null ? snapshot.Guardrails.Check(answer.Text) : snapshot.Guardrails.CheckRecurring(onlyCheck);
        if (!verdict.Blocked) return answer;
        var explanations = answer.Explanations.ToList();
        return Blocked(snapshot, request, verdict, explanations, signals, GuardrailBlockSource.Answer);
    }

    private OfficerHandoff Blocked(KnowledgeSnapshot snapshot, OfficerRequest request, GuardrailVerdict verdict, List<string> explanations, List<string> signals, GuardrailBlockSource source)
    {
        foreach (var v in verdict.Violations)
        {
            explanations.Add($"guardrail {v.Kind} blocked the draft: rule {v.RuleId} on '{HandoffComposer.MaskPersonalData(v.Evidence)}'");
        }
        LogBlocked(_logger, string.Join(",", verdict.Violations.Select(v => v.RuleId)));
        return Handoff(snapshot, request, HandoffReason.GuardrailBlocked, null, signals, explanations) with
        {
            GuardrailHits = [.. verdict.Violations.Select(v => new GuardrailHit(v.RuleId, v.Kind, snapshot.Guardrails.Version, source))],
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service officer draft blocked by guardrail {Rules}")]
    private static partial void LogBlocked(ILogger logger, string rules);

    private OfficerHandoff Handoff(KnowledgeSnapshot snapshot, OfficerRequest request, HandoffReason reason, string? intent, List<string> signals, List<string> explanations)
    {
        var package = HandoffComposer.Compose(request, reason, intent, signals, snapshot.ProductWords, explanations);
        var holding = HandoffComposer.HoldingMessage(reason, Salute(request));
        return new OfficerHandoff(EngineName, reason, holding, package, explanations);
    }

    private static int TrailingUnansweredOfficerTurns(IReadOnlyList<OfficerTurn> history)
    {
        var n = 0;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var t = history[i];
            if (t.Role == OfficerTurnRole.Client) continue;
            if (t.Role == OfficerTurnRole.Staff || t.KnowledgeEntryId is not null) break;
            n++;
        }
        return n;
    }

    private RenderDefaults Defaults => new(_options.DefaultSalutation, _options.DefaultBranchName, _options.DefaultHotline, _options.DefaultRiskAssessmentLink);

    private string Salute(OfficerRequest request) => AnswerRenderer.Value(AnswerRenderer.Salutation, request.Client, Defaults);

    private sealed class FixedSource(string origin) : IKnowledgeSource
    {
        public ValueTask<KnowledgeSet> LoadAsync(CancellationToken ct) =>
            throw new InvalidOperationException($"this engine serves a fixed snapshot ({origin}); build a new one and call Swap");
    }
}

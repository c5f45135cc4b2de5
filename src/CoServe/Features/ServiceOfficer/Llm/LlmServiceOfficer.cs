using System.ClientModel;
using System.Collections.Concurrent;
using System.Globalization;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Replies;
using CoServe.Features.ServiceOfficer.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Llm;

/// <summary>
/// The grounded LLM mode in front of the model-free engine. The engine decides first (intent and risk rules and
/// models, retrieval, suitability): every handoff, tool answer and fixed reply stands without asking the model.
/// Only when the engine would answer from, or ask between, approved entries does the model get those entries'
/// approved answers and the redacted conversation, to rephrase or combine them for this question. Its reply must
/// state no number the entries do not state, must not bring back redacted personal data, and passes the same
/// guardrails; on timeout, error, an unreadable reply, a block or ungrounded facts the engine's answer is sent,
/// with the reason in the explanations. One model call per conversation at a time; a circuit breaker stops calls
/// to a failing server. Prompts and replies are never logged, only their sizes and timings. Safe for concurrent calls.
/// </summary>
public sealed partial class LlmServiceOfficer : IServiceOfficerResponder
{
    public const string EngineName = "coserve-llm";

    /// <summary>DI key of the <see cref="IChatClient"/> this mode talks to.</summary>
    public const string ChatClientKey = "coserve-llm";

    private readonly ServiceOfficerEngine _engine;
    private readonly LlmOptions _options;
    private readonly IChatClient _chat;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly ChatOptions _chatOptions;

    public LlmServiceOfficer(ServiceOfficerEngine engine, IOptions<LlmOptions> options, [FromKeyedServices(ChatClientKey)] IChatClient chat,
        TimeProvider clock, ILogger<LlmServiceOfficer>? logger = null)
    {
        _engine = engine;
        _options = options.Value;
        _chat = chat;
        _clock = clock;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Breaker = new CircuitBreaker(_options.BreakerFailures, _options.BreakerOpen, clock);
        _chatOptions = new ChatOptions
        {
            ModelId = _options.Model,
            Temperature = (float)_options.Temperature,
            MaxOutputTokens = _options.MaxOutputTokens,
            ResponseFormat = _options.JsonResponseFormat ? ChatResponseFormat.Json : null,
        };
    }

    public CircuitBreaker Breaker { get; }

    public async ValueTask<OfficerDecision> RespondAsync(OfficerRequest request, CancellationToken ct)
    {
        var snapshot = _engine.Current ?? await _engine.EnsureLoadedAsync(ct);
        var fallback = _engine.Respond(snapshot, request);
        if (!_options.Enabled) return fallback;
        if (WhyNotAsk(fallback, request) is { } skip) return Note(fallback, "llm: not asked: " + skip);

        var candidates = Candidates(snapshot, request);
        if (candidates.Count == 0) return Note(fallback, "llm: not asked: no approved entry fit to give the model");

        var key = request.Client.ClientNo + "\n" + request.Channel;
        if (!_inFlight.TryAdd(key, 0)) return Note(fallback, "llm: not asked: another model call is in flight for this conversation");
        try
        {
            if (!Breaker.TryEnter()) return Note(fallback, "llm: not asked: circuit open after consecutive model failures");
            return await AskAsync(snapshot, request, fallback, candidates, ct);
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    /// <summary>Why the engine's decision stands without the model, or null when the model may rephrase it.</summary>
    private string? WhyNotAsk(OfficerDecision fallback, OfficerRequest request) => fallback switch
    {
        OfficerHandoff h => $"handoff ({h.Reason}) decided before the model",
        OfficerAnswer { KnowledgeEntryId: null } => "a tool or fixed reply, not a knowledge entry",
        OfficerAnswer { Actions.Count: > 0 } => "the answer carries tool actions",
        _ when _options.RequireConsent && !request.Client.AllowsExternalModel => "the client has not consented to an external processor",
        _ => null,
    };

    /// <summary>The top approved entries of the ranking that may be shown to this client (template passes the guardrails, suitability fits).</summary>
    private List<RankedEntry> Candidates(KnowledgeSnapshot snapshot, OfficerRequest request)
    {
        var analyzed = snapshot.Analyzer.Analyze(request.Text);
        var understanding = _engine.Understand(snapshot, request, analyzed, []);
        var list = new List<RankedEntry>(_options.MaxCandidates);
        foreach (var r in understanding.Match.Ranked)
        {
            if (list.Count >= _options.MaxCandidates || r.Probability < _options.MinCandidateProbability) break;
            var entry = snapshot.Entries[r.Entry];
            if (snapshot.EntryVerdicts[r.Entry].Blocked) continue;
            if (entry.ProductRiskLevel is { } level && _engine.SuitabilityProblem(request.Client, level) is not null) continue;
            list.Add(r);
        }
        return list;
    }

    private async Task<OfficerDecision> AskAsync(KnowledgeSnapshot snapshot, OfficerRequest request, OfficerDecision fallback, List<RankedEntry> candidates, CancellationToken ct)
    {
        var redaction = PersonalDataRedactor.For(request.Client);
        var question = redaction.Redact(request.Text);
        var history = request.History.TakeLast(_options.HistoryTurns).Select(t => (t.Role, redaction.Redact(t.Text))).ToList();
        var entries = candidates.Select(c => snapshot.Entries[c.Entry]).ToList();
        var messages = GroundedPrompt.Build(entries, history, question);
        var promptChars = messages.Sum(m => m.Text.Length);
        var redacted = Redacted(redaction);

        var started = _clock.GetTimestamp();
        string? text;
        using (var timeout = new CancellationTokenSource(_options.Timeout, _clock))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            try
            {
                var response = await _chat.GetResponseAsync(messages, _chatOptions, linked.Token);
                text = response.Text;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                var why = timeout.IsCancellationRequested
                    ? string.Create(CultureInfo.InvariantCulture, $"timeout after {_options.TimeoutSeconds:0.###} s")
                    : "model call failed (" + Describe(ex) + ")";
                return Failed(fallback, why, promptChars, started);
            }
            catch (OperationCanceledException)
            {
                Breaker.Abandon();
                throw;
            }
        }
        var ms = _clock.GetElapsedTime(started).TotalMilliseconds;
        LogCall(_logger, promptChars, text?.Length ?? 0, ms);

        var parsed = GroundedPrompt.Parse(text, entries.Count);
        if (parsed is null) return Failed(fallback, "the model's reply is not the expected JSON object", promptChars, started, logged: true);
        Breaker.Success();
        var timing = string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms");

        if (!parsed.Answered) return NoAnswer(snapshot, request, fallback, entries, $"llm: the model says the approved entries do not answer ({timing}{redacted})");

        var used = parsed.Sources.Count > 0 ? parsed.Sources.Select(i => entries[i - 1]).ToList() : entries;
        var ungrounded = GroundingCheck.Ungrounded(parsed.Text, entries.SelectMany(e => new[] { e.Question, e.Answer }));
        if (ungrounded.Count > 0)
        {
            return Fallback(fallback, "reply not grounded in the approved entries: " + string.Join(", ", ungrounded.Take(5).Select(HandoffComposer.MaskPersonalData)));
        }
        var restored = redaction.Restore(parsed.Text, out var refused);
        if (refused.Count > 0) return Fallback(fallback, $"reply refers to redacted personal data ({string.Join(", ", refused.Take(5))})");

        var final = AnswerRenderer.Render(restored, request.Client, Defaults).Trim();
        if (final.Length == 0) return Fallback(fallback, "empty reply");
        var verdict = snapshot.Guardrails.Check(final);
        if (verdict.Blocked)
        {
            var rules = string.Join("; ", verdict.Violations.Select(v => $"guardrail {v.Kind} rule {v.RuleId}"));
            LogBlocked(_logger, string.Join(",", verdict.Violations.Select(v => v.RuleId)));
            var blocked = Fallback(fallback, rules + " blocked the model's reply");
            return blocked with
            {
                GuardrailHits = [.. blocked.GuardrailHits, .. verdict.Violations.Select(v => new GuardrailHit(v.RuleId, v.Kind, snapshot.Guardrails.Version, GuardrailBlockSource.LlmAnswer))],
            };
        }
        if (used.Any(e => e.ProductRiskLevel is not null) && !GuardrailRuleSet.HasRiskReminder(final))
        {
            return Fallback(fallback, $"guardrail {GuardrailKind.MissingRiskDisclosure}: the model's reply dropped the risk reminder of product content");
        }

        var entryId = used[0].Id;
        var confidence = candidates.First(c => snapshot.Entries[c.Entry].Id == entryId).Probability;
        if (fallback is OfficerAnswer a && a.KnowledgeEntryId == entryId) confidence = (float)Math.Max(confidence, a.Confidence);
        var explanations = fallback.Explanations.ToList();
        explanations.Add($"llm: rephrased approved {string.Join(", ", used.Select(e => e.Id))} from {entries.Count} given ({timing}{redacted}); grounding and guardrails passed");
        explanations.Add("mode: llm");
        return new OfficerAnswer(EngineName, final, entryId, confidence, [], explanations);
    }

    /// <summary>The model found no answer in the entries: ask which question was meant, or hand off.</summary>
    private OfficerDecision NoAnswer(KnowledgeSnapshot snapshot, OfficerRequest request, OfficerDecision fallback, List<KnowledgeEntry> entries, string why)
    {
        var explanations = fallback.Explanations.ToList();
        explanations.Add(why);
        if (fallback is OfficerClarification c)
        {
            explanations.Add("mode: retrieval (clarification)");
            return c with { Explanations = explanations };
        }
        var salute = AnswerRenderer.Value(AnswerRenderer.Salutation, request.Client, Defaults);
        var options = entries.Take(_engine.Settings.ClarifyOptions).ToList();
        if (options.Count >= 2 && !snapshot.Guardrails.Check(salute).Blocked)
        {
            var text = salute + "您好，您是想问：" + string.Join(" ", options.Select((e, i) => $"{i + 1}. {e.Question}")) + " 请回复序号或换个说法告诉我。";
            explanations.Add("mode: llm (clarification)");
            return new OfficerClarification(EngineName, text, options.Select(e => e.Id).ToList(), explanations);
        }
        explanations.Add("handoff: the approved entries do not answer");
        explanations.Add("mode: llm (handoff)");
        var package = HandoffComposer.Compose(request, HandoffReason.LowConfidence, nameof(ClientIntent.Faq), [], snapshot.ProductWords, explanations);
        return new OfficerHandoff(EngineName, HandoffReason.LowConfidence, HandoffComposer.HoldingMessage(HandoffReason.LowConfidence, salute), package, explanations);
    }

    private OfficerDecision Failed(OfficerDecision fallback, string why, int promptChars, long started, bool logged = false)
    {
        var opened = Breaker.Failure();
        var ms = _clock.GetElapsedTime(started).TotalMilliseconds;
        if (!logged) LogCall(_logger, promptChars, 0, ms);
        LogFailed(_logger, why, ms, opened);
        return Fallback(fallback, why + (opened ? "; circuit opened" : ""));
    }

    private static OfficerDecision Fallback(OfficerDecision fallback, string why)
    {
        var explanations = fallback.Explanations.ToList();
        explanations.Add("llm: fallback to the retrieval answer: " + why);
        explanations.Add("mode: retrieval (fallback)");
        return fallback with { Explanations = explanations };
    }

    private static OfficerDecision Note(OfficerDecision fallback, string note)
    {
        var explanations = fallback.Explanations.ToList();
        explanations.Add(note);
        explanations.Add("mode: retrieval");
        return fallback with { Explanations = explanations };
    }

    private static string Redacted(Redaction r) =>
        r.Count == 0 ? "" : $"; {r.Count} personal data value(s) redacted: {string.Join(", ", r.Kinds)}";

    /// <summary>What went wrong, without any text from the server (which could echo the prompt).</summary>
    private static string Describe(Exception ex) => ex switch
    {
        ClientResultException { Status: > 0 } cr => "HTTP " + cr.Status.ToString(CultureInfo.InvariantCulture),
        HttpRequestException => "connection failed",
        _ => ex.GetType().Name,
    };

    private Replies.RenderDefaults Defaults
    {
        get
        {
            var s = _engine.Settings;
            return new(s.DefaultSalutation, s.DefaultBranchName, s.DefaultHotline, s.DefaultRiskAssessmentLink);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service officer model call: prompt {PromptChars} chars, reply {ReplyChars} chars, {Milliseconds} ms")]
    private static partial void LogCall(ILogger logger, int promptChars, int replyChars, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service officer model call failed: {Why} after {Milliseconds} ms (circuit opened: {Opened})")]
    private static partial void LogFailed(ILogger logger, string why, double milliseconds, bool opened);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service officer model reply blocked by guardrail {Rules}")]
    private static partial void LogBlocked(ILogger logger, string rules);
}

using System.Text;
using System.Text.Json;

namespace CoServe.Features.Conversations;

/// <summary>
/// The interim responder of the co-service core (issue #3): keyword escalation for what the AI must not handle
/// and exact matching against the seed knowledge base's questions and paraphrases. It stands behind the same
/// interface as the service officer engine (issue #4), which replaces this registration.
/// </summary>
public sealed class KeywordResponder : IServiceOfficerResponder
{
    private const string Engine = "keyword-rules";

    private static readonly (HandoffReason Reason, string[] Words)[] Escalations =
    [
        (HandoffReason.Complaint, ["投诉", "12386", "举报", "维权", "曝光", "监管", "证监会"]),
        (HandoffReason.AccountSecurity, ["被盗", "被骗", "密码泄露", "盗号", "冒充"]),
        (HandoffReason.AmlRelated, ["代持", "借用账户", "借我账户", "出借账户", "洗钱"]),
        (HandoffReason.CommissionRequest, ["调佣", "佣金太高", "降佣", "万一", "降低佣金", "佣金低一点"]),
        (HandoffReason.AdviceRequest, ["该不该买", "推荐股票", "推荐几只", "目标价", "能买吗", "会涨吗"]),
        (HandoffReason.HumanRequested, ["转人工", "人工客服", "真人", "找客户经理"]),
        (HandoffReason.NegativeEmotion, ["垃圾", "骗子", "气死", "什么破"]),
    ];

    private readonly Dictionary<string, (string Id, string Answer)> _exact;

    public KeywordResponder(IEnumerable<(string Id, string Question, IEnumerable<string> Paraphrases, string Answer)> entries)
    {
        _exact = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var (id, question, paraphrases, answer) in entries)
        {
            foreach (var q in paraphrases.Prepend(question)) _exact.TryAdd(Normalise(q), (id, answer));
        }
    }

    /// <summary>Loads the seed knowledge base files (kb-*.json) shipped with the app.</summary>
    public static KeywordResponder FromSeed(string directory)
    {
        var entries = new List<(string, string, IEnumerable<string>, string)>();
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "kb-*.json").Order(StringComparer.Ordinal))
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    entries.Add((
                        e.GetProperty("id").GetString()!,
                        e.GetProperty("question").GetString()!,
                        e.GetProperty("paraphrases").EnumerateArray().Select(p => p.GetString()!).ToList(),
                        e.GetProperty("answer").GetString()!));
                }
            }
        }
        return new KeywordResponder(entries);
    }

    public ValueTask<OfficerDecision> RespondAsync(OfficerRequest request, CancellationToken ct)
    {
        var text = request.Text;
        foreach (var (reason, words) in Escalations)
        {
            var hit = words.FirstOrDefault(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
            if (hit is null) continue;
            var package = new HandoffPackage($"客户：{text}", reason.ToString(), [text], new Dictionary<string, IReadOnlyList<string>>(), SuggestedReply(reason));
            return ValueTask.FromResult<OfficerDecision>(new OfficerHandoff(Engine, reason, null, package, [$"keyword '{hit}' -> {reason}"]));
        }
        if (_exact.TryGetValue(Normalise(text), out var match))
        {
            var answer = match.Answer
                .Replace("{客户称呼}", request.Client.Salutation ?? "您", StringComparison.Ordinal)
                .Replace("{营业部名称}", request.Client.BranchName ?? "您的营业部", StringComparison.Ordinal)
                .Replace("{营业部电话}", request.Client.BranchHotline ?? "营业部电话", StringComparison.Ordinal)
                .Replace("{风险测评链接}", request.Client.ProfileFacts.GetValueOrDefault("risk_assessment_link") ?? "App 首页的风险测评入口", StringComparison.Ordinal);
            return ValueTask.FromResult<OfficerDecision>(new OfficerAnswer(Engine, answer, match.Id, 1.0, [], [$"exact match of {match.Id}"]));
        }
        var low = new HandoffPackage($"客户：{text}", "Unknown", [text], new Dictionary<string, IReadOnlyList<string>>(), null);
        return ValueTask.FromResult<OfficerDecision>(new OfficerHandoff(Engine, HandoffReason.LowConfidence, null, low, ["no exact knowledge-base match"]));
    }

    private static string? SuggestedReply(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => "您好，非常抱歉给您带来不好的体验，我是您的客户经理，已收到您的反馈，会尽快核实并给您答复。",
        HandoffReason.CommissionRequest => "您好，我是您的客户经理，已收到您的调佣需求，我先了解一下您的交易情况再为您申请。",
        _ => null,
    };

    private static string Normalise(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}

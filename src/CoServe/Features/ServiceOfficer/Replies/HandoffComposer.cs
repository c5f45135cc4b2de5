using System.Text;
using System.Text.RegularExpressions;
using CoServe.Features.Conversations;

namespace CoServe.Features.ServiceOfficer.Replies;

/// <summary>
/// Builds what a human receives with a handoff (extractive summary, key client sentences, entities, a suggested
/// reply) and the one holding message the AI may still send. Personal numbers are masked in everything it writes:
/// the package is shown on screens and stored on the timeline.
/// </summary>
public static partial class HandoffComposer
{
    private const int MaxKeySentences = 4;

    [GeneratedRegex(@"(?<=[。！？!?；;\n])")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex("(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")]
    private static partial Regex Mobile();

    [GeneratedRegex("(?<![0-9A-Za-z])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")]
    private static partial Regex IdNumber();

    [GeneratedRegex("(?<![0-9])([0-9]{4})[0-9]{8,11}([0-9]{4})(?![0-9])")]
    private static partial Regex CardNumber();

    public static string MaskPersonalData(string text)
    {
        var s = IdNumber().Replace(text, "$1**********$2");
        s = CardNumber().Replace(s, "$1********$2");
        return Mobile().Replace(s, "$1****$2");
    }

    /// <summary>Package for a handoff; <c>signals</c> are the words that made the decision (rule evidence), sentences with them are key.</summary>
    public static HandoffPackage Compose(OfficerRequest request, HandoffReason reason, string? intent, IReadOnlyCollection<string> signals,
        IReadOnlyCollection<string> productWords, IReadOnlyList<string> explanations)
    {
        var clientSentences = request.History
            .Where(t => t.Role == OfficerTurnRole.Client)
            .TakeLast(6)
            .Select(t => t.Text)
            .Append(request.Text)
            .SelectMany(Split)
            .Select(MaskPersonalData)
            .ToList();
        var entities = EntityExtractor.Extract(clientSentences, productWords);
        var current = Split(request.Text).Select(MaskPersonalData).ToList();
        // Always the current message; then earlier sentences with the decision's signals, entities or substance.
        var key = new List<string>(current);
        foreach (var s in clientSentences.Except(current).Reverse())
        {
            if (key.Count >= MaxKeySentences) break;
            var hasSignal = signals.Any(g => g.Length > 0 && s.Contains(g, StringComparison.Ordinal));
            var hasEntity = entities.Values.SelectMany(v => v).Any(v => s.Contains(v.TrimEnd('元'), StringComparison.Ordinal));
            if (hasSignal || hasEntity || s.Length >= 8) key.Insert(0, s);
        }
        if (key.Count > MaxKeySentences) key = key.TakeLast(MaxKeySentences).ToList();

        var summary = new StringBuilder();
        summary.Append("转人工原因：").Append(ReasonName(reason));
        if (intent is not null) summary.Append("（识别意图 ").Append(intent).Append('）');
        summary.Append("。客户说：");
        summary.AppendJoin(" / ", key.Select(k => "「" + k + "」"));
        summary.Append('。');
        foreach (var (kind, values) in entities.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            summary.Append(EntityName(kind)).Append('：').AppendJoin("、", values).Append('。');
        }
        var why = explanations.FirstOrDefault(e => e.StartsWith("rule ", StringComparison.Ordinal) || e.StartsWith("guardrail ", StringComparison.Ordinal));
        if (why is not null) summary.Append("依据：").Append(why).Append('。');
        return new HandoffPackage(summary.ToString(), intent, key, entities, SuggestedReply(reason));
    }

    public static IEnumerable<string> Split(string text) =>
        SentenceEnd().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    public static string ReasonName(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => "客户投诉",
        HandoffReason.NegativeEmotion => "客户情绪不满",
        HandoffReason.CommissionRequest => "佣金调整诉求",
        HandoffReason.AmlRelated => "反洗钱相关",
        HandoffReason.AdviceRequest => "具体证券投资建议诉求",
        HandoffReason.HumanRequested => "客户要求人工",
        HandoffReason.LowConfidence => "问题未能可靠识别",
        HandoffReason.RepeatedFailure => "多次未能解答",
        HandoffReason.AccountSecurity => "账户安全",
        HandoffReason.HighValueClient => "高净值客户",
        HandoffReason.GuardrailBlocked => "AI 草稿未通过合规检查",
    };

    private static string EntityName(string kind) => kind switch
    {
        EntityExtractor.Amounts => "金额",
        EntityExtractor.SecurityCodes => "证券代码",
        EntityExtractor.Products => "业务/产品",
        EntityExtractor.Dates => "日期",
        _ => kind,
    };

    /// <summary>A first reply the human can send or edit. Wording for AML never mentions monitoring (no tipping-off).</summary>
    public static string SuggestedReply(HandoffReason reason) => reason switch
    {
        HandoffReason.Complaint => "您好，非常抱歉给您带来不好的体验。您反映的问题我已完整记录，将由我负责跟进到底，并尽快给您答复处理结果。请问您方便的联系时间是？",
        HandoffReason.NegativeEmotion => "您好，非常理解您的心情，给您带来困扰深表歉意。我是人工客服，请您具体说说遇到的情况，我来帮您处理。",
        HandoffReason.CommissionRequest => "您好，关于佣金费率，我会结合您的账户情况为您评估可办理的方案，稍后与您联系确认，请您留意来电或消息。",
        HandoffReason.AmlRelated => "您好，根据相关规定，证券账户仅限本人使用，资金往来需使用本人账户。您的具体情况我来为您详细说明，请问方便电话沟通吗？",
        HandoffReason.AdviceRequest => "您好，具体证券的买卖建议需由持牌投资顾问结合您的风险承受能力提供，我已为您对接投资顾问。投资有风险，入市需谨慎。",
        HandoffReason.HumanRequested => "您好，我是人工客服，很高兴为您服务，请问有什么可以帮您？",
        HandoffReason.LowConfidence => "您好，我是人工客服，您刚才的问题由我来为您解答。",
        HandoffReason.RepeatedFailure => "您好，抱歉刚才没能解答您的问题，我是人工客服，由我来为您处理。",
        HandoffReason.AccountSecurity => "您好，请勿向任何人透露密码或验证码。建议您立即修改交易密码和资金密码；如发现非本人操作，我们将协助您处理，必要时请及时报警。",
        HandoffReason.HighValueClient => "您好，我是您的专属客户经理，很高兴为您服务，请问有什么可以帮您？",
        HandoffReason.GuardrailBlocked => "您好，我是人工客服，您的问题由我来为您解答。",
    };

    /// <summary>
    /// The one message the AI sends while the client waits for a human; <see cref="WaitPromise.Token"/> stands where
    /// the core puts the expected wait, which it knows once the ticket is routed (deadline and service hours).
    /// </summary>
    public static string HoldingMessage(HandoffReason reason, string salutation)
    {
        const string wait = WaitPromise.Token;
        return reason switch
        {
            HandoffReason.Complaint => $"{salutation}您好，非常抱歉给您带来不好的体验，已为您转接专人处理，{wait}，请您稍候。",
            HandoffReason.NegativeEmotion => $"{salutation}您好，非常理解您的心情，已为您转接人工客服，{wait}，请您稍候。",
            HandoffReason.CommissionRequest => $"{salutation}您好，佣金相关事宜由您的客户经理为您办理，已为您转接，{wait}，请您稍候。",
            HandoffReason.AdviceRequest => $"{salutation}您好，具体投资建议需由持牌投资顾问提供，已为您转接，{wait}，请您稍候。",
            HandoffReason.AccountSecurity => $"{salutation}您好，请勿向任何人透露密码和验证码，已为您加急转接人工，{wait}，请您稍候。",
            HandoffReason.AmlRelated or HandoffReason.HumanRequested or HandoffReason.LowConfidence or HandoffReason.RepeatedFailure
                or HandoffReason.HighValueClient or HandoffReason.GuardrailBlocked => $"{salutation}您好，已为您转接人工服务，{wait}，请您稍候。",
        };
    }
}

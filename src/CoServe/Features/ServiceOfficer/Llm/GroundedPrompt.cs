using System.Globalization;
using System.Text;
using System.Text.Json;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Knowledge;
using Microsoft.Extensions.AI;

namespace CoServe.Features.ServiceOfficer.Llm;

/// <summary>What the model said, read from its JSON object.</summary>
public sealed record GroundedReply(bool Answered, IReadOnlyList<int> Sources, string Text);

/// <summary>
/// The prompt of the grounded mode: the approved answers retrieval found (templates, with their variables, never
/// the values filled in for this client) and the redacted conversation. Nothing else is sent.
/// </summary>
public static class GroundedPrompt
{
    public const string System = """
        你是证券公司的客户服务官。你只能依据用户消息中“已审批答案”回答客户当前的问题：可以改写、合并、精简这些答案，使其更贴合客户的问法，但不得添加答案中没有的任何事实、数字、费率、电话、日期、时间、条件、产品或建议。
        规则：
        1. 不得承诺或暗示收益，不得推荐或评价任何具体证券、基金或产品，不得预测价格或行情。
        2. 花括号变量（如 {客户称呼}、{营业部电话}、{营业部名称}、{风险测评链接}）原样保留，不要替换或猜测其内容。
        3. 尖括号占位符（如 <NAME_1>、<MOBILE_1>）代表已隐去的个人信息，不要复述手机号、证件号、银行卡号、账号或邮箱的占位符。
        4. 答案中的风险提示必须保留。
        5. 如果已审批答案不能回答客户当前的问题，status 填 "no_answer"，reply 留空。
        只输出一个 JSON 对象，不要输出其他内容：{"status": "answer" 或 "no_answer", "sources": [所用答案的编号], "reply": "给客户的回复"}
        """;

    public static List<ChatMessage> Build(IReadOnlyList<KnowledgeEntry> entries, IReadOnlyList<(OfficerTurnRole Role, string Text)> history, string question)
    {
        var sb = new StringBuilder(512);
        sb.Append("已审批答案：\n");
        for (var i = 0; i < entries.Count; i++)
        {
            sb.Append('[').Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append("] 问题：").Append(entries[i].Question).Append('\n');
            sb.Append("答案：").Append(entries[i].Answer).Append('\n');
        }
        if (history.Count > 0)
        {
            sb.Append("\n对话记录（较早的在前）：\n");
            foreach (var (role, text) in history)
            {
                sb.Append(role switch { OfficerTurnRole.Client => "客户：", OfficerTurnRole.Officer => "服务官：", _ => "人工客服：" }).Append(text).Append('\n');
            }
        }
        sb.Append("\n客户当前的问题：").Append(question);
        return [new ChatMessage(ChatRole.System, System), new ChatMessage(ChatRole.User, sb.ToString())];
    }

    /// <summary>Reads the model's JSON object (tolerating a code fence or text around it); null when it is not one.</summary>
    public static GroundedReply? Parse(string? text, int entryCount)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start) return null;
        try
        {
            using var doc = JsonDocument.Parse(text.AsMemory(start, end - start + 1));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String) return null;
            var answered = status.GetString() switch { "answer" => true, "no_answer" => false, _ => (bool?)null };
            if (answered is null) return null;
            var sources = new List<int>();
            if (root.TryGetProperty("sources", out var src) && src.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in src.EnumerateArray())
                {
                    var n = s.ValueKind switch
                    {
                        JsonValueKind.Number when s.TryGetInt32(out var i) => i,
                        JsonValueKind.String when int.TryParse(s.GetString()?.Trim('[', ']', ' '), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
                        _ => 0,
                    };
                    if (n >= 1 && n <= entryCount && !sources.Contains(n)) sources.Add(n);
                }
            }
            var reply = root.TryGetProperty("reply", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() ?? "" : "";
            if (answered.Value && string.IsNullOrWhiteSpace(reply)) return null;
            return new GroundedReply(answered.Value, sources, reply.Trim());
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

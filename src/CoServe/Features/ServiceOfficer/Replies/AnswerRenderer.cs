using System.Text;
using CoServe.Features.Conversations;

namespace CoServe.Features.ServiceOfficer.Replies;

/// <summary>
/// Fills an approved answer's variables from the client context. Only the four approved variables exist, and
/// none of them is personal data (the salutation is the form of address the client chose, e.g. "王先生").
/// An unknown variable is left out rather than shown as "{…}".
/// </summary>
public static class AnswerRenderer
{
    public const string Salutation = "客户称呼";
    public const string BranchName = "营业部名称";
    public const string BranchHotline = "营业部电话";
    public const string RiskAssessmentLink = "风险测评链接";

    /// <summary>ProfileFacts key of the client's own risk-assessment link.</summary>
    public const string RiskAssessmentLinkFact = "risk_assessment_link";

    /// <summary>ProfileFacts key of the client's commission rate as the back office states it (e.g. "万2.5").</summary>
    public const string CommissionRateFact = "commission_rate";

    public static string Render(string template, OfficerClientContext client, RenderDefaults defaults)
    {
        if (!template.Contains('{', StringComparison.Ordinal)) return template;
        var sb = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            var close = template.IndexOf('}', open + 1);
            if (close < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            sb.Append(template, i, open - i);
            sb.Append(Value(template[(open + 1)..close], client, defaults));
            i = close + 1;
        }
        return sb.ToString();
    }

    public static string Value(string variable, OfficerClientContext client, RenderDefaults defaults) => variable switch
    {
        Salutation => string.IsNullOrWhiteSpace(client.Salutation) ? defaults.Salutation : client.Salutation.Trim(),
        BranchName => string.IsNullOrWhiteSpace(client.BranchName) ? defaults.BranchName : client.BranchName.Trim(),
        BranchHotline => string.IsNullOrWhiteSpace(client.BranchHotline) ? defaults.Hotline : client.BranchHotline.Trim(),
        RiskAssessmentLink => RiskLink(client, defaults),
        _ => "",
    };

    public static string RiskLink(OfficerClientContext client, RenderDefaults defaults) =>
        client.ProfileFacts.TryGetValue(RiskAssessmentLinkFact, out var link) && !string.IsNullOrWhiteSpace(link) ? link.Trim() : defaults.RiskAssessmentLink;
}

/// <summary>What to say when the client context lacks a value (options, so a firm can word them).</summary>
public sealed record RenderDefaults(string Salutation, string BranchName, string Hotline, string RiskAssessmentLink);

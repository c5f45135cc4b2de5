using System.Text.RegularExpressions;

namespace CoServe.Features.ServiceOfficer.Llm;

/// <summary>
/// Whether a model's reply states only facts its sources state: every number (amounts, rates, phone numbers, dates,
/// times, periods) and every written-out Chinese quantity or fraction in the reply must appear in the approved
/// entries the model was given. Placeholders and template variables are not facts and are skipped.
/// </summary>
public static partial class GroundingCheck
{
    /// <summary>The reply's facts that no source states (empty: grounded).</summary>
    public static IReadOnlyList<string> Ungrounded(string reply, IEnumerable<string> sources)
    {
        var sourceText = Prepare(string.Join("\n", sources));
        var sourceNumbers = Numbers(sourceText).ToHashSet(StringComparer.Ordinal);
        var text = Prepare(reply);
        var missing = new List<string>();
        foreach (var n in Numbers(text))
        {
            if (!sourceNumbers.Contains(n) && !missing.Contains(n)) missing.Add(n);
        }
        foreach (Match m in ChineseQuantity().Matches(text))
        {
            if (!sourceText.Contains(m.Value, StringComparison.Ordinal) && !missing.Contains(m.Value)) missing.Add(m.Value);
        }
        return missing;
    }

    private static string Prepare(string text)
    {
        var s = Redaction.NarrowWidth(text);
        s = Placeholder().Replace(s, " ");
        s = s.Replace('：', ':').Replace('。', ' ');
        return s;
    }

    /// <summary>Arabic numbers as written, thousands separators dropped, a trailing % kept (a rate is not the bare number).</summary>
    private static IEnumerable<string> Numbers(string text)
    {
        foreach (Match m in Number().Matches(text))
        {
            yield return m.Value.Replace(",", "", StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\d+(?:,\d{3})*(?:[.:]\d+)*%?")]
    private static partial Regex Number();

    /// <summary>Written-out quantities: 十万分之一, 百分之五, 五十万元, 两个交易日, 三天.</summary>
    [GeneratedRegex(@"[零〇一二两三四五六七八九十百千万亿]+分之[零〇一二两三四五六七八九十百千万点]+|[零〇一二两三四五六七八九十百千]*[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*(?:万元|亿元|万|亿|元|个交易日|个工作日|个月|天|日|年|小时|分钟|倍|折|成)")]
    private static partial Regex ChineseQuantity();

    [GeneratedRegex(@"<\s*[A-Za-z]+\s*_\s*\d+\s*>|\{[^{}]{1,20}\}")]
    private static partial Regex Placeholder();
}

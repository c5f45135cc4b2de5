using System.Globalization;
using System.Text.RegularExpressions;

namespace CoServe.Features.ServiceOfficer.Replies;

/// <summary>
/// Pulls what a human needs at a glance out of client sentences: amounts, security codes, products and dates.
/// Amounts in Chinese numerals ("五十万") are turned into digits so staff can compare them with thresholds.
/// </summary>
public static partial class EntityExtractor
{
    public const string Amounts = "amounts";
    public const string SecurityCodes = "security_codes";
    public const string Products = "products";
    public const string Dates = "dates";

    [GeneratedRegex(@"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)\s*(万元|万块|万|千元|千|元|块钱|块|w)(?![a-z])")]
    private static partial Regex DigitAmount();

    [GeneratedRegex("([零一二两三四五六七八九十百千万亿]+)(万元|万块|万|元|块钱|块)")]
    private static partial Regex ChineseAmount();

    [GeneratedRegex("(?<![0-9])([036][0-9]{5})(?![0-9])")]
    private static partial Regex SecurityCode();

    [GeneratedRegex(@"(?<![0-9])(20[0-9]{2}[-/.年][01]?[0-9][-/.月][0-3]?[0-9][日号]?|[01]?[0-9]月[0-3]?[0-9][日号]|今天|昨天|前天|明天|上周[一二三四五六日天]?|上个月|本月|这个月|月底|月初|年底)")]
    private static partial Regex DateExpression();

    /// <summary>Entities by kind; kinds with nothing found are left out.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Extract(IEnumerable<string> sentences, IReadOnlyCollection<string> productWords)
    {
        var amounts = new List<string>();
        var codes = new List<string>();
        var products = new List<string>();
        var dates = new List<string>();
        foreach (var s in sentences)
        {
            foreach (Match m in DigitAmount().Matches(s))
            {
                var value = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                var unit = m.Groups[2].Value;
                value *= unit.StartsWith('万') || unit == "w" ? 10_000m : unit.StartsWith('千') ? 1_000m : 1m;
                AddOnce(amounts, value.ToString("0.##", CultureInfo.InvariantCulture) + "元");
            }
            foreach (Match m in ChineseAmount().Matches(s))
            {
                if (ChineseNumber.TryParse(m.Groups[1].Value, out var n))
                {
                    var value = m.Groups[2].Value.StartsWith('万') ? n * 10_000m : n;
                    AddOnce(amounts, value.ToString("0.##", CultureInfo.InvariantCulture) + "元");
                }
            }
            foreach (Match m in SecurityCode().Matches(s)) AddOnce(codes, m.Value);
            foreach (Match m in DateExpression().Matches(s)) AddOnce(dates, m.Value);
            foreach (var p in productWords)
            {
                if (s.Contains(p, StringComparison.Ordinal)) AddOnce(products, p);
            }
        }
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (amounts.Count > 0) result[Amounts] = amounts;
        if (codes.Count > 0) result[SecurityCodes] = codes;
        if (products.Count > 0) result[Products] = products;
        if (dates.Count > 0) result[Dates] = dates;
        return result;
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value, StringComparer.Ordinal)) list.Add(value);
    }
}

/// <summary>Chinese numerals as clients write amounts: 五十万, 三千五, 一万二, 两百.</summary>
public static class ChineseNumber
{
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text)) return false;
        decimal total = 0, section = 0, digit = 0;
        var lastUnit = 1m;
        var sawDigit = false;
        var zeroAfterUnit = false;
        foreach (var c in text)
        {
            if (c == '零')
            {
                zeroAfterUnit = true;
                sawDigit = true;
                continue;
            }
            var d = "〇一二三四五六七八九".IndexOf(c, StringComparison.Ordinal);
            if (c == '两') d = 2;
            if (d >= 0)
            {
                digit = d;
                sawDigit = true;
                continue;
            }
            decimal unit = c switch { '十' => 10, '百' => 100, '千' => 1000, '万' => 10_000, '亿' => 100_000_000, _ => -1 };
            if (unit < 0) return false;
            if (unit >= 10_000)
            {
                section += digit;
                total = (total + section) * unit;
                section = 0;
                digit = 0;
                lastUnit = unit;
                zeroAfterUnit = false;
            }
            else
            {
                if (digit == 0 && unit == 10) digit = 1;
                section += digit * unit;
                digit = 0;
                lastUnit = unit;
                zeroAfterUnit = false;
            }
            sawDigit = true;
        }
        // "三千五" means 3500: a trailing digit counts one unit below the last one.
        if (digit > 0) section += lastUnit >= 10 && !zeroAfterUnit ? digit * lastUnit / 10 : digit;
        value = total + section;
        return sawDigit;
    }
}

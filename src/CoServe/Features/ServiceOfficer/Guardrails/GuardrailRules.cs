using System.Text.RegularExpressions;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>What a brokerage's AI may never say (investment-advice rules, PIPL, AML law).</summary>
public enum GuardrailKind
{
    /// <summary>Promise or guarantee of returns (保本, 稳赚, 保证收益 ...).</summary>
    ReturnPromise = 1,
    /// <summary>Buy/sell/hold recommendation on a specific security.</summary>
    SecurityRecommendation = 2,
    /// <summary>Forecast of a price or its direction.</summary>
    PriceForecast = 3,
    /// <summary>Product or leveraged-business content without a risk reminder.</summary>
    MissingRiskDisclosure = 4,
    /// <summary>A full mobile, ID or bank-card number in the text.</summary>
    PersonalDataEcho = 5,
    /// <summary>Telling a client about AML monitoring or suspicious-transaction reports (tipping-off).</summary>
    AmlTipOff = 6,
    /// <summary>Product content above the client's suitability level (checked against the client, not the text).</summary>
    Suitability = 7,
}

/// <summary>
/// One guardrail as data. <see cref="Pattern"/> finds the forbidden content. <see cref="NegatedBy"/>, when it
/// matches the text just before a hit in the same clause, makes that hit harmless ("不保本" is the required
/// warning, not a promise). <see cref="RequiredElsewhere"/> turns the rule around: it fires when the pattern
/// matches and the required text is missing (a risk reminder for product content).
/// </summary>
public sealed record GuardrailRule(string Id, GuardrailKind Kind, string Pattern, string? NegatedBy = null, string? RequiredElsewhere = null, string? Description = null);

public sealed record GuardrailViolation(string RuleId, GuardrailKind Kind, string Evidence);

public sealed record GuardrailVerdict(IReadOnlyList<GuardrailViolation> Violations)
{
    public static readonly GuardrailVerdict Pass = new([]);

    public bool Blocked => Violations.Count > 0;
}

/// <summary>A compiled, immutable guardrail rule list. Thread-safe.</summary>
public sealed class GuardrailRuleSet
{
    private readonly (GuardrailRule Rule, Regex Pattern, Regex? Negation, Regex? Required)[] _rules;

    public GuardrailRuleSet(IEnumerable<GuardrailRule> rules)
    {
        Rules = rules.ToList();
        foreach (var r in Rules)
        {
            if (string.IsNullOrWhiteSpace(r.Id) || string.IsNullOrWhiteSpace(r.Pattern)) throw new ArgumentException("every guardrail rule needs an Id and a Pattern");
        }
        const RegexOptions options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        _rules = Rules.Select(r => (r, new Regex(r.Pattern, options),
            r.NegatedBy is null ? null : new Regex("(?:" + r.NegatedBy + ")[^,.;!?:，。；！？：]{0,8}$", options),
            r.RequiredElsewhere is null ? null : new Regex(r.RequiredElsewhere, options))).ToArray();
    }

    public IReadOnlyList<GuardrailRule> Rules { get; }

    /// <summary>All violations in a text (normalised first, so full-width or traditional variants do not slip through).</summary>
    public GuardrailVerdict Check(string text)
    {
        var normalized = TextNormalizer.Normalize(text);
        List<GuardrailViolation>? found = null;
        foreach (var (rule, pattern, negation, required) in _rules)
        {
            var hit = FirstUnnegatedMatch(normalized, pattern, negation);
            if (hit is null) continue;
            if (required is not null && required.IsMatch(normalized)) continue;
            (found ??= []).Add(new GuardrailViolation(rule.Id, rule.Kind, hit));
        }
        return found is null ? GuardrailVerdict.Pass : new GuardrailVerdict(found);
    }

    private static string? FirstUnnegatedMatch(string text, Regex pattern, Regex? negation)
    {
        for (var m = pattern.Match(text); m.Success; m = m.NextMatch())
        {
            if (negation is null) return m.Value;
            var clauseStart = text.LastIndexOfAny(ClauseBreaks, Math.Max(0, m.Index - 1)) + 1;
            if (m.Index == 0 || !negation.IsMatch(text[clauseStart..m.Index])) return m.Value;
        }
        return null;
    }

    private static readonly char[] ClauseBreaks = [',', '.', ';', '!', '?', ':', '，', '。', '；', '！', '？', '：', '\n'];

    public static GuardrailRuleSet Default() => new(DefaultRules);

    /// <summary>What counts as a risk reminder next to product content.</summary>
    public const string RiskReminderPattern = "风险|谨慎|不代表未来|不构成.{0,4}建议|以.{0,10}(合同|说明书|公告)为准|不保本|可能(亏损|损失)";

    private static readonly Regex RiskReminder = new(RiskReminderPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Whether a text carries a risk reminder (an entry with a product risk level must).</summary>
    public static bool HasRiskReminder(string text) => RiskReminder.IsMatch(TextNormalizer.Normalize(text));

    private const string Negators = "不|非|并非|无法|不能|不会|不得|不可|严禁|禁止|不承诺|不保证|没有|绝不|谨防|警惕|任何|杜绝|避免|谨慎对待";

    public static readonly IReadOnlyList<GuardrailRule> DefaultRules =
    [
        new("return-promise.guarantee", GuardrailKind.ReturnPromise,
            "保本|保息|稳赚|包赚|只赚不赔|保证(收益|盈利|赚|回报|本金)|保收益|保底|零风险|无风险|没有(任何)?风险|没风险|不会亏|不可能亏|绝不亏|亏不了|稳定盈利|稳定赚|肯定(能)?赚|一定(能)?赚|必赚|刚性兑付|刚兑|承诺(收益|回报)|收益(有保障|稳定可靠|是确定的)|本金(绝对|肯定|一定|100%)安全|(100%|百分百)(收益|赚|盈利|安全)|躺赚|稳拿|旱涝保收|翻倍(收益|回报)",
            NegatedBy: Negators, Description: "no promise or guarantee of returns in any form"),
        new("recommendation.buy-sell", GuardrailKind.SecurityRecommendation,
            "(建议|推荐|可以考虑|值得|适合|不妨|赶紧|赶快|马上|立即|尽快)(您|你)?(现在)?(买入|买进|卖出|加仓|减仓|抄底|建仓|清仓|满仓|重仓|逢低买|逢高卖|入手|上车)|(推荐|建议).{0,6}(这只|该股|个股|几只股票|一只股票|股票)|(?<![0-9])[0-9]{6}(?![0-9]).{0,10}(买入|卖出|加仓|减仓|建仓|可以买|值得买|值得持有)|(这只|该|这个)(股票|股|基金|债).{0,6}(值得|可以|适合)(买|投|入手|持有)|牛股|金股|必涨股|潜力股",
            NegatedBy: Negators + "|不构成|不作为|不提供|不做", Description: "no buy/sell recommendation on a specific security"),
        new("forecast.price", GuardrailKind.PriceForecast,
            "(将|会|有望|预计|预期|肯定|必然|一定|即将|马上|很快)(会)?(大幅)?(上涨|下跌|涨到|跌到|涨停|跌停|突破|翻倍|反弹|见顶|见底|暴涨|暴跌|大涨|大跌|拉升|回调)|目标价|(明天|后天|下周|下个月|今年|年底|近期|短期|接下来)(股价|大盘|指数)?(会|将|要|还会|能)(涨|跌|上涨|下跌|反弹)|涨到[0-9]|跌到[0-9]|看涨|看跌|看多|看空|底部已到|牛市来了",
            NegatedBy: Negators + "|不对|不做|不提供|不构成|没法|难以|无从", Description: "no forecast of prices or their direction"),
        new("disclosure.product-risk", GuardrailKind.MissingRiskDisclosure,
            "(预期|年化|历史|业绩|七日|万份)(收益|回报)|业绩比较基准|收益率|杠杆|以小博大|放大(收益|盈利)|(理财产品|基金产品|资管产品|收益凭证|私募|信托产品|新发基金|这款产品|该产品).{0,20}(收益|回报|购买|认购|申购|起投|买入|值得)",
            RequiredElsewhere: RiskReminderPattern,
            Description: "product or leveraged content needs a risk reminder"),
        new("personal-data.mobile", GuardrailKind.PersonalDataEcho, "(?<![0-9])1[3-9][0-9]{9}(?![0-9])", Description: "never echo a full mobile number"),
        new("personal-data.id-card", GuardrailKind.PersonalDataEcho, "(?<![0-9a-z])[1-9][0-9]{16}[0-9x](?![0-9a-z])", Description: "never echo a full ID number"),
        new("personal-data.bank-card", GuardrailKind.PersonalDataEcho, "(?<![0-9])(?:[0-9]{16,19}|[0-9]{4}(?: [0-9]{4}){3}(?: [0-9]{1,4})?)(?![0-9])", Description: "never echo a full bank-card or account number"),
        new("aml.tip-off", GuardrailKind.AmlTipOff,
            "可疑交易|可疑报告|大额交易报告|反洗钱(调查|监控|名单|排查|系统预警|可疑)|(已|已经|将|会|正在|被)(被)?(上报|报送|报告)(给|至|到)?(人民银行|央行|人行|反洗钱|监管|公安|中国反洗钱)|(账户|交易|资金).{0,8}(被|已被|已经被)(系统)?(监控|调查|列入|标记|重点关注|冻结调查)|(列入|纳入|进入).{0,4}(黑名单|可疑名单|监控名单|观察名单)|洗钱嫌疑|涉嫌洗钱",
            NegatedBy: "不会|没有|并未|未", Description: "no tipping-off about AML monitoring or reports"),
    ];
}

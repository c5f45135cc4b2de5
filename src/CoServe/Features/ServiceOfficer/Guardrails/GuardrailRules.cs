using System.Collections.Concurrent;
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

/// <summary>One rule that fired: <see cref="Start"/> and <see cref="Evidence"/> are in the normalised text (-1 and empty when the rule timed out).</summary>
public sealed record GuardrailViolation(string RuleId, GuardrailKind Kind, string Evidence, int Start = -1);

public sealed record GuardrailVerdict(IReadOnlyList<GuardrailViolation> Violations)
{
    public static readonly GuardrailVerdict Pass = new([]);

    public bool Blocked => Violations.Count > 0;
}

/// <summary>
/// A compiled, immutable guardrail rule list. Thread-safe. Every pattern runs under <see cref="MatchTimeout"/>: the
/// rules use look-behinds, which RegexOptions.NonBacktracking does not support, so a timeout is what keeps a rule
/// edited in the console from hanging the engine. A rule that times out counts as fired (fail closed: the draft goes
/// to a human rather than out unchecked).
/// </summary>
public sealed partial class GuardrailRuleSet
{
    /// <summary>
    /// Longest a single pattern may run on one text: a backstop only (validation refuses patterns that backtrack
    /// catastrophically), generous because it is wall time and the first match of a compiled pattern includes its JIT.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private const RegexOptions PatternOptions = RegexOptions.Compiled | RegexOptions.CultureInvariant;

    private readonly (GuardrailRule Rule, Regex Pattern, Regex? Negation, Regex? Required)[] _rules;

    /// <param name="rules">The rules in force (disabled rules are left out by the caller).</param>
    /// <param name="version">The approved rule-list version they come from; 0 for the code defaults.</param>
    public GuardrailRuleSet(IEnumerable<GuardrailRule> rules, int version = 0)
    {
        Rules = rules.ToList();
        Version = version;
        foreach (var r in Rules)
        {
            if (string.IsNullOrWhiteSpace(r.Id) || string.IsNullOrWhiteSpace(r.Pattern)) throw new ArgumentException("every guardrail rule needs an Id and a Pattern");
        }
        _rules = Rules.Select(r => (r, PatternRegex(r.Pattern), r.NegatedBy is null ? null : NegationRegex(r.NegatedBy),
            r.RequiredElsewhere is null ? null : PatternRegex(r.RequiredElsewhere))).ToArray();
    }

    public IReadOnlyList<GuardrailRule> Rules { get; }

    public int Version { get; }

    /// <summary>How a pattern or required-elsewhere text is compiled (validation parses the same way, interpreted).</summary>
    public static Regex PatternRegex(string pattern, RegexOptions options = PatternOptions, TimeSpan? timeout = null) => new(pattern, options, timeout ?? MatchTimeout);

    /// <summary>A negation list only counts in the few characters just before a hit, in the same clause.</summary>
    public static Regex NegationRegex(string negatedBy, RegexOptions options = PatternOptions, TimeSpan? timeout = null) =>
        new("(?:" + negatedBy + ")[^,.;!?:，。；！？：]{0,8}$", options, timeout ?? MatchTimeout);

    /// <summary>
    /// Verdicts of texts that recur on every message (the client's form of address, the branch name and hotline
    /// filled into approved answers, fixed replies): the rules are immutable, so a text needs checking once per
    /// rule set. Bounded; beyond the bound texts are simply checked each time.
    /// </summary>
    private readonly ConcurrentDictionary<string, GuardrailVerdict> _recurring = new(StringComparer.Ordinal);
    private int _recurringCount;
    private const int MaxRecurringTexts = 10_000;

    /// <summary><see cref="Check"/>, remembering the verdict of texts that recur (see <see cref="_recurring"/>).</summary>
    public GuardrailVerdict CheckRecurring(string text)
    {
        if (_recurring.TryGetValue(text, out var known)) return known;
        var verdict = Check(text);
        if (Volatile.Read(ref _recurringCount) < MaxRecurringTexts && _recurring.TryAdd(text, verdict)) Interlocked.Increment(ref _recurringCount);
        return verdict;
    }

    /// <summary>All violations in a text (normalised first, so full-width or traditional variants do not slip through).</summary>
    public GuardrailVerdict Check(string text)
    {
        var normalized = TextNormalizer.Normalize(text);
        List<GuardrailViolation>? found = null;
        foreach (var (rule, pattern, negation, required) in _rules)
        {
            try
            {
                var hit = FirstUnnegatedMatch(normalized, pattern, negation);
                if (hit is null) continue;
                if (required is not null && required.IsMatch(normalized)) continue;
                (found ??= []).Add(new GuardrailViolation(rule.Id, rule.Kind, hit.Value, hit.Index));
            }
            catch (RegexMatchTimeoutException)
            {
                (found ??= []).Add(new GuardrailViolation(rule.Id, rule.Kind, ""));
            }
        }
        return found is null ? GuardrailVerdict.Pass : new GuardrailVerdict(found);
    }

    /// <summary>
    /// The first hit that is a claim of the AI. For rules with a negation list, a hit is only a mention when it is
    /// negated in its clause ("不保本"), quoted ("“保本”的推销是违规的"), asked about in its clause ("是否会上涨"),
    /// or its sentence goes on to refuse or warn ("……我无法提供建议", "……是违规宣传用语"). "不构成投资建议" after
    /// a forecast does not count: a disclaimer does not make a stock tip compliant.
    /// </summary>
    private static Match? FirstUnnegatedMatch(string text, Regex pattern, Regex? negation)
    {
        for (var m = pattern.Match(text); m.Success; m = m.NextMatch())
        {
            if (negation is null) return m;
            var clauseStart = text.LastIndexOfAny(ClauseBreaks, Math.Max(0, m.Index - 1)) + 1;
            if (m.Index > 0 && negation.IsMatch(text[clauseStart..m.Index])) continue;
            if (IsQuoted(text, m.Index, m.Length)) continue;
            var clauseEnd = text.IndexOfAny(ClauseBreaks, m.Index + m.Length);
            var clause = text[clauseStart..(clauseEnd < 0 ? text.Length : clauseEnd)];
            if (MentionMarker().IsMatch(clause)) continue;
            var sentenceStart = text.LastIndexOfAny(SentenceBreaks, Math.Max(0, m.Index - 1)) + 1;
            var sentenceEnd = text.IndexOfAny(SentenceBreaks, m.Index + m.Length);
            if (Refusal().IsMatch(text[sentenceStart..(sentenceEnd < 0 ? text.Length : sentenceEnd)])) continue;
            return m;
        }
        return null;
    }

    private static bool IsQuoted(string text, int index, int length)
    {
        var before = text.LastIndexOf('"', Math.Max(0, index - 1));
        if (before < 0 || index == 0) return false;
        var quotesBefore = 0;
        for (var i = 0; i <= before; i++)
        {
            if (text[i] == '"') quotesBefore++;
        }
        return quotesBefore % 2 == 1 && text.IndexOf('"', index + length - 1) >= 0 && before >= text.LastIndexOfAny(SentenceBreaks, Math.Max(0, index - 1));
    }

    [GeneratedRegex("是否|能否|可否|会不会|有没有|有关|关于|之类|等(预测|说法|用语|宣传|字眼)|(这类|这种|此类)(说法|宣传|话术)|的问题")]
    private static partial Regex MentionMarker();

    [GeneratedRegex("无法(判断|提供|预测|保证|承诺|回答|给出|推荐)|不能(提供|预测|承诺|保证|判断|推荐)|不(提供|做|作|给)(任何)?(投资|买卖|个股)?(建议|预测|推荐|承诺|判断)|(请|可|可以|建议)(您)?咨询.{0,6}(投资顾问|投顾)|为您转接|是违规|违规(的|宣传|用语|行为)|不可信|不存在|提高警惕|谨慎甄别|并非承诺|不属于承诺")]
    private static partial Regex Refusal();

    private static readonly char[] SentenceBreaks = ['.', ';', '!', '?', '。', '；', '！', '？', '\n'];

    private static readonly char[] ClauseBreaks = [',', '.', ';', '!', '?', ':', '，', '。', '；', '！', '？', '：', '\n'];

    public static GuardrailRuleSet Default() => new(DefaultRules);

    /// <summary>What counts as a risk reminder next to product content.</summary>
    public const string RiskReminderPattern = "风险|谨慎|审慎|不代表未来|不构成.{0,4}建议|以.{0,10}(合同|说明书|公告)为准|不保本|(可能|甚至|会)(出现)?(亏损|损失|低于)|亏损也会|本金损失|波动|无法(向您)?承诺|不承诺|并非承诺";

    private static readonly Regex RiskReminder = new(RiskReminderPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Whether a text carries a risk reminder (an entry with a product risk level must).</summary>
    public static bool HasRiskReminder(string text) => RiskReminder.IsMatch(TextNormalizer.Normalize(text));

    private const string Negators = "不|非|并非|无法|不能|不会|不得|不可|严禁|禁止|不承诺|不保证|没有|绝不|谨防|警惕|任何|杜绝|避免|谨慎对待";

    /// <summary>A named security: a six-digit code, or "这只/该/那只" + stock/fund/bond words, or an ETF.</summary>
    private const string Security = "(?:(?<![0-9])[0-9]{6}(?![0-9])|(?:这只|这支|这个|该|那只|那支|此|这几只|这些|这两只)(?:股票|个股|股|基金|债券|转债|可转债|标的|票|品种|etf|板块|新股)|[a-z]{0,6}etf)";

    /// <summary>Trading actions a recommendation tells the client to take.</summary>
    private const string TradeAction = "买入|买进|买一点|买点|卖出|卖掉|卖了|就卖|开盘卖|抛出|抛掉|抛了|加仓|减仓|补仓|抄底|建仓|清仓|满仓|重仓|止损|止盈|割肉|继续持有|持有|拿着|拿住|入手|上车|入场|离场|跑路|出货|低吸|追涨|梭哈|赎回|换成|换仓|调仓|分批买|收一点|跟投|跟买|布局|介入|吸纳";

    public static readonly IReadOnlyList<GuardrailRule> DefaultRules =
    [
        new("return-promise.guarantee", GuardrailKind.ReturnPromise,
            "保本|保息|稳赚|包赚|只赚不赔|稳赚不赔|保证.{0,8}(收益|盈利|赚|回报|本金|本息|不亏|兑付|拿回|跑赢|翻倍|到账)|保收益|保底|零风险|无风险|没有(任何)?风险|没风险|毫无风险|风险(为零|几乎为零)|不会(亏|跌|赔|有(任何)?(损失|亏损|风险))|不可能亏|绝不亏|亏不了|赔不了|跌不了|稳定(盈利|赚|增长)|稳定赚|(肯定|一定|必然|绝对)(能|会)?(赚|盈利|有收益|回本|跑赢)|必赚|只涨不跌|刚性兑付|刚兑|承诺(收益|回报|年化|保本)|收益(有保障|有保证|稳定可靠|是确定的|确定|稳稳|锁定)|(本金|资金|本息)(绝对|肯定|一定|100%|完全|全额|百分百)(安全|保障|无忧)|(本金|本息)(全额)?(保障|无忧|有保障)|绝对安全|(没有|无|不会有)(任何)?(波动|回撤)|收益(稳定|一直|始终)(在|保持)|(100%|百分百|百分之百)(收益|赚|盈利|安全|保本|回本)|躺赚|躺着(赚|挣)|稳拿|稳稳(的|地)?|旱涝保收|翻倍(收益|回报|没问题)|闭眼(买|入)|放心(买|投|入手|拿着|持有)|包你|兜底|(亏了|亏损|损失|跌了).{0,10}(算我|由我|我们|公司|我司).{0,6}(承担|负责|赔|补|兜)|(补偿|补足|赔给)(您|你)|差额.{0,6}补|至少(能)?(赚|有)?[0-9.]+%|(每年|每月|一年|每季)至少|(从|从来|一直)(没|没有|未)(亏|亏过|亏损|回撤|跌过)|没有回撤过|零回撤|(当|当作|当成|就当)(银行)?存款|(一年|半年|今年|明年|三个月).{0,4}翻倍",
            NegatedBy: Negators, Description: "no promise or guarantee of returns in any form"),
        new("recommendation.buy-sell", GuardrailKind.SecurityRecommendation,
            "(建议|推荐|可以考虑|值得|不妨|赶紧|赶快|尽快|果断|大胆|最好|不如|趁现在|趁低|逢低|逢高|我会|换我)(您|你)?.{0,12}(" + TradeAction + ")|(您|你)(也)?(可以|可|不妨|应该|该|就)(先|继续|适当|分批|趁现在|现在|马上)?(" + TradeAction + "|跟)|(还是|最好)(" + TradeAction + ").{0,3}(比较好|为好|更好|吧)|(推荐|建议|看好).{0,8}(这只|该股|个股|几只股票|一只股票|股票|基金|转债|板块|" + Security + ")|" + Security + ".{0,12}(" + TradeAction + "|可以买|可以入|值得买|值得入|值得持有|值得配置|可以持有|别卖|不要卖|别动|先别动|可以上车|可以抄底|是买点|是好时机|机会来了|性价比高|被低估|低估了|可以关注|重点关注|可以跟)|(" + TradeAction + ").{0,6}" + Security + "|(这只|该|这个|这支|那只)(股票|股|基金|债|转债|etf|票).{0,6}(值得|可以|适合)(买|投|入手|持有|配置|跟)|(现在|目前|当前|此时|今天)(是)?(买入|卖出|入场|抄底|上车|加仓)(的)?(好|最佳|绝佳)?(时机|机会|点)|(帮|为|给)(您|你)(选|挑|筛)(了|出|好)|(可以|可)继续(持有|拿着|拿住|持股)|继续拿着|(现在|目前|今天|当前)(可以|可|能)(" + TradeAction + ")|(可以|可)(适当|逢低|分批)(" + TradeAction + ")|(您|你)(适合|可以|应该)(买|配置|持有|入手).{0,6}(股票|基金|债|etf|股)|推荐(您|你)?(买|关注|配置)?[\u4e00-\u9fa5a-z]{2,6}(和|与|、)[\u4e00-\u9fa5a-z]{2,6}|(我们|我|投研部?|研究所|分析师|团队).{0,6}看好|拿着就行|先别动|牛股|金股|必涨股|潜力股|内部都在买",
            NegatedBy: Negators + "|不构成|不作为|不提供|不做|不便|未(?!来)", Description: "no buy/sell recommendation on a specific security"),
        new("forecast.price", GuardrailKind.PriceForecast,
            "必涨|必跌|(将|会|要|(?<!可)能|有望|预计|预期|肯定|必然|一定|即将|马上|很快|大概率|应该会|估计|还会|还要|还能|可能会|至少|可以)(会|能)?(继续)?(大幅)?(上涨|下跌|涨到|跌到|涨停|跌停|突破|翻倍|反弹|见顶|见底|暴涨|暴跌|大涨|大跌|拉升|回调|走强|走弱|回升|上行|下行|冲高|新高|新低|起飞|飙升|腾飞|涨|跌|到[0-9])|目标价|目标位|(明天|后天|下周|下个月|今年|年底|明年|近期|短期|中期|接下来|未来|节后|月底|这轮|三个月|半年)(的)?(内)?(股价|大盘|指数|行情|市场|a股|它|这只)?(会|将|要|还会|能|可能会|应该|必|肯定|一定)(涨|跌|上涨|下跌|反弹|走强|走弱|回调|冲高|企稳|到|翻倍|起飞)|(涨|跌|反弹|回落|回到|冲到|站上|冲)(到|至)?[0-9]+(元|块|点|倍)?|(能|会|将|可以|有望|至少)(到|达到)[0-9]+(元|块|点)?|(股价|价格|指数|大盘)(会|将|能)?(到|达到)[0-9]|(涨|翻)[0-9一二三两几十]+倍|上涨空间|下跌空间|(还有|至少).{0,4}(空间|涨幅)|看涨|看跌|看多|看空|底部已到|已经见底|已经到底|见底了|触底|主升浪|牛市(来了|要来|已经来)|熊市(来了|要来)|高开|低开|拐点已|跌不(下去|动)|涨不(上去|动)|跌无可跌|(价格|股价)(会|将)(在|到|达到)|(预测|判断|估计|认为|分析)(它|股价|大盘|指数|这只|能|会).{0,8}(涨|跌|到|翻倍)",
            NegatedBy: Negators + "|不对|不做|不提供|不构成|没法|难以|无从|无法|不会对", Description: "no forecast of prices or their direction"),
        new("disclosure.product-risk", GuardrailKind.MissingRiskDisclosure,
            "(预期|年化|历史|业绩|七日|万份|过往|近一年|近三年|成立以来|去年|今年)(的)?(收益|回报|涨幅)|业绩比较基准|收益率|分红率|杠杆|以小博大|放大(收益|盈利)|多赚|做空|年化[0-9]|年化.{0,4}可达|最高年化|[0-9.]+%(以上)?(的)?(年化|收益|回报)|(每年|每月|年均|每季)(的)?(收益|回报)|(收益|回报)(都|均|一直|稳定)?(在|达到|超过|有)?[0-9.]+%|上不封顶|(理财产品|理财|基金|资管|收益凭证|私募|信托|这款|该产品|这个产品|本产品|本期|产品|组合|投顾|reits|融资|融券|两融|期权|可转债|转债|债券).{0,20}(收益|回报|赚|跑赢|起投|起购|订阅|打折|优惠|值得|推荐|适合您|适合你|非常适合|分红率|[0-9]%)",
            RequiredElsewhere: RiskReminderPattern,
            Description: "product or leveraged content needs a risk reminder"),
        new("personal-data.mobile", GuardrailKind.PersonalDataEcho, "(?<![0-9])(?:\\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])", Description: "never echo a full mobile number"),
        new("personal-data.id-card", GuardrailKind.PersonalDataEcho, "(?<![0-9a-z])[1-9][0-9]{5}[- ]?(?:18|19|20)[0-9]{2}[- ]?[0-9]{4}[- ]?[0-9]{3}[0-9x](?![0-9a-z])|(?<![0-9a-z])[1-9][0-9]{14}(?![0-9a-z])", Description: "never echo a full ID number"),
        new("personal-data.bank-card", GuardrailKind.PersonalDataEcho, "(?<![0-9])(?:[0-9]{16,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,4})?)(?![0-9])|(资金账号|资金账户|客户号|证券账号|证券账户|股东账号|股东代码|账号|卡号)(是|为|:)?[a-z]?[0-9]{8,}", Description: "never echo a full bank-card or account number"),
        new("aml.tip-off", GuardrailKind.AmlTipOff,
            "可疑交易|可疑报告|可疑资金|大额交易报告|大额报告|反洗钱(调查|监控|监测|名单|排查|预警|可疑|审查|核查|高风险|重点)|(已|已经|将|会|正在|被|要|需要|我们)(被)?(上报|报送|报告|移送|报)(给|至|到)?了?.{0,4}(人民银行|央行|人行|反洗钱|监管|公安|中国反洗钱|有关部门)|向.{0,6}(人民银行|央行|人行|监管|公安|反洗钱).{0,4}(报告|上报|报送|举报)|(账户|交易|资金|您|你).{0,8}(被|已被|已经被)(系统|我们|公司)?(监控|监测|调查|列入|列为|标记|重点关注|冻结调查|预警|怀疑)|(列入|纳入|进入|列为|标记为|认定为).{0,6}(黑名单|可疑|监控名单|观察名单|重点名单|重点监控|高风险客户|反洗钱)|监控名单|重点监控|洗钱嫌疑|涉嫌洗钱|疑似洗钱|触发(了)?.{0,4}(反洗钱|预警|监测)|(正在|在|已经在)(查|调查|核查|审查)(您|你)的|(反洗钱|合规|风控)(部门|那边|中心|团队)?.{0,4}(在|正在|已经)?(查|调查|核查|审查|监控|关注)|(查|调查|核查|审查|监控)(您|你)(朋友|家人)?.{0,10}(钱|资金|转账|交易|账户)|(怀疑|认为)(您|你).{0,8}(洗钱|走账|过账|可疑)",
            NegatedBy: "不会|没有|并未|未", Description: "no tipping-off about AML monitoring or reports"),
    ];
}

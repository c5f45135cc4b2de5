using CoServe.Features.ServiceOfficer.Retrieval;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Intents;

/// <summary>
/// Meaning-level features for the intent model (round intents4): which kinds of words a message holds, not which
/// words. A word of anger or distress that no training line uses ("糟心", "憋屈") still sets "negative word", which
/// the model has learned from hundreds of lines, so the model generalises beyond the wording it was trained on.
/// The distinctions the model could not learn from n-grams alone are features too: an intensifier or a negation
/// right before the word (太差 vs 不差), praise next to complaint words (sarcasm: "厉害厉害，绕了半小时"), a loss named
/// as a topic in a question ("亏损怎么算") rather than suffered, and an act of complaint (投诉, 12386, 要求赔偿)
/// against a state of mind. The lists are general Chinese words of feeling and service, written from how people
/// talk, not from any eval utterance. Immutable and thread-safe.
/// </summary>
public static class EmotionLexicon
{
    /// <summary>Words of anger, impatience, distress, contempt or a bad experience (a state, not an act).</summary>
    internal static readonly string[] Negative =
    [
        "生气", "气人", "气死", "气愤", "愤怒", "恼火", "火大", "窝火", "来气", "憋屈", "委屈", "郁闷", "闹心", "糟心", "心塞",
        "扎心", "烦", "讨厌", "恶心", "反感", "失望", "绝望", "寒心", "心寒", "伤心", "难过", "痛苦", "崩溃", "抓狂", "无语",
        "无奈", "心累", "焦虑", "急死", "着急", "害怕", "后悔", "懊悔", "不满", "不爽", "受够", "受不了", "忍不了", "忍无可忍",
        "差劲", "太差", "好差", "真差", "很差", "垃圾", "烂", "坑", "骗", "忽悠", "糊弄", "敷衍", "搪塞", "推诿", "扯皮", "踢皮球",
        "拖延", "磨蹭", "离谱", "荒唐", "荒谬", "可笑", "笑话", "过分", "欺人太甚", "霸王", "流氓", "无耻", "黑心", "缺德",
        "不要脸", "丢人", "丢脸", "窝囊", "倒霉", "冤", "掉链子", "装聋作哑", "装傻", "罪受", "找罪", "折磨", "折腾", "煎熬",
        "受罪", "浪费时间", "浪费我", "白费", "白等", "白问", "没用", "废物", "无能", "不靠谱", "靠不住", "差评", "坑爹", "破防",
        "麻了", "裂开", "心力交瘁", "头疼", "头大", "炸了", "疯了", "逼疯", "发火", "骂", "惹不起", "躲不起", "完蛋", "惨",
        "哭", "欲哭无泪", "心疼", "肉疼", "傲慢", "冷漠", "不理不睬", "爱答不理", "爱理不理", "冷淡", "不专业", "外行",
        "一问三不知", "答非所问", "鸡同鸭讲", "对牛弹琴", "呵呵", "服了", "醉了", "怒", "恨", "滚", "傻", "蠢", "笨",
        "糟", "衰", "吐了", "无聊透", "没完", "打不通", "没人", "不理", "不回", "敷衍了事", "应付", "耍", "玩我",
        "当回事", "长点心", "憋", "难受", "睡不着", "吃不下", "活不下去", "没法活", "要命", "晦气", "吃亏", "上当",
        "血汗钱", "赌场", "割韭菜", "韭菜", "镰刀", "吸血", "强盗", "土匪", "黑店", "骗局", "套路",
        // Idioms and slang of the same states, written as a general list (round intents4).
        "憋气", "堵心", "添堵", "窝心", "心凉", "心碎", "血压", "拉胯", "摆烂", "装死", "甩锅", "推锅", "画饼", "扯淡", "胡扯",
        "瞎扯", "鬼扯", "胡说", "瞎说", "糟透", "一塌糊涂", "乱七八糟", "稀烂", "辣鸡", "最差", "奇葩", "无力吐槽", "哭笑不得",
        "莫名其妙", "岂有此理", "欺负人", "店大欺客", "霸王条款", "吃相", "不厚道", "不地道", "坑钱", "骗钱", "抢钱", "膈应",
        "闹哪样", "咋回事", "啥玩意", "卧槽", "尼玛", "烦透", "头痛", "焦头烂额", "火冒三丈", "气急败坏", "怒火", "咽不下",
        "一肚子", "伤透", "死心", "不抱希望", "没指望", "指望不上", "心灰意冷", "没信心", "信不过", "不信任", "提心吊胆",
        "吓死", "炸毛", "暴躁", "烦躁", "急躁", "没耐心", "效率低", "蜗牛", "龟速", "磨叽", "墨迹", "遥遥无期", "猴年马月",
        "石沉大海", "杳无音信", "没下文", "不了了之", "走过场", "打太极", "和稀泥", "车轱辘", "复制粘贴", "机械", "智障",
        "饭桶", "草包", "蠢货", "废柴", "不像话", "欺诈", "糊弄事", "受气", "悔青", "完了", "心态崩",
    ];

    /// <summary>Praise, thanks and contentment (small talk, or sarcasm when complaint words stand next to it).</summary>
    internal static readonly string[] Positive =
    [
        "谢谢", "感谢", "多谢", "谢了", "给力", "贴心", "好用", "方便", "清楚", "明白了", "专业", "耐心", "热情", "周到",
        "不错", "很好", "挺好", "真好", "太好", "满意", "棒", "赞", "厉害", "优秀", "靠谱", "有意思", "开心", "高兴", "喜欢",
        "辛苦", "点赞", "好评", "牛", "可爱", "聪明", "温柔", "暖心", "及时", "高效", "快捷", "顺利", "懂了", "好的",
    ];

    /// <summary>Degree words and emphatic particles that make a feeling stronger.</summary>
    internal static readonly string[] Intensifiers =
    [
        "太", "真", "好", "超", "特别", "非常", "极其", "简直", "实在", "这么", "那么", "如此", "巨", "贼", "老", "最", "越来越",
        "一次比一次", "十分", "相当", "更", "都",
    ];

    /// <summary>Rhetorical and accusing questions: they do not ask for information.</summary>
    internal static readonly string[] Rhetorical =
    [
        "凭什么", "凭啥", "怎么回事", "搞什么", "难道", "到底", "究竟", "是吧", "有没有搞错", "什么意思", "啥意思", "什么情况",
        "什么鬼", "干嘛", "干什么吃", "还能再", "好意思", "像话吗", "有意思吗", "有必要吗", "能不能", "还让不让", "还要不要",
        "怎么这么", "为什么总是", "为什么又", "为什么每次", "早知道", "打死我也", "还不如", "算了", "拉倒", "行吧", "随便你们",
    ];

    /// <summary>Words of repetition and duration: being made to wait or repeat is the commonest trigger of anger.</summary>
    internal static readonly string[] Repetition =
    [
        "又", "总是", "老是", "每次", "永远", "一直", "多少遍", "几遍", "最后一遍", "一次又一次", "三番五次", "反反复复",
        "半天", "半个小时", "一个小时", "好几天", "好几次", "至今", "到现在", "还没", "还是没", "还在",
    ];

    /// <summary>Acts of complaint: asking for redress or escalating, as against being upset.</summary>
    internal static readonly string[] ComplaintActs =
    [
        "投诉", "举报", "12386", "12345", "赔偿", "索赔", "赔钱", "退钱", "曝光", "起诉", "律师", "监管", "证监会", "证监局",
        "维权", "说法", "交代", "追责", "追究", "仲裁", "法院", "媒体", "记者", "道歉", "要求", "处理结果", "书面", "要负责", "得负责", "谁负责", "负责到底", "报案",
    ];

    /// <summary>A loss or fall named as a topic: a question about it is ordinary ("亏损怎么算"), a cry about it is not.</summary>
    internal static readonly string[] Loss =
    [
        "亏", "跌", "赔", "套牢", "被套", "绿", "缩水", "回撤", "腰斩", "爆仓", "平仓", "损失",
    ];

    /// <summary>Words that ask for information or a procedure.</summary>
    internal static readonly string[] InfoQuestion =
    [
        "怎么", "如何", "多少", "哪里", "哪儿", "在哪", "哪个", "什么时候", "是否", "可以吗", "能吗", "吗", "几", "流程", "手续",
        "规则", "条件", "需要", "要求吗",
    ];

    /// <summary>The firm or the officer addressed: feeling aimed at "you" is about the service.</summary>
    internal static readonly string[] Addressee = ["你们", "你", "客服", "机器人", "公司", "券商", "营业部", "app"];

    private static readonly string[] Negators = ["不", "没", "别", "无", "非", "不是", "没有", "并不", "不太", "不算", "不怎么"];

    private static readonly string[][] Groups = [Negative, Positive, Intensifiers, Rhetorical, Repetition, ComplaintActs, Loss, InfoQuestion, Addressee];

    private static readonly KeywordAutomaton Automaton = new([.. Groups.SelectMany(g => g)]);

    private static readonly int[] GroupOf = [.. Groups.SelectMany((g, i) => g.Select(_ => i))];

    private static readonly int[] Offsets = Offsets0();

    private static int[] Offsets0()
    {
        var o = new int[Groups.Length];
        for (var i = 1; i < Groups.Length; i++) o[i] = o[i - 1] + Groups[i - 1].Length;
        return o;
    }

    /// <summary>How much each lexicon feature counts against one n-gram before the vector is scaled to unit length (1 and 1.5 against 3 by cross-validation: 1).</summary>
    public const float Weight = 1f;

    /// <summary>What the lexicon finds in one normalised message.</summary>
    public readonly record struct Signals(int Negative, bool Intensified, bool NegatedOnly, bool Positive, bool PositiveIntensified, bool Rhetorical, bool Repetition, bool Act, bool Loss, bool Info, bool Addressee, int Bangs, int Questions)
    {
        /// <summary>
        /// How strongly the wording itself carries a feeling: 0 none (no word of feeling, no accusing question, no
        /// shouting), 1 some, 2 strong (an intensified, repeated, shouted, addressed or rhetorical negative word).
        /// </summary>
        public int EmotionEvidence =>
            Negative > 0 && (Intensified || Negative > 1 || Rhetorical || Repetition || Addressee || Bangs > 0 || Questions > 1) ? 2
            : Negative > 0 || Rhetorical || Bangs > 1 || Questions > 1 || (Positive && Repetition) ? 1
            : 0;
    }

    /// <summary>Reads the lexicon signals of a normalised message.</summary>
    public static Signals Read(string normalized)
    {
        Span<bool> found = stackalloc bool[Automaton.Count];
        found.Clear();
        Automaton.FindAll(normalized, found);
        Span<bool> any = stackalloc bool[Groups.Length];
        any.Clear();
        for (var k = 0; k < found.Length; k++)
        {
            if (found[k]) any[GroupOf[k]] = true;
        }
        var negative = 0;
        var negatedNegative = false;
        var intensified = false;
        if (any[0])
        {
            for (var k = 0; k < Negative.Length; k++)
            {
                if (!found[k]) continue;
                var word = Negative[k];
                for (var at = normalized.IndexOf(word, StringComparison.Ordinal); at >= 0; at = normalized.IndexOf(word, at + word.Length, StringComparison.Ordinal))
                {
                    if (IsWordNegated(normalized, at))
                    {
                        negatedNegative = true;
                        continue;
                    }
                    negative++;
                    if (!intensified && IsIntensified(normalized, at, word.Length)) intensified = true;
                }
            }
        }
        return new Signals(negative, intensified, negatedNegative && negative == 0, any[1], any[1] && any[2], any[3], any[4], any[5], any[6], any[7], any[8],
            normalized.AsSpan().Count('!'), normalized.AsSpan().Count('?'));
    }

    /// <summary>Adds the lexicon features of <paramref name="normalized"/> to <paramref name="features"/>.</summary>
    public static void AddFeatures(string normalized, List<(int, float)> features, int bits, float weight = Weight)
    {
        var s = Read(normalized);
        void Add(string name) => features.Add((FeatureHash.Of('l', name, bits), weight));
        var negative = s.Negative;
        if (negative > 0) Add("neg");
        if (negative > 1) Add("neg2");
        if (s.Intensified) Add("neg+int");
        if (s.NegatedOnly) Add("neg-negated");
        if (s.Positive && negative == 0) Add(s.PositiveIntensified ? "pos+int" : "pos");
        if (s.Positive && negative > 0) Add("pos+neg");
        if (s.Rhetorical) Add("rhet");
        if (s.Rhetorical && negative > 0) Add("rhet+neg");
        if (s.Repetition && negative > 0) Add("rep+neg");
        else if (s.Repetition) Add("rep");
        if (s.Act) Add("act");
        if (s.Act && negative > 0) Add("act+neg");
        if (s.Loss)
        {
            if (negative > 0 || s.Bangs > 0) Add("loss+neg");
            else if (s.Info) Add("loss+q");
            else Add("loss");
        }
        if (s.Info && negative == 0 && !s.Rhetorical) Add("info");
        if (s.Addressee && negative > 0) Add("neg+you");
        if (s.Bangs > 0 && s.Questions > 0) Add("?!");
        else if (s.Questions > 1) Add("??");
        if ((s.Bangs > 0 || s.Questions > 1) && negative > 0) Add("punct+neg");
    }

    private static bool IsWordNegated(string text, int at)
    {
        foreach (var n in Negators)
        {
            if (at >= n.Length && text.AsSpan(at - n.Length, n.Length).SequenceEqual(n)) return true;
        }
        return false;
    }

    private static bool IsIntensified(string text, int at, int length)
    {
        var before = text.AsSpan(Math.Max(0, at - 3), Math.Min(3, at));
        foreach (var i in Intensifiers)
        {
            if (before.Contains(i, StringComparison.Ordinal)) return true;
        }
        var after = text.AsSpan(at + length);
        return after.StartsWith("死", StringComparison.Ordinal) || after.StartsWith("透", StringComparison.Ordinal) || after.StartsWith("极了", StringComparison.Ordinal)
            || after.StartsWith("到家", StringComparison.Ordinal) || after.StartsWith("得要命", StringComparison.Ordinal);
    }
}

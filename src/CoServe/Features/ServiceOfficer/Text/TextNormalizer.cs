using System.Collections.Frozen;
using System.Text;

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// Puts client text into one canonical form before anything matches on it: half-width, lower case, simplified
/// characters, unified punctuation, common typos of this domain fixed. Clients type on phones with every input
/// method; the knowledge base is written once, so the variation has to be removed on the way in.
/// </summary>
public static class TextNormalizer
{
    // Traditional characters that occur in brokerage questions (clients from Hong Kong, Taiwan or with a
    // traditional input method set). A full OpenCC table would be 100x larger for no gain in this domain.
    private const string Traditional = "開戶帳賬號碼轉錢銀證資產險權買賣費額續機構網頁開關閉東區書會員經濟與們這麼麼甚該應認為關係價漲跌盤幣億萬務訊請問嗎說話時間點處辦復變撤單總額風檢測評級專業額擔項約領兩國債搶購籌隨發關聯繫統設計標準貨幣場託託撥現鈔餘額實際額戶裡裏個後條當幾還沒對於為從過來給讓進動態報導護碼鎖凍結達預審核驗證歷紀錄記載齡層樣舊實際認證帳冊細節難題問題習慣體驗戶頭儲蓄額補償賠訴舉維監曝權益騙盜洩漏";
    private const string Simplified = "开户帐账号码转钱银证资产险权买卖费额续机构网页开关闭东区书会员经济与们这么么甚该应认为关系价涨跌盘币亿万务讯请问吗说话时间点处办复变撤单总额风检测评级专业额担项约领两国债抢购筹随发关联系统设计标准货币场托托拨现钞余额实际额户里里个后条当几还没对于为从过来给让进动态报导护码锁冻结达预审核验证历纪录记载龄层样旧实际认证帐册细节难题问题习惯体验户头储蓄额补偿赔诉举维监曝权益骗盗泄漏";

    private static readonly FrozenDictionary<char, char> TraditionalToSimplified = BuildCharMap();

    // Misspellings seen in brokerage chats (homophones from pinyin input, 卷/券 confusions). Longest first so a
    // longer fix wins over a shorter one inside it.
    private static readonly (string From, string To)[] Typos =
    [
        ("融资融卷", "融资融券"),
        ("逆回够", "逆回购"),
        ("你回购", "逆回购"),
        ("科创版", "科创板"),
        ("创业版", "创业板"),
        ("港股同", "港股通"),
        ("手续废", "手续费"),
        ("手续非", "手续费"),
        ("银证转帐", "银证转账"),
        ("转帐", "转账"),
        ("帐户", "账户"),
        ("帐号", "账号"),
        ("拥金", "佣金"),
        ("用金", "佣金"),
        ("证卷", "证券"),
        ("卷商", "券商"),
        ("债卷", "债券"),
        ("开护", "开户"),
        ("销护", "销户"),
        ("申够", "申购"),
        ("新骨", "新股"),
        ("两荣", "两融"),
        ("两容", "两融"),
        ("密马", "密码"),
        ("蜜码", "密码"),
        ("登陆", "登录"),
        ("北交锁", "北交所"),
    ];

    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        var lastWasSpace = true;
        foreach (var raw in text)
        {
            var c = Fold(raw);
            if (c == '\0') continue;
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace) sb.Append(' ');
                lastWasSpace = true;
                continue;
            }
            // Repeated "！！！" and "？？？" stay: the intent rules read emotion from them; matching drops punctuation anyway.
            sb.Append(c);
            lastWasSpace = false;
        }
        while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
        var s = sb.ToString();
        foreach (var (from, to) in Typos)
        {
            if (s.Contains(from, StringComparison.Ordinal)) s = s.Replace(from, to, StringComparison.Ordinal);
        }
        return s;
    }

    /// <summary>Half-width, lower case, simplified; '\0' for characters that carry nothing (zero-width, emoji selectors).</summary>
    public static char Fold(char c)
    {
        if (c == '\u3000') return ' ';
        if (c is >= '\uFF01' and <= '\uFF5E') c = (char)(c - 0xFEE0);
        if (c is '\u200B' or '\u200C' or '\u200D' or '\uFEFF' or '\uFE0F') return '\0';
        c = c switch
        {
            '。' => '.',
            '、' => ',',
            '“' or '”' or '「' or '」' or '『' or '』' => '"',
            '‘' or '’' => '\'',
            '【' or '〔' => '[',
            '】' or '〕' => ']',
            '《' or '》' => '"',
            '～' or '〜' => '~',
            '—' or '–' => '-',
            '…' => '.',
            _ => c,
        };
        if (c is >= 'A' and <= 'Z') return (char)(c + 32);
        if (c >= '\u4E00' && TraditionalToSimplified.TryGetValue(c, out var simplified)) return simplified;
        return c;
    }

    public static bool IsPunctuation(char c) => c < 128 ? char.IsPunctuation(c) || char.IsSymbol(c) : char.IsPunctuation(c);

    private static FrozenDictionary<char, char> BuildCharMap()
    {
        var map = new Dictionary<char, char>();
        for (var i = 0; i < Traditional.Length && i < Simplified.Length; i++)
        {
            if (Traditional[i] != Simplified[i]) map[Traditional[i]] = Simplified[i];
        }
        return map.ToFrozenDictionary();
    }
}

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
    // Traditional -> simplified for the characters of this domain: OpenCC's s2t table (Apache-2.0) applied to
    // every character of the seed knowledge base and common chat words, plus the one-to-many cases s2t cannot
    // give back (发/髮, 干/乾/幹, 台/臺/颱, 里/裏/裡 ...). A full OpenCC table would be 10x larger for no gain here.
    private const string Traditional =
        "萬與專業東丟兩嚴箇豐臨爲舉麼義樂習鄉書買於虧雲產億僅從倉們價優會傳僞體餘傭側債償儲兌關內冊寫決況凍淨準減幾憑擊劃則剛創刪" +
        "別劇辦務動勢區協單賣佔歷參雙發變臺號後嗎聽啓員諮響圍國圖場塊處備復夠頭學寶實審對導將嘗盡層屬歲峯幣帳帶幫幹並慶應廢開異棄" +
        "張強歸當錄徵徑懷態總慣願戶纔託執擾搶護報擔攔撥擇掛擋損換據攜攝搖攤數斷無舊時顯曉暫機雜權槓條來極構櫃標樣檔檢檻歡氣匯漢沒" +
        "滬測濟潤漲灣滿潛靈點煩愛狀獨環現電畫監蓋盜盤碼確離種積稱稅穩競筆籠篩籌籤簡類緊紅約級紀純納紙紋線組細終經綁結給絡絕統繼績" +
        "續維綜綠緩編繳網羣職聯腦脫臉節蘋範薦獲營藍慮補裝見觀規視覺觸計訂認讓議訊記許論設訪證評識詐訴試誠話詢該詳語誤說請諾讀誰調" +
        "謂謹譜負財敗賬貨質購費資贖賠賴賺車轉輪軟載較輯輸邊達過運還這進遠違連遲適選遞郵採裏針鈔鍾鈕錢銀鏈銷鎖錯鍵鏡長門閃閉問閒間" +
        "閱隊階際陸險隨隱難靜頁頂項順須顧預領頻題顏額風飛馬駁驗騙騷驟魚鳥麥黃齊齡龍髮乾颱檯裡著麵係繫彙佈併製隻衝瞭捨藉噹鬆蹟爛氣罵瘋貪壞糞";
    private const string Simplified =
        "万与专业东丢两严个丰临为举么义乐习乡书买于亏云产亿仅从仓们价优会传伪体余佣侧债偿储兑关内册写决况冻净准减几凭击划则刚创删" +
        "别剧办务动势区协单卖占历参双发变台号后吗听启员咨响围国图场块处备复够头学宝实审对导将尝尽层属岁峰币帐带帮干并庆应废开异弃" +
        "张强归当录征径怀态总惯愿户才托执扰抢护报担拦拨择挂挡损换据携摄摇摊数断无旧时显晓暂机杂权杠条来极构柜标样档检槛欢气汇汉没" +
        "沪测济润涨湾满潜灵点烦爱状独环现电画监盖盗盘码确离种积称税稳竞笔笼筛筹签简类紧红约级纪纯纳纸纹线组细终经绑结给络绝统继绩" +
        "续维综绿缓编缴网群职联脑脱脸节苹范荐获营蓝虑补装见观规视觉触计订认让议讯记许论设访证评识诈诉试诚话询该详语误说请诺读谁调" +
        "谓谨谱负财败账货质购费资赎赔赖赚车转轮软载较辑输边达过运还这进远违连迟适选递邮采里针钞钟钮钱银链销锁错键镜长门闪闭问闲间" +
        "阅队阶际陆险随隐难静页顶项顺须顾预领频题颜额风飞马驳验骗骚骤鱼鸟麦黄齐龄龙发干台台里着面系系汇布并制只冲了舍借当松迹烂气骂疯贪坏粪";

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

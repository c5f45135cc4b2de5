using System.Text;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Outreach;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Tests.Features.Outreach;

/// <summary>
/// The allocation-light <see cref="TextSketch.Of"/> and the gate's duplicate search with its early exits give
/// exactly what the plain formulation gave (kept here as the reference: fold each character, collect the
/// numbers in a list, sort every bigram hash): the same sketches, so stored ledger rows stay comparable, and
/// the same similarity and duplicate verdict for every pair.
/// </summary>
public class TextSketchReferenceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    private static readonly string[] Seeds =
    [
        "本周五晚上8点，我们将举办ETF定投入门直播讲座，欢迎您参加！",
        "【风险提示】请勿向任何人透露您的交易密码。",
        "ＥＴＦ定投入门直播讲座本周五晚上８点开讲，欢迎参加。",
        "您已開通科創板交易權限，請注意投資風險。",
        "【投教直播】本周五（11月29日）晚上8点，我们将在线举办《ETF定投入门》直播讲座，欢迎您准时参加。",
        "新发基金华夏稳健增利债券A今日起认购，风险等级R2，认购期至12月5日。",
        "华夏稳健增利债券A新基金今天开始认购，认购截止12月5日，产品风险等级R2。",
        "国债逆回购是一种短期低风险的理财方式，您可以在交易软件的国债逆回购专区操作。",
        "今日早报（11月25日）：沪指上涨1.2%，半导体板块领涨。",
        "今日早报（11月26日）：沪指下跌0.8%，半导体板块领跌。",
        "沪指上涨1.2%",
        "沪指上涨12%",
        "【新品发行】稳健增利3号集合资产管理计划12月1日起发售，业绩比较基准年化3.2%，起购金额10万元，产品风险等级R3，详情请咨询服务官。",
        "稳健增利3号集合资管计划将于12月1日开始发售：业绩比较基准年化3.2%，10万元起购，风险等级R3。如需了解请回复本消息。",
        "稳健增利3号集合资产管理计划12月1日发售，业绩比较基准3.2%（年化），10万元起购，风险等级R3，欢迎咨询服务官。",
        "版本1.2.3.4已发布，请于10.5.点前升级..1..2",
        "好",
        "",
        "\u200b\ufeff好的\u200d，收到👍\ufe0f",
    ];

    // Characters the normaliser treats differently: CJK, traditional forms, full-width, digits and points, dropped and separators.
    private const string Alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年動後點發說樂０１２３４５６７８９0123456789..。．，、！？ 　ＡＢａｂABCxyz【】《》“”—…\u200b\ufeff%";

    [Fact]
    public void Sketches_AreTheSameAsTheReference()
    {
        foreach (var text in Corpus())
        {
            var actual = TextSketch.Of(text);
            var expected = ReferenceSketch.Of(text);
            Assert.Equal(expected.Fingerprint, actual.Fingerprint);
            Assert.Equal(expected.NumbersHash, actual.NumbersHash);
            Assert.Equal(expected.Length, actual.Length);
            Assert.Equal(expected.Shingles, actual.Shingles);
            Assert.Equal(expected.MinHashes, actual.MinHashes);
        }
    }

    [Fact]
    public void SimilarityAndDuplicateVerdicts_AreTheSameAsTheReference()
    {
        var texts = Corpus().ToList();
        var sketches = texts.Select(TextSketch.Of).ToList();
        var references = texts.Select(ReferenceSketch.Of).ToList();
        var rules = new GateRules(new GateOptions(), 24, GroupMessageCapMode.DaysInMonthPerMonth);
        var random = new Random(5);
        var pairs = 0;
        var duplicates = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            // Each text against its neighbours (its own edits) and a few others at random.
            var others = Enumerable.Range(i + 1, Math.Min(6, texts.Count - i - 1)).Concat(Enumerable.Range(0, 4).Select(_ => random.Next(texts.Count)));
            foreach (var j in others)
            {
                var a = sketches[i];
                var b = sketches[j];
                var actual = a.Compare(b.Fingerprint, b.NumbersHash, b.Shingles, TextSketch.Read(b.SketchBytes));
                var expected = ReferenceSketch.Compare(references[i], references[j]);
                Assert.Equal(expected, actual);
                pairs++;
                if (rules.IsDuplicate(expected)) duplicates++;
            }

            // The gate's search over a week with the early exits, against a plain scan with the reference.
            var week = Enumerable.Range(0, 20).Select(k => random.Next(texts.Count)).ToList();
            var recent = week.Select((k, n) => new RecentSend(OutboundSender.Officer, null, Now.AddHours(-n * 7), null,
                sketches[k].Fingerprint, sketches[k].NumbersHash, sketches[k].Shingles, sketches[k].SketchBytes)).ToList();
            Assert.Equal(ReferenceFind(rules, references[i], week.Select(k => references[k]).ToList(), recent), rules.FindDuplicate(sketches[i], recent, Now));
        }
        // The corpus must exercise both verdicts, or the comparison proves little.
        Assert.True(duplicates > pairs / 20, $"{duplicates} duplicates among {pairs} pairs");
        Assert.True(duplicates < pairs - (pairs / 20), $"{duplicates} duplicates among {pairs} pairs");
    }

    /// <summary>The seeds, each with a chain of small edits (paraphrase-like), and a few long texts beyond the stack buffers.</summary>
    private static IEnumerable<string> Corpus()
    {
        var random = new Random(11);
        foreach (var seed in Seeds)
        {
            yield return seed;
            var text = seed;
            for (var e = 0; e < 12; e++)
            {
                text = Edit(text, random);
                yield return text;
            }
        }
        for (var l = 0; l < 6; l++)
        {
            var sb = new StringBuilder();
            while (sb.Length < 300 + (l * 150)) sb.Append(Seeds[random.Next(Seeds.Length)]);
            yield return sb.ToString();
            yield return Edit(Edit(sb.ToString(), random), random);
        }
    }

    private static string Edit(string text, Random random)
    {
        var at = text.Length == 0 ? 0 : random.Next(text.Length);
        var c = Alphabet[random.Next(Alphabet.Length)].ToString();
        return random.Next(3) switch
        {
            0 => text.Insert(at, c),
            1 when text.Length > 0 => text.Remove(at, 1),
            _ when text.Length > 0 => text.Remove(at, 1).Insert(at, c),
            _ => c,
        };
    }

    private static PreviousSend? ReferenceFind(GateRules rules, ReferenceSketch sketch, List<ReferenceSketch> week, List<RecentSend> recent)
    {
        PreviousSend? best = null;
        for (var n = 0; n < week.Count; n++)
        {
            var s = ReferenceSketch.Compare(sketch, week[n]);
            if (!rules.IsDuplicate(s)) continue;
            static double Rank(TextSimilarity x) => x.Exact ? 2 : x.Jaccard;
            var r = recent[n];
            if (best is null || Rank(s) > Rank(best.Similarity) || (Rank(s) == Rank(best.Similarity) && r.At > best.At))
            {
                best = new PreviousSend(r.Sender, r.StaffId, r.At, r.Title, s);
            }
        }
        return best;
    }

    /// <summary>The sketch as first written: straightforward and slow.</summary>
    private sealed record ReferenceSketch(long Fingerprint, long NumbersHash, int Length, int Shingles, uint[] MinHashes)
    {
        public static ReferenceSketch Of(string text)
        {
            var normalised = new StringBuilder();
            var numbers = new List<long>();
            var number = 0L;
            var inNumber = false;
            var pendingPoint = false;
            foreach (var raw in text)
            {
                var c = TextNormalizer.Fold(raw);
                if (c == '\0') continue;
                if (char.IsAsciiDigit(c))
                {
                    if (pendingPoint)
                    {
                        number = unchecked((number * 31) + 7);
                        normalised.Append('.');
                    }
                    number = unchecked((number * 10) + (c - '0'));
                    inNumber = true;
                    pendingPoint = false;
                }
                else if (inNumber && c == '.' && !pendingPoint)
                {
                    pendingPoint = true;
                }
                else if (inNumber)
                {
                    numbers.Add(number);
                    number = 0;
                    inNumber = false;
                    pendingPoint = false;
                }
                if (char.IsLetterOrDigit(c)) normalised.Append(c);
            }
            if (inNumber) numbers.Add(number);
            var s = normalised.ToString();
            var fingerprint = 1469598103934665603UL;
            foreach (var c in s) fingerprint = (fingerprint ^ c) * 1099511628211UL;
            var numbersHash = 0L;
            if (numbers.Count > 0)
            {
                var h = 1469598103934665603UL;
                foreach (var x in numbers.Distinct().Order()) h = Mix64(h ^ (ulong)x);
                numbersHash = (long)h;
            }
            var bigrams = Enumerable.Range(0, Math.Max(0, s.Length - 1)).Select(i => Mix32(((uint)s[i] << 16) | s[i + 1])).Distinct().Order().ToArray();
            return new ReferenceSketch((long)Mix64(fingerprint ^ (ulong)s.Length), numbersHash, s.Length, bigrams.Length, bigrams.Take(TextSketch.K).ToArray());
        }

        public static TextSimilarity Compare(ReferenceSketch x, ReferenceSketch y)
        {
            if (x.Fingerprint == y.Fingerprint) return new TextSimilarity(true, 1, 1, true);
            if (x.Shingles == 0 || y.Shingles == 0) return new TextSimilarity(false, 0, 0, x.NumbersHash == y.NumbersHash);
            var a = x.MinHashes;
            var b = y.MinHashes;
            int i = 0, j = 0, taken = 0, both = 0;
            while (taken < TextSketch.K && (i < a.Length || j < b.Length))
            {
                if (j >= b.Length || (i < a.Length && a[i] < b[j]))
                {
                    i++;
                }
                else if (i >= a.Length || b[j] < a[i])
                {
                    j++;
                }
                else
                {
                    both++;
                    i++;
                    j++;
                }
                taken++;
            }
            var jaccard = taken == 0 ? 0 : (double)both / taken;
            var intersection = jaccard * (x.Shingles + y.Shingles) / (1 + jaccard);
            var containment = Math.Min(1, intersection / Math.Min(x.Shingles, y.Shingles));
            return new TextSimilarity(false, jaccard, containment, x.NumbersHash == y.NumbersHash);
        }

        private static uint Mix32(uint h)
        {
            h ^= h >> 16;
            h *= 0x85ebca6b;
            h ^= h >> 13;
            h *= 0xc2b2ae35;
            h ^= h >> 16;
            return h;
        }

        private static ulong Mix64(ulong h)
        {
            h ^= h >> 33;
            h *= 0xff51afd7ed558ccdUL;
            h ^= h >> 33;
            h *= 0xc4ceb9fe1a85ec53UL;
            h ^= h >> 33;
            return h;
        }
    }
}

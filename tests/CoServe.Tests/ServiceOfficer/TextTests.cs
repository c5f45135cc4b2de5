using CoServe.Features.ServiceOfficer.Text;
using JiebaNet.Segmenter;

namespace CoServe.Tests.ServiceOfficer;

public sealed class TextTests
{
    [Theory]
    [InlineData("ＡＰＰ怎么開戶？", "app怎么开户?")]
    [InlineData("  融资融卷   开通 ", "融资融券 开通")]
    [InlineData("逆回够手续废", "逆回购手续费")]
    [InlineData("帳號密碼忘了", "账号密码忘了")]
    [InlineData("科创版１２３", "科创板123")]
    [InlineData("這個錢為什麼還沒到帳", "这个钱为什么还没到账")]
    [InlineData("簽約後個人資料怎麼改", "签约后个人资料怎么改")]
    public void Normalize_FoldsWidthCaseTraditionalAndTypos(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Fact]
    public void Normalize_KeepsRepeatedExclamationForEmotionRules() =>
        Assert.Equal("气死了!!!", TextNormalizer.Normalize("气死了！！！"));

    [Fact]
    public void Analyze_FinanceWordsStayWholeAndSynonymsMapToCanonical()
    {
        var analyzer = OfficerFixtures.Snapshot.Analyzer;
        var a = analyzer.Analyze("两融怎么开通？");
        Assert.Contains("融资融券", a.Words);
        Assert.DoesNotContain("两融", a.Words);
        var b = analyzer.Analyze("逆回购手续费多少");
        Assert.Contains("国债逆回购", b.Words);
        Assert.Contains("手续费", b.Words);
    }

    [Fact]
    public void Segment_AgreesWithJiebaNetOnPlainSentences()
    {
        // Same dictionary and route algorithm as jieba.NET's accurate mode without HMM: same words.
        var dictionary = JiebaDictionary.Load();
        var ours = new WordSegmenter(dictionary, []);
        var jieba = new JiebaSegmenter();
        foreach (var s in new[] { "我想查询一下今天的交易时间", "身份证过期了怎么更新", "怎么在手机上开户", "分红什么时候到账" })
        {
            Assert.Equal(jieba.Cut(s, cutAll: false, hmm: false).Where(t => t.Trim().Length > 0), ours.Segment(s));
        }
    }

    [Fact]
    public void Segment_IsSafeUnderConcurrentCalls()
    {
        var analyzer = OfficerFixtures.Snapshot.Analyzer;
        var expected = string.Join("/", analyzer.Analyze("融资融券开通条件是什么").Tokens);
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            Assert.Equal(expected, string.Join("/", analyzer.Analyze("融资融券开通条件是什么").Tokens)));
    }
}

using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Tests.ServiceOfficer;

public sealed class KeywordAutomatonTests
{
    private static bool[] Find(KeywordAutomaton automaton, string text)
    {
        var found = new bool[automaton.Count];
        automaton.FindAll(text, found);
        return found;
    }

    [Fact]
    public void FindAll_OverlappingAndNestedKeywords_FindsEachLikeContains()
    {
        string[] keywords = ["投诉", "我要投诉", "诉讼", "he", "she", "hers", "his", "万一", "万1"];
        var automaton = new KeywordAutomaton(keywords);
        foreach (var text in new[] { "我要投诉讼师", "ushers", "万一亏了", "佣金万1", "", "无关的一句话", "投投诉诉" })
        {
            var found = Find(automaton, text);
            for (var k = 0; k < keywords.Length; k++)
            {
                Assert.True(found[k] == text.Contains(keywords[k], StringComparison.Ordinal), $"'{keywords[k]}' in '{text}'");
            }
        }
    }

    [Fact]
    public void Constructor_EmptyKeyword_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new KeywordAutomaton(["投诉", ""]));

    [Theory]
    [InlineData("心态崩了，真的撑不下去了", ClientIntent.NegativeEmotion)]
    [InlineData("不好意思，请问开户要带什么", null)]
    [InlineData("一星期能转几次账", null)]
    [InlineData("没经过我同意就给我开了这个业务", ClientIntent.Complaint)]
    [InlineData("如何申请劳动仲裁", null)]
    public void Rules_ColloquialEmotionAndGrievance_FireWithoutCatchingPoliteQuestions(string text, ClientIntent? expected) =>
        Assert.Equal(expected, IntentRuleSet.Strongest(IntentRuleSet.Default().Match(TextNormalizer.Normalize(text)).Select(f => f.Rule.Intent)));

    [Fact]
    public void Rules_EvidenceIsTheRulesFirstKeywordInItsOrder()
    {
        var rules = new IntentRuleSet([new IntentRule("r", ClientIntent.Complaint, ["曝光", "投诉"])]);
        var (_, evidence) = Assert.Single(rules.Match("我要投诉，还要曝光"));
        Assert.Equal("曝光", evidence);
    }

    [Fact]
    public void ReadAliases_ChainOrMalformedLine_IsRejectedWithLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"coserve-{Guid.NewGuid():N}.tsv");
        try
        {
            File.WriteAllText(path, "# merged\nKB-0605\tKB-0033\n");
            Assert.Equal("KB-0033", SeedFiles.ReadAliases(path)["KB-0605"]);
            File.WriteAllText(path, "KB-0605\tKB-0033\nKB-0033\tKB-0001\n");
            Assert.Throws<SeedFormatException>(() => SeedFiles.ReadAliases(path));
            File.WriteAllText(path, "KB-0605 KB-0033\n");
            var ex = Assert.Throws<SeedFormatException>(() => SeedFiles.ReadAliases(path));
            Assert.Contains($"{path}:1", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SeedAliases_PointFromRetiredToKeptEntriesOfTheSeed()
    {
        var seed = new SeedKnowledgeSource(ServiceOfficerSetup.DefaultSeedDirectory).Load();
        var ids = seed.Entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var aliases = SeedFiles.ReadAliases(Path.Combine(ServiceOfficerSetup.DefaultSeedDirectory, "kb-aliases.tsv"));
        Assert.NotEmpty(aliases);
        foreach (var (retired, kept) in aliases)
        {
            Assert.DoesNotContain(retired, ids);
            Assert.Contains(kept, ids);
        }
    }
}

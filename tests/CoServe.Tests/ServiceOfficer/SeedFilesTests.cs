using CoServe.Features.ServiceOfficer.Knowledge;

namespace CoServe.Tests.ServiceOfficer;

public sealed class SeedFilesTests
{
    [Fact]
    public void ReadLabelled_MalformedLine_NamesFileAndLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"coserve-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\", \"label\": \"Faq\"}\n{\"text\": \"b\"\n");
        try
        {
            var ex = Assert.Throws<SeedFormatException>(() => SeedFiles.ReadLabelled(path));
            Assert.Contains($"{path}:2", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadTsv_WithBom_ReadsFirstFieldWithoutBom()
    {
        var path = Path.Combine(Path.GetTempPath(), $"coserve-{Guid.NewGuid():N}.tsv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("KB-1\t怎么开户\n")]);
        try
        {
            var (_, fields) = Assert.Single(SeedFiles.ReadTsv(path, 2, 2, "id<TAB>text"));
            Assert.Equal("KB-1", fields[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadKnowledgeBase_BadRiskLevel_IsRejectedWithEntryId()
    {
        var path = Path.Combine(Path.GetTempPath(), $"coserve-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "[{\"id\":\"KB-0001\",\"category\":\"c\",\"question\":\"q\",\"paraphrases\":[\"p\"],\"answer\":\"a\",\"productRiskLevel\":\"R9\"}]");
        try
        {
            var ex = Assert.Throws<SeedFormatException>(() => SeedFiles.ReadKnowledgeBase(path));
            Assert.Contains("KB-0001", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OptionsValidator_ClarifyAboveAnswerThreshold_Fails()
    {
        var result = new CoServe.Features.ServiceOfficer.ServiceOfficerOptionsValidator().Validate(null,
            new CoServe.Features.ServiceOfficer.ServiceOfficerOptions { AnswerThreshold = 0.4, ClarifyThreshold = 0.6 });
        Assert.True(result.Failed);
    }

    [Theory]
    [InlineData(49, 300, false)]
    [InlineData(400, 9, false)]
    [InlineData(400, 100, true)]
    public void OptionsValidator_SearchBudgets(int wordings, int entries, bool valid)
    {
        var result = new CoServe.Features.ServiceOfficer.ServiceOfficerOptionsValidator().Validate(null,
            new CoServe.Features.ServiceOfficer.ServiceOfficerOptions { SearchWordingBudget = wordings, SearchEntryBudget = entries });
        Assert.Equal(valid, result.Succeeded);
    }
}

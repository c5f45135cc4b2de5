using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Tests.ServiceOfficer;

/// <summary>The kinds-of-words features of the intent model (round intents4).</summary>
public sealed class EmotionLexiconTests
{
    private static EmotionLexicon.Signals Read(string text) => EmotionLexicon.Read(TextNormalizer.Normalize(text));

    [Theory]
    [InlineData("你们的服务太差劲了!!")]
    [InlineData("每次都这样敷衍，你们到底想怎样")]
    [InlineData("真是糟心透了")]
    public void FeelingAimedAtTheService_IsStrongEvidence(string text) => Assert.Equal(2, Read(text).EmotionEvidence);

    [Theory]
    [InlineData("亏损的股票怎么计算成本")]
    [InlineData("银证转账的流程是什么")]
    [InlineData("吃饭了没")]
    public void OrdinaryQuestionsAndChat_CarryNoEvidence(string text) => Assert.Equal(0, Read(text).EmotionEvidence);

    [Fact]
    public void LossAsATopic_IsALossInAQuestion_NotAFeeling()
    {
        var s = Read("亏损的股票怎么计算成本");
        Assert.True(s.Loss);
        Assert.True(s.Info);
        Assert.Equal(0, s.Negative);
    }

    [Fact]
    public void NegatedFeeling_IsNotCountedAsAFeeling()
    {
        var s = Read("我没生气，就是问问");
        Assert.Equal(0, s.Negative);
        Assert.True(s.NegatedOnly);
    }

    [Fact]
    public void Praise_IsPositive_AndSarcasmIsPraiseNextToAComplaintWord()
    {
        var praise = Read("客服小姐姐真贴心");
        Assert.True(praise.PositiveIntensified);
        Assert.Equal(0, praise.Negative);
        var sarcasm = Read("厉害厉害，一个问题敷衍了半个小时");
        Assert.True(sarcasm.Positive);
        Assert.True(sarcasm.Negative > 0);
    }

    [Fact]
    public void ComplaintAct_IsReadApartFromTheFeeling()
    {
        Assert.True(Read("我要打12386投诉你们").Act);
        Assert.False(Read("气死我了").Act);
    }

    [Fact]
    public void Features_DifferBetweenALossQuestionAndALossCry()
    {
        var question = new List<(int, float)>();
        var cry = new List<(int, float)>();
        EmotionLexicon.AddFeatures(TextNormalizer.Normalize("亏损怎么算"), question, IntentClassifier.DefaultHashBits);
        EmotionLexicon.AddFeatures(TextNormalizer.Normalize("又亏了，气死我了!"), cry, IntentClassifier.DefaultHashBits);
        Assert.NotEmpty(question);
        Assert.NotEmpty(cry);
        Assert.Empty(question.Select(f => f.Item1).Intersect(cry.Select(f => f.Item1)));
    }

    [Fact]
    public void Lists_HaveNoEmptyWords() =>
        Assert.All(EmotionLexicon.Negative.Concat(EmotionLexicon.Positive).Concat(EmotionLexicon.Rhetorical).Concat(EmotionLexicon.ComplaintActs),
            w => Assert.False(string.IsNullOrWhiteSpace(w)));
}

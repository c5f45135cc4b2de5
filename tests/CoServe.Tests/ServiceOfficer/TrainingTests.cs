using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Text;
using CoServe.Features.ServiceOfficer.Retrieval;

namespace CoServe.Tests.ServiceOfficer;

public sealed class TrainingTests
{
    private static List<(SparseVector X, int Y)> Rows() =>
    [
        .. Enumerable.Range(0, 60).Select(i => (new SparseVector([i % 3, 10 + i % 5], [1f, 0.5f]), i % 3)),
    ];

    [Fact]
    public void TrainSoftmax_SeparableClasses_PredictsEachClass()
    {
        var (w, b) = LinearModels.TrainSoftmax(Rows(), classes: 3, dimension: 16, l2: 1e-4f, seed: 7);
        for (var c = 0; c < 3; c++)
        {
            var scores = Enumerable.Range(0, 3).Select(k => b[k] + w[c * 3 + k]).ToArray();
            Assert.Equal(c, Array.IndexOf(scores, scores.Max()));
        }
    }

    [Fact]
    public void TrainSoftmax_SameSeed_GivesSameWeights()
    {
        var a = LinearModels.TrainSoftmax(Rows(), 3, 16, 1e-4f, seed: 7);
        var b = LinearModels.TrainSoftmax(Rows(), 3, 16, 1e-4f, seed: 7);
        Assert.Equal(a.Weights, b.Weights);
        Assert.Equal(a.Biases, b.Biases);
    }

    [Fact]
    public void SparseVector_From_SortsByIndexAndSumsRepeatedIndices()
    {
        var v = SparseVector.From([(9, 1f), (2, 0.5f), (9, 0.25f), (4, 1f), (2, 1f), (0, 2f)]);
        Assert.Equal([0, 2, 4, 9], v.Indices);
        Assert.Equal([2f, 1.5f, 1f, 1.25f], v.Values);
        Assert.Empty(SparseVector.From([]).Indices);
    }

    [Fact]
    public void IntentClassifier_SavedAndLoaded_PredictsTheSameAndSavesTheSameBytes()
    {
        var analyzer = OfficerFixtures.Snapshot.Analyzer;
        (string Text, string Label)[] examples =
        [
            ("我要投诉你们", "Complaint"), ("打12386投诉", "Complaint"), ("我要曝光你们", "Complaint"),
            ("开户要多久", "Faq"), ("佣金怎么收", "Faq"), ("几点开盘", "Faq"),
            ("气死我了", "NegativeEmotion"), ("太失望了", "NegativeEmotion"), ("烦死了", "NegativeEmotion"),
        ];
        var model = IntentClassifier.Train([.. examples.Select(e => (analyzer.Analyze(e.Text), e.Label))], seed: 3, hashBits: 10);
        using var file = new MemoryStream();
        model.Save(file);
        file.Position = 0;
        var loaded = IntentClassifier.Load(file, "model");
        using var again = new MemoryStream();
        loaded.Save(again);

        Assert.Equal(file.ToArray(), again.ToArray());
        foreach (var text in new[] { "我要投诉", "开户", "气死了", "你好" })
        {
            Assert.Equal(model.Predict(analyzer.Analyze(text)), loaded.Predict(analyzer.Analyze(text)));
        }
        Assert.Equal("Complaint", loaded.Top(analyzer.Analyze("我要投诉你们的服务")).Label);
    }

    [Fact]
    public void IntentClassifier_FileKeepsClassMajorPositions()
    {
        // Two classes, 2^8 features: the weight of feature j for class c is stored at c * 256 + j.
        var weights = new float[2 * 256];
        weights[5 * 2 + 1] = 0.75f; // feature 5, class 1 (feature-major in memory)
        var model = new IntentClassifier(["A", "B"], 8, weights, [0f, 0f]);
        using var file = new MemoryStream();
        model.Save(file);
        var bytes = file.ToArray();
        // The file ends with: count of non-zero weights, then (position, weight) pairs.
        Assert.Equal(1, BitConverter.ToInt32(bytes, bytes.Length - 12));
        Assert.Equal(256 + 5, BitConverter.ToInt32(bytes, bytes.Length - 8));
        Assert.Equal(0.75f, BitConverter.ToSingle(bytes, bytes.Length - 4));
    }

    [Theory]
    [InlineData("开户要多久", 0)]
    [InlineData("佣金怎么收费", 2)]
    [InlineData("为什么转账失败", 5)]
    [InlineData("下午四点以后还能转吗", 1)]
    [InlineData("要在哪个菜单里找", 6)]
    public void QuestionCues_ReadTheKindOfQuestion(string text, int bit) => Assert.NotEqual(0, QuestionCues.Of(text) & (1 << bit));

    [Theory]
    [InlineData("销户怎么办理", false)]
    [InlineData("可以线上办吗", false)]
    [InlineData("销户要几个工作日", true)]
    [InlineData("销户收费吗", true)]
    public void QuestionCues_HowAndCanAreNotSpecific(string text, bool specific) =>
        Assert.Equal(specific, (QuestionCues.Of(text) & QuestionCues.SpecificMask) != 0);

    [Fact]
    public void Blend_ReadingsThatDisagree_TheEntryBothSupportWins()
    {
        // With context entry 1 leads, alone entry 2 leads; entry 3 is second in both and so first after the blend.
        var withContext = new MatchResult([new RankedEntry(1, 0.8f, default), new RankedEntry(3, 0.6f, default)], 0.8f);
        var alone = new MatchResult([new RankedEntry(2, 0.8f, default), new RankedEntry(3, 0.6f, default)], 0.8f);
        var blended = MatchRanker.Blend(MatchRanker.Untrained(), alone, withContext, 0.5f);
        Assert.Equal([3, 1, 2], blended.Ranked.Select(r => r.Entry));
        Assert.Equal(0.6f, blended.Ranked[0].Probability, 4);
        Assert.Same(withContext, MatchRanker.Blend(MatchRanker.Untrained(), alone, withContext, 0f));
    }

    [Theory]
    [InlineData("我要人工，别废话", ClientIntent.HumanRequested)]
    [InlineData("你们这帮废物，我要投诉", ClientIntent.Complaint)]
    [InlineData("人工智障", ClientIntent.NegativeEmotion)]
    public void Rules_EmotionNextToAConcreteRequest_GoesWithTheRequest(string text, ClientIntent expected) =>
        Assert.Equal(expected, IntentRuleSet.Strongest(IntentRuleSet.Default().Match(text).Select(f => f.Rule.Intent)));

    [Fact]
    public void FaqSample_EntryWithADutyWording_LeavesAllItsWordingsOut()
    {
        var analyzer = OfficerFixtures.Snapshot.Analyzer;
        var docs = new List<(int Entry, AnalyzedText Text)>
        {
            (0, analyzer.Analyze("账户被盗了怎么办")),
            (0, analyzer.Analyze("有人登录我的账户")),
            (0, analyzer.Analyze("收到登录提醒但不是我")),
            (1, analyzer.Analyze("开户要多久")),
            (1, analyzer.Analyze("开户需要带什么")),
        };

        var sample = KnowledgeSnapshot.FaqSample(docs, IntentRuleSet.Default(), cap: 10);

        Assert.Equal([3, 4], sample);
    }
}

using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;
using static CoServe.Tests.ServiceOfficer.OfficerFixtures;

namespace CoServe.Tests.ServiceOfficer;

public sealed class EngineTests
{
    [Fact]
    public void Respond_ParaphrasedQuestion_AnswersFromEntryWithVariablesFilled()
    {
        var answer = Assert.IsType<OfficerAnswer>(Respond("在手机上怎么开股票账户"));
        Assert.Equal("KB-0001", answer.KnowledgeEntryId);
        Assert.StartsWith("王先生您好", answer.Text, StringComparison.Ordinal);
        Assert.Contains("021-50001234", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("{", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("C000123", answer.Text, StringComparison.Ordinal);
        Assert.Contains(answer.Explanations, e => e.StartsWith("answer KB-0001", StringComparison.Ordinal));
    }

    [Fact]
    public void Respond_FollowUpAfterReverseRepo_AnswersTheFeeEntry()
    {
        var decision = Respond("那手续费呢？", null, ClientSaid("国债逆回购在哪里买"), OfficerSaid("您可在 App…", "KB-0010"));
        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal("KB-0011", answer.KnowledgeEntryId);
        Assert.Contains(answer.Explanations, e => e.StartsWith("follow-up", StringComparison.Ordinal));
    }

    [Fact]
    public void Respond_FollowUpWithOnlyTheClientsTurn_ReadsItWithThePreviousQuestion()
    {
        // No officer turn on record: the entry the previous question matches stands for the answer.
        var decision = Respond("那手续费呢？", null, ClientSaid("国债逆回购在哪里买"));
        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal("KB-0011", answer.KnowledgeEntryId);
        Assert.Contains(answer.Explanations, e => e.StartsWith("follow-up", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_ComplaintWith12386_HandsOffToManager()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("你们再不处理我就打12386投诉"));
        Assert.Equal(HandoffReason.Complaint, handoff.Reason);
        Assert.Contains(handoff.Explanations, e => e.Contains("complaint.keyword", StringComparison.Ordinal));
        Assert.Contains("已为您转接专人处理，" + WaitPromise.Token + "，请您稍候", handoff.HoldingMessage, StringComparison.Ordinal);
        Assert.NotNull(handoff.Package.SuggestedReply);
        Assert.Contains("你们再不处理我就打12386投诉", handoff.Package.KeySentences);
    }

    [Fact]
    public void Classify_ComplaintOutranksAFaqMatch()
    {
        // "销户" matches KB-0002 well, but a complaint must never be answered by the FAQ.
        var handoff = Assert.IsType<OfficerHandoff>(Respond("销户这么麻烦，我要投诉"));
        Assert.Equal(HandoffReason.Complaint, handoff.Reason);
    }

    [Theory]
    [InlineData("600519现在能买吗", HandoffReason.AdviceRequest)]
    [InlineData("推荐几只股票给我", HandoffReason.AdviceRequest)]
    [InlineData("佣金太高了，能降到万一吗", HandoffReason.CommissionRequest)]
    [InlineData("我朋友想借用我的账户炒股", HandoffReason.AmlRelated)]
    [InlineData("我的账户被盗了", HandoffReason.AccountSecurity)]
    [InlineData("转人工", HandoffReason.HumanRequested)]
    [InlineData("什么破app，气死了！！！", HandoffReason.NegativeEmotion)]
    public void Classify_DutyIntents_HandOffWithReason(string text, HandoffReason reason)
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond(text));
        Assert.Equal(reason, handoff.Reason);
        Assert.NotEmpty(handoff.Explanations);
    }

    [Fact]
    public void Classify_WanYiMeaningInCase_IsNotACommissionRequest()
    {
        var decision = Respond("万一中签了没缴款会怎样");
        Assert.False(decision is OfficerHandoff { Reason: HandoffReason.CommissionRequest });
    }

    [Fact]
    public void Respond_Gibberish_HandsOffWithLowConfidence()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("zzqx 嗯嗯 qwerty"));
        Assert.Equal(HandoffReason.LowConfidence, handoff.Reason);
    }

    [Fact]
    public void Respond_AfterTwoUnansweredTurns_HandsOffAsRepeatedFailure()
    {
        var decision = Respond("zzqx qwerty", null,
            ClientSaid("abc"), OfficerSaid("您是想问：…", null), ClientSaid("xyz"), OfficerSaid("您是想问：…", null));
        Assert.Equal(HandoffReason.RepeatedFailure, Assert.IsType<OfficerHandoff>(decision).Reason);
    }

    [Fact]
    public void Respond_ProductAboveClientLevel_HandsOffWithSuitabilityExplanation()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("私募基金怎么购买", Client(SuitabilityLevel.C2)));
        Assert.Equal(HandoffReason.GuardrailBlocked, handoff.Reason);
        Assert.Contains(handoff.Explanations, e => e.Contains("Suitability", StringComparison.Ordinal) && e.Contains("R4", StringComparison.Ordinal));
    }

    [Fact]
    public void Respond_ExpiredAssessment_BlocksProductContent()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("现金理财产品怎么买", Client(SuitabilityLevel.C5, expired: true)));
        Assert.Contains(handoff.Explanations, e => e.Contains("expired", StringComparison.Ordinal));
    }

    [Fact]
    public void Respond_ProductWithinClientLevel_Answers()
    {
        var answer = Assert.IsType<OfficerAnswer>(Respond("私募基金怎么购买", Client(SuitabilityLevel.C5)));
        Assert.Equal("KB-0020", answer.KnowledgeEntryId);
    }

    [Fact]
    public void Tool_OwnCommission_AnswersFromProfile()
    {
        var client = Client(facts: new Dictionary<string, string> { ["commission_rate"] = "万2.5" });
        var answer = Assert.IsType<OfficerAnswer>(Respond("我的佣金是多少", client));
        Assert.Contains("万2.5", answer.Text, StringComparison.Ordinal);
        Assert.Null(answer.KnowledgeEntryId);
    }

    [Fact]
    public void Tool_WantsToOpenMargin_AnswersAndCreatesAppointmentTask()
    {
        var answer = Assert.IsType<OfficerAnswer>(Respond("我想开通两融", Client(SuitabilityLevel.C4)));
        Assert.Equal("KB-0012", answer.KnowledgeEntryId);
        Assert.Contains(answer.Actions, a => a.Kind == "AppointmentTask");
    }

    [Fact]
    public void Tool_RiskAssessment_IncludesTheClientsLink()
    {
        var client = Client(facts: new Dictionary<string, string> { ["risk_assessment_link"] = "https://example.invalid/risk" });
        var answer = Assert.IsType<OfficerAnswer>(Respond("风险测评在哪做", client));
        Assert.Contains("https://example.invalid/risk", answer.Text, StringComparison.Ordinal);
        Assert.Contains(answer.Actions, a => a.Kind == "RiskAssessmentLink");
    }

    [Fact]
    public void Handoff_PackageMasksPersonalDataAndExtractsEntities()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("我要投诉，上周五十万转账没到，我电话13812345678，涉及600519"));
        Assert.DoesNotContain("13812345678", handoff.Package.Summary, StringComparison.Ordinal);
        Assert.All(handoff.Package.KeySentences, s => Assert.DoesNotContain("13812345678", s, StringComparison.Ordinal));
        Assert.Contains("500000元", handoff.Package.Entities["amounts"]);
        Assert.Contains("600519", handoff.Package.Entities["security_codes"]);
    }

    [Fact]
    public void Handoff_NamesProductsFromTheDictionarysNouns_NotItsVerbs()
    {
        var handoff = Assert.IsType<OfficerHandoff>(Respond("我要投诉，打新一直不中签，融资融券也开不了"));
        var products = handoff.Package.Entities["products"];
        Assert.Contains("融资融券", products);
        Assert.DoesNotContain("打新", products);
        Assert.DoesNotContain("中签", products);
    }

    [Fact]
    public async Task Reload_SwapsSnapshotWithoutFailingMessagesInFlight()
    {
        using var engine = new ServiceOfficerEngine(Microsoft.Extensions.Options.Options.Create(new ServiceOfficerOptions()), TimeProvider.System, new SeedKnowledgeSource(OfficerFixtures.Directory));
        await engine.EnsureLoadedAsync(CancellationToken.None);
        var first = engine.Current;
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var served = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var d = await engine.RespondAsync(Ask("逆回购怎么买"), CancellationToken.None);
                if (d is not OfficerAnswer { KnowledgeEntryId: "KB-0010" }) Interlocked.Increment(ref failures);
                Interlocked.Increment(ref served);
            }
        });
        var second = await engine.ReloadAsync(CancellationToken.None);
        await stop.CancelAsync();
        await load;
        Assert.NotSame(first, second);
        Assert.Same(second, engine.Current);
        Assert.Equal(0, failures);
        Assert.True(served > 0);
    }

    [Fact]
    public void Build_SameInputTwice_GivesSameDecisions()
    {
        var again = KnowledgeSnapshot.Build(Load(), new ServiceOfficerOptions(), Today);
        var engine = Engine();
        foreach (var q in new[] { "逆回购怎么买", "密码忘了", "几点收盘", "私募起投多少" })
        {
            var a = engine.Respond(Snapshot, Ask(q));
            var b = engine.Respond(again, Ask(q));
            Assert.Equal(a.Explanations, b.Explanations);
        }
    }

    [Fact]
    public void Build_SkipsEntriesOutsideTheirEffectivePeriod()
    {
        var set = Load();
        var expired = set.Entries[0] with { EffectiveTo = Today.AddDays(-1) };
        var snapshot = KnowledgeSnapshot.Build(set with { Entries = [expired, .. set.Entries.Skip(1)] }, new ServiceOfficerOptions(), Today);
        Assert.DoesNotContain(snapshot.Entries, e => e.Id == expired.Id);
    }
}

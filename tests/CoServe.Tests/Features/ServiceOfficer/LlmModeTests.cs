using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Llm;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static CoServe.Tests.Features.ServiceOfficer.ChatCompletionsServer;
using Fixtures = CoServe.Tests.ServiceOfficer.OfficerFixtures;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>
/// The grounded LLM mode against a real OpenAI-compatible HTTP server started by each test (Kestrel on loopback),
/// through the production chat client (Microsoft.Extensions.AI over the OpenAI SDK).
/// </summary>
public sealed class LlmModeTests : IAsyncLifetime
{
    private ChatCompletionsServer _server = null!;

    private const string FeeQuestion = "国债逆回购的手续费怎么收？";

    private const string GroundedFeeReply = "{客户称呼}您好，1 天期国债逆回购的手续费为成交金额的十万分之一，以交易所最新规定为准。";

    public async Task InitializeAsync() => _server = await StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private LlmServiceOfficer Officer(Action<LlmOptions>? configure = null, TimeProvider? clock = null)
    {
        var options = new LlmOptions { Enabled = true, Endpoint = _server.Endpoint, Model = "test-model", TimeoutSeconds = 30 };
        configure?.Invoke(options);
        return new LlmServiceOfficer(Fixtures.Engine(), Options.Create(options), LlmSetup.CreateChatClient(options), clock ?? TimeProvider.System);
    }

    private static OfficerClientContext Client(bool consent = true) =>
        new("C000123", "王先生", "上海浦东营业部", "021-50001234", SuitabilityLevel.C3, false, false, consent,
            new Dictionary<string, string> { ["name"] = "王小明", ["total_assets"] = "356,800.25" });

    private static OfficerRequest Ask(string text, bool consent = true, params OfficerTurn[] history) => new(Client(consent), text, history, "test");

    private static OfficerDecision Retrieval(OfficerRequest request) => Fixtures.Engine().Respond(Fixtures.Snapshot, request);

    [Fact]
    public async Task GroundedReply_IsSentWithVariablesRestored()
    {
        _server.Enqueue(Script.Answer(GroundedFeeReply, 1));
        var decision = await Officer().RespondAsync(Ask(FeeQuestion), CancellationToken.None);

        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal(LlmServiceOfficer.EngineName, answer.Engine);
        Assert.Equal("KB-0011", answer.KnowledgeEntryId);
        Assert.Equal("王先生您好，1 天期国债逆回购的手续费为成交金额的十万分之一，以交易所最新规定为准。", answer.Text);
        Assert.Contains("mode: llm", answer.Explanations);
        Assert.Equal(1, _server.Requests);
        var sent = string.Join("\n", MessageTexts(_server.Bodies[0]));
        Assert.Contains("国债逆回购的手续费怎么收", sent, StringComparison.Ordinal);
        Assert.Contains("十万分之一", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_CarriesNoPersonalData()
    {
        _server.Enqueue(Script.Answer(GroundedFeeReply, 1));
        var history = new[]
        {
            Fixtures.ClientSaid("我叫王小明，手机 138 1234 5678，身份证11010119900307123X，卡号6222 0212 3456 7890 123，资金账号880012345，邮箱wxm@example.com"),
            Fixtures.OfficerSaid("王先生您好，您可在 App“理财-国债逆回购”中选择期限。", "KB-0010"),
        };
        var decision = await Officer().RespondAsync(Ask("我账户有356,800.25，想问国债逆回购的手续费怎么收？客户号C000123", true, history), CancellationToken.None);

        Assert.Equal(LlmServiceOfficer.EngineName, decision.Engine);
        var texts = MessageTexts(Assert.Single(_server.Bodies));
        var sent = string.Join("\n", texts);
        // The JSON was decoded: the Chinese of the prompt is there, so the absences below are real.
        Assert.Contains("客户当前的问题", sent, StringComparison.Ordinal);
        Assert.Contains("想问国债逆回购的手续费怎么收", sent, StringComparison.Ordinal);
        foreach (var personal in new[]
        {
            "王小明", "小明", "王先生", "13812345678", "138 1234 5678", "1234 5678", "11010119900307123X", "19900307",
            "6222 0212 3456 7890 123", "6222", "880012345", "wxm@example.com", "356,800.25", "356", "C000123",
            "021-50001234", "50001234", "上海浦东营业部",
        })
        {
            Assert.DoesNotContain(personal, sent, StringComparison.Ordinal);
        }
        foreach (var placeholder in new[] { "<NAME_", "<MOBILE_1>", "<ID_1>", "<CARD_1>", "<ACCOUNT_", "<EMAIL_1>", "<AMOUNT_1>" })
        {
            Assert.Contains(placeholder, sent, StringComparison.Ordinal);
        }
        // And nothing personal in the raw body either (escaped or not).
        Assert.DoesNotContain("138 1234 5678", _server.Bodies[0], StringComparison.Ordinal);
        Assert.DoesNotContain("880012345", _server.Bodies[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UngroundedNumber_FallsBackToTheRetrievalAnswer()
    {
        _server.Enqueue(Script.Answer("{客户称呼}您好，逆回购手续费为成交金额的万分之五，最低收 5 元。", 1));
        var request = Ask(FeeQuestion);
        var decision = await Officer().RespondAsync(request, CancellationToken.None);

        var answer = Assert.IsType<OfficerAnswer>(decision);
        var retrieval = Assert.IsType<OfficerAnswer>(Retrieval(request));
        Assert.Equal(ServiceOfficerEngine.EngineName, answer.Engine);
        Assert.Equal(retrieval.Text, answer.Text);
        Assert.Contains(answer.Explanations, e => e.Contains("not grounded", StringComparison.Ordinal) && e.Contains("万分之五", StringComparison.Ordinal));
        Assert.Contains("mode: retrieval (fallback)", answer.Explanations);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task PromisedReturns_AreBlockedByTheGuardrails_AndFallBack()
    {
        _server.Enqueue(Script.Answer("{客户称呼}您好，国债逆回购保本保息、稳赚不赔，手续费为成交金额的十万分之一。", 1));
        var request = Ask(FeeQuestion);
        var decision = await Officer().RespondAsync(request, CancellationToken.None);

        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal(ServiceOfficerEngine.EngineName, answer.Engine);
        Assert.Equal(Assert.IsType<OfficerAnswer>(Retrieval(request)).Text, answer.Text);
        Assert.Contains(answer.Explanations, e => e.Contains("guardrail ReturnPromise", StringComparison.Ordinal));
        Assert.DoesNotContain("稳赚", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyEchoingRedactedPersonalData_FallsBack()
    {
        _server.Enqueue(Script.Answer("{客户称呼}您好，已向 <MOBILE_1> 发送说明：手续费为成交金额的十万分之一。", 1));
        var decision = await Officer().RespondAsync(Ask("我手机13812345678，" + FeeQuestion), CancellationToken.None);

        Assert.Equal(ServiceOfficerEngine.EngineName, decision.Engine);
        Assert.Contains(decision.Explanations, e => e.Contains("redacted personal data (<MOBILE_1>)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Timeout_FallsBackToTheRetrievalAnswer()
    {
        _server.Enqueue(Script.Hang());
        var request = Ask(FeeQuestion);
        var decision = await Officer(o => o.TimeoutSeconds = 0.5).RespondAsync(request, CancellationToken.None);

        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal(ServiceOfficerEngine.EngineName, answer.Engine);
        Assert.Equal(Assert.IsType<OfficerAnswer>(Retrieval(request)).Text, answer.Text);
        Assert.Contains(answer.Explanations, e => e.Contains("timeout after 0.5 s", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("你们再不处理我就打12386投诉", HandoffReason.Complaint)]
    [InlineData("600519现在能买吗", HandoffReason.AdviceRequest)]
    [InlineData("佣金太高了，能降到万一吗", HandoffReason.CommissionRequest)]
    [InlineData("我朋友想借用我的账户炒股", HandoffReason.AmlRelated)]
    [InlineData("我的账户被盗了", HandoffReason.AccountSecurity)]
    [InlineData("什么破app，气死了！！！", HandoffReason.NegativeEmotion)]
    public async Task HandoffIntents_NeverReachTheModel(string text, HandoffReason reason)
    {
        _server.Enqueue(Script.Answer(GroundedFeeReply, 1));
        var decision = await Officer().RespondAsync(Ask(text), CancellationToken.None);

        var handoff = Assert.IsType<OfficerHandoff>(decision);
        Assert.Equal(reason, handoff.Reason);
        Assert.Equal(ServiceOfficerEngine.EngineName, handoff.Engine);
        Assert.Contains(handoff.Explanations, e => e.StartsWith("llm: not asked: handoff", StringComparison.Ordinal));
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task ClientWithoutConsent_IsNotSentToTheModel()
    {
        _server.Enqueue(Script.Answer(GroundedFeeReply, 1));
        var decision = await Officer().RespondAsync(Ask(FeeQuestion, consent: false), CancellationToken.None);

        Assert.Equal(ServiceOfficerEngine.EngineName, decision.Engine);
        Assert.Contains(decision.Explanations, e => e.Contains("not consented", StringComparison.Ordinal));
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task ModelSaysEntriesDoNotAnswer_ClarifiesInsteadOfAnswering()
    {
        _server.Enqueue(Script.Reply("```json\n{\"status\": \"no_answer\", \"sources\": [], \"reply\": \"\"}\n```"));
        var decision = await Officer(o => o.MinCandidateProbability = 0).RespondAsync(Ask(FeeQuestion), CancellationToken.None);

        var clarification = Assert.IsType<OfficerClarification>(decision);
        Assert.Contains(decision.Explanations, e => e.Contains("do not answer", StringComparison.Ordinal));
        Assert.StartsWith("王先生您好，您是想问：", clarification.Text, StringComparison.Ordinal);
        Assert.Contains("KB-0011", clarification.OptionEntryIds);
    }

    [Fact]
    public async Task CircuitBreaker_OpensAfterConsecutiveFailures_AndClosesAfterASuccessfulTrial()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
        var officer = Officer(o => { o.BreakerFailures = 2; o.BreakerOpenSeconds = 30; }, clock);
        _server.Enqueue(Script.Status(500), Script.Status(500), Script.Answer(GroundedFeeReply, 1));

        var first = await officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None);
        Assert.Contains(first.Explanations, e => e.Contains("model call failed (HTTP 500)", StringComparison.Ordinal));
        Assert.Equal(CircuitState.Closed, officer.Breaker.State);
        var second = await officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None);
        Assert.Contains(second.Explanations, e => e.Contains("circuit opened", StringComparison.Ordinal));
        Assert.Equal(CircuitState.Open, officer.Breaker.State);

        var whileOpen = await officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None);
        Assert.Equal(ServiceOfficerEngine.EngineName, whileOpen.Engine);
        Assert.Contains(whileOpen.Explanations, e => e.Contains("circuit open", StringComparison.Ordinal));
        Assert.Equal(2, _server.Requests);

        clock.Advance(TimeSpan.FromSeconds(30));
        var trial = await officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None);
        Assert.Equal(LlmServiceOfficer.EngineName, trial.Engine);
        Assert.Equal(CircuitState.Closed, officer.Breaker.State);
        Assert.Equal(3, _server.Requests);
    }

    [Fact]
    public async Task OneModelCallPerConversation_TheSecondMessageTakesTheRetrievalAnswer()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Arrived += _ => arrived.TrySetResult();
        _server.Enqueue(Script.Hang(release.Task, Script.Answer(GroundedFeeReply, 1)));
        var officer = Officer();

        var first = officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None).AsTask();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var second = await officer.RespondAsync(Ask(FeeQuestion), CancellationToken.None);
        Assert.Equal(ServiceOfficerEngine.EngineName, second.Engine);
        Assert.Contains(second.Explanations, e => e.Contains("in flight", StringComparison.Ordinal));

        release.SetResult();
        Assert.Equal(LlmServiceOfficer.EngineName, (await first).Engine);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public void Options_EnabledWithoutEndpointOrModel_FailValidation()
    {
        var result = new LlmOptionsValidator().Validate(null, new LlmOptions { Enabled = true, TimeoutSeconds = 0 });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Endpoint is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Model is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("TimeoutSeconds", StringComparison.Ordinal));
        Assert.True(new LlmOptionsValidator().Validate(null, new LlmOptions()).Succeeded);
    }
}

public sealed class LlmSetupTests
{
    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddServiceOfficer(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Disabled_TheEngineIsTheResponder()
    {
        using var sp = Provider([]);
        Assert.IsType<ServiceOfficerEngine>(sp.GetRequiredService<IServiceOfficerResponder>());
    }

    [Fact]
    public void Enabled_TheLlmModeFrontsTheEngine()
    {
        using var sp = Provider(new()
        {
            ["ServiceOfficer:Llm:Enabled"] = "true",
            ["ServiceOfficer:Llm:Endpoint"] = "http://127.0.0.1:9/v1",
            ["ServiceOfficer:Llm:Model"] = "qwen2.5-7b-instruct",
            ["ServiceOfficer:Llm:TimeoutSeconds"] = "2.5",
        });
        Assert.IsType<LlmServiceOfficer>(sp.GetRequiredService<IServiceOfficerResponder>());
        Assert.Equal(2.5, sp.GetRequiredService<IOptions<LlmOptions>>().Value.TimeoutSeconds);
    }

    [Fact]
    public void Enabled_WithoutEndpoint_FailsNamingTheKey()
    {
        using var sp = Provider(new() { ["ServiceOfficer:Llm:Enabled"] = "true", ["ServiceOfficer:Llm:Model"] = "m" });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<LlmOptions>>().Value);
        Assert.Contains("ServiceOfficer:Llm:Endpoint", ex.Message, StringComparison.Ordinal);
    }
}

using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Replies;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// A hand-written fake service officer for core tests: answers known questions, hands off on listed words,
/// and can hold its answer until a test releases it (to race a human takeover against the AI).
/// </summary>
public sealed class ScriptedOfficer : IServiceOfficerResponder
{
    public const string Question = "逆回购怎么买";
    public const string Answer = "您可以在 App 的国债逆回购专区下单。";

    /// <summary>A message the scripted officer fails on (a model that keeps erroring), for the worker's retry limit.</summary>
    public const string FailingQuestion = "这条消息让服务官出错";

    /// <summary>A request for a person that the scripted officer answers with the engine's own holding message.</summary>
    public const string OwnHoldingQuestion = "请专人联系我";

    /// <summary>A question whose scripted draft the guardrails block.</summary>
    public const string BlockedQuestion = "这个理财稳赚吗";

    private TaskCompletionSource? _gate;

    public int Calls { get; private set; }

    /// <summary>Every request the officer was given, in order (text and history), for tests of what the core reads.</summary>
    public List<OfficerRequest> Requests { get; } = [];

    /// <summary>The next decision waits until <see cref="Release"/>; returns a task that completes once the officer is waiting.</summary>
    public Task HoldNextAsync()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Entered.Task;
    }

    private TaskCompletionSource? Entered { get; set; }

    public void Release() => _gate?.TrySetResult();

    public async ValueTask<OfficerDecision> RespondAsync(OfficerRequest request, CancellationToken ct)
    {
        Calls++;
        Requests.Add(request);
        if (_gate is { } gate)
        {
            Entered?.TrySetResult();
            await gate.Task.WaitAsync(ct);
            _gate = null;
        }
        var text = request.Text;
        if (text.Contains(FailingQuestion, StringComparison.Ordinal)) throw new InvalidOperationException("scripted failure");
        if (text.Contains(OwnHoldingQuestion, StringComparison.Ordinal))
        {
            // The engine's own holding message, with the wait left for the core to fill in.
            var own = new HandoffPackage("客户：" + text, "HumanRequested", [text], new Dictionary<string, IReadOnlyList<string>>(), null);
            return new OfficerHandoff("scripted", HandoffReason.HumanRequested, HandoffComposer.HoldingMessage(HandoffReason.HumanRequested, "尊敬的客户"), own, ["scripted"]);
        }
        HandoffReason? reason = text.Contains("投诉", StringComparison.Ordinal) ? HandoffReason.Complaint
            : text.Contains("佣金", StringComparison.Ordinal) ? HandoffReason.CommissionRequest
            : text.Contains("该不该买", StringComparison.Ordinal) ? HandoffReason.AdviceRequest
            : text.Contains("人工", StringComparison.Ordinal) ? HandoffReason.HumanRequested
            : text.Contains("洗钱", StringComparison.Ordinal) ? HandoffReason.AmlRelated
            : null;
        if (reason is { } r)
        {
            var package = new HandoffPackage("客户：" + text, r.ToString(), [text], new Dictionary<string, IReadOnlyList<string>>(), "您好，我来为您处理。");
            return new OfficerHandoff("scripted", r, null, package, ["scripted"]);
        }
        if (text.Contains(BlockedQuestion, StringComparison.Ordinal))
        {
            // What the engine does when its own draft breaks a guardrail: a handoff naming the rule.
            var package = new HandoffPackage("客户：" + text, null, [text], new Dictionary<string, IReadOnlyList<string>>(), null);
            return new OfficerHandoff("scripted", HandoffReason.GuardrailBlocked, null, package, ["scripted: guardrail"])
            {
                GuardrailHits = [new GuardrailHit("return-promise.guarantee", GuardrailKind.ReturnPromise, 1, GuardrailBlockSource.Answer)],
            };
        }
        if (text.Contains(Question, StringComparison.Ordinal) || (text.StartsWith('那') && request.History.Count > 0))
        {
            return new OfficerAnswer("scripted", Answer, "KB-0073", 0.97, [], ["scripted"]);
        }
        return new OfficerClarification("scripted", "您是想问：1. 逆回购怎么买", ["KB-0073"], ["scripted"]);
    }
}

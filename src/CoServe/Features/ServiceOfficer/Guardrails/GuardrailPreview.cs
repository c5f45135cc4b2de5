using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Replies;
using CoServe.Features.ServiceOfficer.Text;
using CoServe.Platform.Auth;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>How one rule list does on the test corpus.</summary>
public sealed record GuardrailScore(int Violations, int Caught, int RightKind, int AllowedTexts, int FalseBlocks, int Answers, int AnswersBlocked)
{
    public double CatchRate => Violations == 0 ? 0 : (double)Caught / Violations;
    public double FalseBlockRate => AllowedTexts == 0 ? 0 : (double)FalseBlocks / AllowedTexts;
}

/// <summary>An approved knowledge-base answer that the draft blocks and the version in force lets through: it would stop being sent.</summary>
public sealed record NewlyBlockedAnswer(string EntryId, string Question, IReadOnlyList<string> RuleIds);

/// <summary>A test text whose outcome differs between the version in force and the draft.</summary>
public sealed record ChangedOutcome(string Text, string Expected, IReadOnlyList<string> InForceRules, IReadOnlyList<string> DraftRules);

/// <summary>Per rule of the draft: how often it fires on each part of the corpus.</summary>
public sealed record RuleFiring(string RuleId, int OnViolations, int OnAllowed, int OnAnswers);

public sealed record GuardrailPreviewResult(
    int InForceVersion,
    GuardrailScore InForce,
    GuardrailScore Draft,
    IReadOnlyList<NewlyBlockedAnswer> NewlyBlockedAnswers,
    IReadOnlyList<string> NoLongerBlockedAnswers,
    IReadOnlyList<ChangedOutcome> ChangedOutcomes,
    IReadOnlyList<RuleFiring> Firing,
    string Corpus);

/// <summary>One rule that fires on a tested text: where (in the normalised text) and on what.</summary>
public sealed record GuardrailTestHit(string RuleId, GuardrailKind Kind, int Start, int Length, string Evidence);

public sealed record GuardrailTestResult(string Normalized, IReadOnlyList<GuardrailTestHit> Hits);

/// <summary>
/// What a rule change would do before it is approved: the draft and the version in force are both run over the
/// approved knowledge-base answers (rendered as a client would get them) and the guardrail test corpus of the seed
/// folder (guardrail-violations.jsonl: drafts that must be caught, guardrail-allowed.jsonl: texts that must pass),
/// the same corpus `coserve eval` scores.
/// </summary>
public sealed class GuardrailPreview(CoServeDb db, GuardrailRulesInForce inForce, IOptions<ServiceOfficerOptions> options)
{
    public const int MaxTestText = 2000;

    private static readonly RenderDefaults PreviewClient = new("尊敬的客户", "测试营业部", "95xxx", "App 首页 > 风险测评");
    private static readonly OfficerClientContext NoClient = new("PREVIEW", null, null, null, null, false, false, false, new Dictionary<string, string>());

    public async Task<GuardrailPreviewResult> PreviewAsync(CurrentStaff staff, IReadOnlyList<GuardrailRuleData> draftRules, CancellationToken ct)
    {
        if (!GuardrailRuleEditor.CanRead(staff)) throw new UnauthorizedAccessException("only Compliance, the digital team and admins see the guardrail rules");
        GuardrailRuleValidation.Validate(draftRules);
        var current = await inForce.CurrentAsync(ct);
        var draft = GuardrailRuleData.Compile(draftRules, 0);
        var entries = await KnowledgeImport.ApprovedEntriesAsync(db, ct);
        var answers = entries.Select(e => (Entry: e, Text: AnswerRenderer.Render(e.Answer, NoClient, PreviewClient))).ToList();
        var dir = options.Value.SeedDirectory ?? ServiceOfficerSetup.DefaultSeedDirectory;
        var violationsFile = Path.Combine(dir, "guardrail-violations.jsonl");
        var allowedFile = Path.Combine(dir, "guardrail-allowed.jsonl");
        var violations = File.Exists(violationsFile) ? SeedFiles.ReadLabelled(violationsFile, "rule") : [];
        var allowed = File.Exists(allowedFile) ? SeedFiles.ReadTexts(allowedFile) : [];
        return Compare(current, draft, answers.Select(a => (a.Entry.Id, a.Entry.Question, a.Text)).ToList(), violations, allowed,
            $"{answers.Count} approved answers, {violations.Count} violating drafts, {allowed.Count} allowed texts ({dir})");
    }

    /// <summary>The comparison itself, on any corpus (unit-tested).</summary>
    public static GuardrailPreviewResult Compare(GuardrailRuleSet current, GuardrailRuleSet draft, IReadOnlyList<(string EntryId, string Question, string Text)> answers,
        IReadOnlyList<LabelledText> violations, IReadOnlyList<string> allowed, string corpus)
    {
        var firing = draft.Rules.ToDictionary(r => r.Id, _ => new int[3], StringComparer.Ordinal);
        void Count(GuardrailVerdict v, int part)
        {
            foreach (var x in v.Violations)
            {
                if (firing.TryGetValue(x.RuleId, out var c)) c[part]++;
            }
        }
        var changed = new List<ChangedOutcome>();
        int caughtA = 0, caughtD = 0, kindA = 0, kindD = 0;
        foreach (var v in violations)
        {
            var a = current.Check(v.Text);
            var d = draft.Check(v.Text);
            Count(d, 0);
            if (a.Blocked) caughtA++;
            if (d.Blocked) caughtD++;
            if (Enum.TryParse<GuardrailKind>(v.Label, out var kind))
            {
                if (a.Violations.Any(x => x.Kind == kind)) kindA++;
                if (d.Violations.Any(x => x.Kind == kind)) kindD++;
            }
            if (a.Blocked != d.Blocked) changed.Add(new(v.Text, "block", Ids(a), Ids(d)));
        }
        int falseA = 0, falseD = 0;
        foreach (var t in allowed)
        {
            var a = current.Check(t);
            var d = draft.Check(t);
            Count(d, 1);
            if (a.Blocked) falseA++;
            if (d.Blocked) falseD++;
            if (a.Blocked != d.Blocked) changed.Add(new(t, "pass", Ids(a), Ids(d)));
        }
        int blockedA = 0, blockedD = 0;
        var newly = new List<NewlyBlockedAnswer>();
        var released = new List<string>();
        foreach (var (id, question, text) in answers)
        {
            var a = current.Check(text);
            var d = draft.Check(text);
            Count(d, 2);
            if (a.Blocked) blockedA++;
            if (d.Blocked) blockedD++;
            if (d.Blocked && !a.Blocked) newly.Add(new(id, question, Ids(d)));
            if (a.Blocked && !d.Blocked) released.Add(id);
        }
        return new GuardrailPreviewResult(current.Version,
            new GuardrailScore(violations.Count, caughtA, kindA, allowed.Count + answers.Count, falseA + blockedA, answers.Count, blockedA),
            new GuardrailScore(violations.Count, caughtD, kindD, allowed.Count + answers.Count, falseD + blockedD, answers.Count, blockedD),
            newly, released, changed,
            [.. draft.Rules.Select(r => new RuleFiring(r.Id, firing[r.Id][0], firing[r.Id][1], firing[r.Id][2]))],
            corpus);
    }

    /// <summary>Which rules of a list fire on a text, and on which span of the normalised text.</summary>
    public static GuardrailTestResult Test(IReadOnlyList<GuardrailRuleData> rules, string text)
    {
        text = (text ?? "").Trim();
        if (text.Length == 0) throw new ArgumentException("text: type a text to test");
        if (text.Length > MaxTestText) throw new ArgumentException($"text: at most {MaxTestText} characters");
        GuardrailRuleValidation.Validate(rules);
        var set = GuardrailRuleData.Compile(rules, 0);
        var verdict = set.Check(text);
        return new GuardrailTestResult(TextNormalizer.Normalize(text),
            [.. verdict.Violations.Select(v => new GuardrailTestHit(v.RuleId, v.Kind, v.Start, v.Evidence.Length, v.Evidence))]);
    }

    private static string[] Ids(GuardrailVerdict v) => [.. v.Violations.Select(x => x.RuleId)];
}

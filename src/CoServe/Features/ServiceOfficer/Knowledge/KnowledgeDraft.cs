using System.Globalization;
using System.Text;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Replies;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>One problem with a draft: the field it is in and what is wrong, in words an editor can act on.</summary>
public sealed record DraftProblem(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>A draft that does not pass validation; <see cref="Problems"/> names every field.</summary>
public sealed class KnowledgeDraftException(IReadOnlyList<DraftProblem> problems)
    : ArgumentException(string.Join("; ", problems))
{
    public IReadOnlyList<DraftProblem> Problems { get; } = problems;
}

/// <summary>What an editor fills in for one version of a knowledge entry.</summary>
public sealed record KnowledgeDraft(
    string Category,
    string Question,
    IReadOnlyList<string> Paraphrases,
    string Answer,
    ProductRiskLevel? ProductRiskLevel,
    IReadOnlyList<string> Tags,
    DateOnly? EffectiveFrom,
    DateOnly? EffectiveTo)
{
    public const int MaxCategory = 40;
    public const int MaxText = 200;
    public const int MaxParaphrases = 60;
    public const int MaxAnswer = 2000;
    public const int MaxTags = 10;
    public const int MaxTag = 20;
    public const int MaxNote = 500;

    /// <summary>The variables an answer may use (Replies/AnswerRenderer).</summary>
    public static readonly IReadOnlyList<string> Variables =
        [AnswerRenderer.Salutation, AnswerRenderer.BranchName, AnswerRenderer.BranchHotline, AnswerRenderer.RiskAssessmentLink];

    private static readonly GuardrailRuleSet DefaultGuardrails = GuardrailRuleSet.Default();

    /// <summary>Trimmed, empty paraphrases and tags dropped, tags lower-cased and de-duplicated.</summary>
    public KnowledgeDraft Normalized() => this with
    {
        Category = (Category ?? "").Trim(),
        Question = (Question ?? "").Trim(),
        Paraphrases = [.. (Paraphrases ?? []).Select(p => (p ?? "").Trim()).Where(p => p.Length > 0)],
        Answer = (Answer ?? "").Trim(),
        Tags = [.. (Tags ?? []).Select(t => (t ?? "").Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)],
    };

    /// <summary>Every problem with this draft; empty when it may be saved.</summary>
    /// <param name="minParaphrases">KnowledgeBase:MinParaphrases.</param>
    /// <param name="guardrails">The rules in force (the stored approved list); the code defaults when not given.</param>
    public IReadOnlyList<DraftProblem> Problems(int minParaphrases, GuardrailRuleSet? guardrails = null) => Check(minParaphrases, guardrails ?? DefaultGuardrails).Problems;

    /// <summary>The problems, and the guardrail violations of the answer among them (for the block log).</summary>
    public (IReadOnlyList<DraftProblem> Problems, IReadOnlyList<GuardrailViolation> Violations) Check(int minParaphrases, GuardrailRuleSet guardrails)
    {
        var violations = new List<GuardrailViolation>();
        var d = Normalized();
        var p = new List<DraftProblem>();
        if (d.Category.Length == 0) p.Add(new("category", "must not be empty"));
        else if (d.Category.Length > MaxCategory) p.Add(new("category", $"at most {MaxCategory} characters"));
        if (d.Question.Length == 0) p.Add(new("question", "the standard question must not be empty"));
        else if (d.Question.Length > MaxText) p.Add(new("question", $"at most {MaxText} characters"));
        if (d.Paraphrases.Count < minParaphrases) p.Add(new("paraphrases", $"at least {minParaphrases} paraphrases (one per line), {d.Paraphrases.Count} given"));
        if (d.Paraphrases.Count > MaxParaphrases) p.Add(new("paraphrases", $"at most {MaxParaphrases} paraphrases"));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        if (d.Question.Length > 0) seen[Key(d.Question)] = "the standard question";
        for (var i = 0; i < d.Paraphrases.Count; i++)
        {
            var text = d.Paraphrases[i];
            var where = $"paraphrases[{i + 1}]";
            if (text.Length > MaxText) p.Add(new(where, $"at most {MaxText} characters"));
            if (text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal)) p.Add(new(where, "one paraphrase per line"));
            var key = Key(text);
            if (!seen.TryAdd(key, $"paraphrase {i + 1}")) p.Add(new(where, $"'{text}' duplicates {seen[key]}"));
        }
        if (d.Answer.Length == 0) p.Add(new("answer", "must not be empty"));
        else if (d.Answer.Length > MaxAnswer) p.Add(new("answer", $"at most {MaxAnswer} characters"));
        foreach (var problem in VariableProblems(d.Answer)) p.Add(new("answer", problem));
        if (d.Answer.Length > 0)
        {
            foreach (var v in guardrails.Check(d.Answer).Violations)
            {
                violations.Add(v);
                p.Add(new("answer", $"breaks guardrail {v.Kind} (rule {v.RuleId}) at '{v.Evidence}'"));
            }
            if (d.ProductRiskLevel is not null && !GuardrailRuleSet.HasRiskReminder(d.Answer))
            {
                p.Add(new("answer", "an answer about a product (it has a risk level) needs a risk reminder, e.g. 投资有风险"));
            }
        }
        if (d.ProductRiskLevel is { } level && !Enum.IsDefined(level)) p.Add(new("productRiskLevel", "must be R1..R5 or empty"));
        if (d.Tags.Count > MaxTags) p.Add(new("tags", $"at most {MaxTags} tags"));
        foreach (var t in d.Tags.Where(t => t.Length > MaxTag || t.Contains(',', StringComparison.Ordinal))) p.Add(new("tags", $"'{t}': at most {MaxTag} characters and no comma"));
        if (d.EffectiveFrom is { } from && d.EffectiveTo is { } to && to < from)
        {
            p.Add(new("effectiveTo", string.Create(CultureInfo.InvariantCulture, $"the effective period is inverted: ends {to:yyyy-MM-dd} before it starts {from:yyyy-MM-dd}")));
        }
        return (p, violations);
    }

    public void Validate(int minParaphrases, GuardrailRuleSet? guardrails = null)
    {
        var problems = Problems(minParaphrases, guardrails);
        if (problems.Count > 0) throw new KnowledgeDraftException(problems);
    }

    /// <summary>Unknown or malformed {variables}: an answer shows the client exactly what compliance approved.</summary>
    public static IEnumerable<string> VariableProblems(string answer)
    {
        var i = 0;
        while (i < answer.Length)
        {
            var open = answer.IndexOfAny(['{', '}'], i);
            if (open < 0) yield break;
            if (answer[open] == '}')
            {
                yield return $"'}}' without '{{' at character {open + 1}";
                i = open + 1;
                continue;
            }
            var close = answer.IndexOfAny(['{', '}'], open + 1);
            if (close < 0 || answer[close] == '{')
            {
                yield return $"'{{' without '}}' at character {open + 1}";
                i = open + 1;
                continue;
            }
            var name = answer[(open + 1)..close];
            if (!Variables.Contains(name, StringComparer.Ordinal))
            {
                yield return $"unknown variable {{{name}}}; use one of {string.Join(", ", Variables.Select(v => "{" + v + "}"))}";
            }
            i = close + 1;
        }
    }

    /// <summary>Wordings that differ only in width, case, spaces or punctuation count as the same.</summary>
    private static string Key(string text)
    {
        var n = TextNormalizer.Normalize(text);
        var sb = new StringBuilder(n.Length);
        foreach (var c in n)
        {
            if (!char.IsWhiteSpace(c) && !char.IsPunctuation(c) && !char.IsSymbol(c)) sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>The same content (after normalisation) as <paramref name="other"/>: re-imports and no-op saves change nothing.</summary>
    public bool SameAs(KnowledgeDraft other) => KnowledgeDiff.Compare(other, this).Count == 0;
}

/// <summary>One changed field between two versions, for the review screen and the audit trail.</summary>
public sealed record FieldChange(string Field, string? Before, string? After, IReadOnlyList<string> Added, IReadOnlyList<string> Removed);

public static class KnowledgeDiff
{
    /// <summary>Field-by-field changes from <paramref name="before"/> (null: a new entry) to <paramref name="after"/>.</summary>
    public static IReadOnlyList<FieldChange> Compare(KnowledgeDraft? before, KnowledgeDraft after)
    {
        var a = after.Normalized();
        var b = before?.Normalized();
        var changes = new List<FieldChange>();
        void Text(string field, string? x, string? y)
        {
            if (!string.Equals(x ?? "", y ?? "", StringComparison.Ordinal)) changes.Add(new(field, x, y, [], []));
        }
        void List(string field, IReadOnlyList<string>? x, IReadOnlyList<string> y)
        {
            var added = y.Where(s => x is null || !x.Contains(s, StringComparer.Ordinal)).ToList();
            var removed = x?.Where(s => !y.Contains(s, StringComparer.Ordinal)).ToList() ?? [];
            if (added.Count > 0 || removed.Count > 0 || (x is not null && !x.SequenceEqual(y, StringComparer.Ordinal)))
            {
                changes.Add(new(field, x is null ? null : string.Join(" | ", x), string.Join(" | ", y), added, removed));
            }
        }
        Text("category", b?.Category, a.Category);
        Text("question", b?.Question, a.Question);
        List("paraphrases", b?.Paraphrases, a.Paraphrases);
        Text("answer", b?.Answer, a.Answer);
        Text("productRiskLevel", b?.ProductRiskLevel?.ToString(), a.ProductRiskLevel?.ToString());
        List("tags", b?.Tags, a.Tags);
        Text("effectiveFrom", Date(b?.EffectiveFrom), Date(a.EffectiveFrom));
        Text("effectiveTo", Date(b?.EffectiveTo), Date(a.EffectiveTo));
        return changes;
    }

    /// <summary>One line per change for the audit trail ("question: 'a' -> 'b'; paraphrases +2 -1").</summary>
    public static string Describe(IReadOnlyList<FieldChange> changes)
    {
        if (changes.Count == 0) return "no change";
        return string.Join("; ", changes.Select(c => c.Field is "paraphrases" or "tags"
            ? $"{c.Field} +{c.Added.Count} -{c.Removed.Count}" + (c.Added.Count > 0 ? $" (added: {string.Join(" | ", c.Added)})" : "") + (c.Removed.Count > 0 ? $" (removed: {string.Join(" | ", c.Removed)})" : "")
            : $"{c.Field}: '{Short(c.Before)}' -> '{Short(c.After)}'"));
    }

    private static string Short(string? s) => s is null ? "" : s.Length <= 80 ? s : s[..79] + "…";

    private static string? Date(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

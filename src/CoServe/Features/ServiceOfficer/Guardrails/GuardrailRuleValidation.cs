using System.Text.RegularExpressions;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>One rule as Compliance edits and stores it: the engine's <see cref="GuardrailRule"/> plus whether it is on.</summary>
public sealed record GuardrailRuleData(
    string Id,
    GuardrailKind Kind,
    string Pattern,
    string? NegatedBy = null,
    string? RequiredElsewhere = null,
    string? Description = null,
    bool Enabled = true)
{
    public static GuardrailRuleData From(GuardrailRule r) => new(r.Id, r.Kind, r.Pattern, r.NegatedBy, r.RequiredElsewhere, r.Description);

    public GuardrailRule ToRule() => new(Id, Kind, Pattern, NegatedBy, RequiredElsewhere, Description);

    /// <summary>Trimmed; empty optional fields become null.</summary>
    public GuardrailRuleData Normalized() => this with
    {
        Id = (Id ?? "").Trim(),
        Pattern = (Pattern ?? "").Trim(),
        NegatedBy = Optional(NegatedBy),
        RequiredElsewhere = Optional(RequiredElsewhere),
        Description = Optional(Description),
    };

    private static string? Optional(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The rules of a list that are switched on, compiled for the engine.</summary>
    public static GuardrailRuleSet Compile(IEnumerable<GuardrailRuleData> rules, int version) =>
        new(rules.Where(r => r.Enabled).Select(r => r.ToRule()), version);
}

/// <summary>One problem with a rule list: which rule (its id, or its position when the id itself is bad), which field, what is wrong.</summary>
public sealed record GuardrailRuleProblem(string Rule, string Field, string Reason)
{
    public override string ToString() => $"rule {Rule} {Field}: {Reason}";
}

/// <summary>A rule list that does not pass validation; nothing of it was stored.</summary>
public sealed class GuardrailRulesException(IReadOnlyList<GuardrailRuleProblem> problems)
    : ArgumentException(string.Join("; ", problems))
{
    public IReadOnlyList<GuardrailRuleProblem> Problems { get; } = problems;
}

/// <summary>
/// What a rule list must satisfy before it is stored: ids unique and well-formed, lengths bounded, a kind the text
/// check applies to, and patterns that compile the way the engine compiles them, do not match the empty text (that
/// rule would block every message), and finish on adversarial inputs within the engine's match timeout.
/// </summary>
public static partial class GuardrailRuleValidation
{
    public const int MaxRules = 200;
    public const int MaxId = 64;
    public const int MaxPattern = 8000;
    public const int MaxNegatedBy = 2000;
    public const int MaxDescription = 200;

    /// <summary>
    /// Probes run interpreted (no JIT cost in the measurement) on short runs: exponential backtracking needs only a few
    /// dozen characters to take forever, while any sane pattern finishes them in microseconds, so the verdict does not
    /// depend on how busy the machine is. Polynomial slowness on long texts is what <see cref="GuardrailRuleSet.MatchTimeout"/> bounds.
    /// </summary>
    private const RegexOptions ProbeOptions = RegexOptions.CultureInvariant;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private const int ProbeLength = 64;

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*$")]
    private static partial Regex IdPattern();

    public static IReadOnlyList<GuardrailRuleProblem> Problems(IReadOnlyList<GuardrailRuleData> rules)
    {
        var p = new List<GuardrailRuleProblem>();
        if (rules.Count > MaxRules) p.Add(new("list", "rules", $"at most {MaxRules} rules, {rules.Count} given"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i].Normalized();
            var name = r.Id.Length > 0 && r.Id.Length <= MaxId ? r.Id : $"#{i + 1}";
            if (r.Id.Length == 0) p.Add(new(name, "id", "must not be empty"));
            else if (r.Id.Length > MaxId) p.Add(new(name, "id", $"at most {MaxId} characters"));
            else if (!IdPattern().IsMatch(r.Id)) p.Add(new(name, "id", "lower-case letters, digits and '-', in dot-separated parts starting with a letter (e.g. return-promise.guarantee)"));
            else if (!seen.Add(r.Id)) p.Add(new(name, "id", "another rule has the same id"));
            if (!Enum.IsDefined(r.Kind)) p.Add(new(name, "kind", $"'{(int)r.Kind}' is not a guardrail kind"));
            else if (r.Kind == GuardrailKind.Suitability) p.Add(new(name, "kind", "Suitability is checked against the client's risk level, not by a text pattern"));
            if (r.Description is { Length: > MaxDescription }) p.Add(new(name, "description", $"at most {MaxDescription} characters"));
            PatternProblems(p, name, "pattern", r.Pattern, MaxPattern, required: true, x => GuardrailRuleSet.PatternRegex(x, ProbeOptions, ProbeTimeout));
            PatternProblems(p, name, "negatedBy", r.NegatedBy, MaxNegatedBy, required: false, x => GuardrailRuleSet.NegationRegex(x, ProbeOptions, ProbeTimeout));
            PatternProblems(p, name, "requiredElsewhere", r.RequiredElsewhere, MaxPattern, required: false, x => GuardrailRuleSet.PatternRegex(x, ProbeOptions, ProbeTimeout));
        }
        return p;
    }

    public static void Validate(IReadOnlyList<GuardrailRuleData> rules)
    {
        var problems = Problems(rules);
        if (problems.Count > 0) throw new GuardrailRulesException(problems);
    }

    private static void PatternProblems(List<GuardrailRuleProblem> p, string rule, string field, string? pattern, int max, bool required, Func<string, Regex> compile)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            if (required) p.Add(new(rule, field, "must not be empty"));
            return;
        }
        if (pattern.Length > max)
        {
            p.Add(new(rule, field, $"at most {max} characters"));
            return;
        }
        Regex regex;
        try
        {
            regex = compile(pattern);
        }
        catch (ArgumentException e)
        {
            p.Add(new(rule, field, "not a valid regular expression: " + e.Message));
            return;
        }
        try
        {
            if (field != "negatedBy" && regex.IsMatch("")) p.Add(new(rule, field, "matches the empty text, so it would fire on every message"));
            foreach (var probe in Probes(pattern))
            {
                regex.IsMatch(probe);
            }
        }
        catch (RegexMatchTimeoutException)
        {
            p.Add(new(rule, field, $"takes longer than {ProbeTimeout.TotalSeconds:0} s on a short repetitive text (catastrophic backtracking, e.g. nested quantifiers like (a+)+); simplify it"));
        }
    }

    /// <summary>
    /// Inputs that make a backtracking pattern blow up: long runs of each character the pattern names (and of a digit,
    /// a letter and a CJK character), ending in something no pattern expects, so every way of splitting the run is tried.
    /// </summary>
    private static IEnumerable<string> Probes(string pattern)
    {
        var chars = pattern.Where(char.IsLetterOrDigit).Concat("0a中保 ").Distinct().Take(48);
        foreach (var c in chars)
        {
            yield return new string(c, ProbeLength) + "\u0001";
        }
    }
}

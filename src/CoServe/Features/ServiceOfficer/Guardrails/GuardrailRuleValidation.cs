using CoServe.Features.ServiceOfficer.RuleLists;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>One rule as Compliance edits and stores it: the engine's <see cref="GuardrailRule"/> plus whether it is on.</summary>
public sealed record GuardrailRuleData(
    string Id,
    GuardrailKind Kind,
    string Pattern,
    string? NegatedBy = null,
    string? RequiredElsewhere = null,
    string? Description = null,
    bool Enabled = true) : IListedRule<GuardrailRuleData>
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

    public IReadOnlyList<string> ChangedFields(GuardrailRuleData after)
    {
        var f = new List<string>();
        if (Id != after.Id) f.Add("id");
        if (Kind != after.Kind) f.Add("kind");
        if (Pattern != after.Pattern) f.Add("pattern");
        if (NegatedBy != after.NegatedBy) f.Add("negatedBy");
        if (RequiredElsewhere != after.RequiredElsewhere) f.Add("requiredElsewhere");
        if (Description != after.Description) f.Add("description");
        if (Enabled != after.Enabled) f.Add(after.Enabled ? "enabled" : "disabled");
        return f;
    }

    /// <summary>The rules of a list that are switched on, compiled for the engine.</summary>
    public static GuardrailRuleSet Compile(IEnumerable<GuardrailRuleData> rules, int version) =>
        new(rules.Where(r => r.Enabled).Select(r => r.ToRule()), version);
}

/// <summary>
/// What a rule list must satisfy before it is stored: ids unique and well-formed, lengths bounded, a kind the text
/// check applies to, and patterns that compile the way the engine compiles them, do not match the empty text (that
/// rule would block every message), and finish on adversarial inputs within the engine's match timeout.
/// </summary>
public static class GuardrailRuleValidation
{
    public const int MaxRules = 200;
    public const int MaxId = RulePatterns.MaxId;
    public const int MaxPattern = 8000;
    public const int MaxNegatedBy = 2000;
    public const int MaxDescription = 200;

    public static IReadOnlyList<RuleProblem> Problems(IReadOnlyList<GuardrailRuleData> rules)
    {
        var p = new List<RuleProblem>();
        if (rules.Count > MaxRules) p.Add(new("list", "rules", $"at most {MaxRules} rules, {rules.Count} given"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i].Normalized();
            var name = RulePatterns.IdProblems(p, r.Id, i, seen, "return-promise.guarantee");
            if (!Enum.IsDefined(r.Kind)) p.Add(new(name, "kind", $"'{(int)r.Kind}' is not a guardrail kind"));
            else if (r.Kind == GuardrailKind.Suitability) p.Add(new(name, "kind", "Suitability is checked against the client's risk level, not by a text pattern"));
            if (r.Description is { Length: > MaxDescription }) p.Add(new(name, "description", $"at most {MaxDescription} characters"));
            RulePatterns.PatternProblems(p, name, "pattern", r.Pattern, MaxPattern, required: true, mayMatchEmpty: false, x => GuardrailRuleSet.PatternRegex(x, RulePatterns.ProbeOptions, RulePatterns.ProbeTimeout));
            RulePatterns.PatternProblems(p, name, "negatedBy", r.NegatedBy, MaxNegatedBy, required: false, mayMatchEmpty: true, x => GuardrailRuleSet.NegationRegex(x, RulePatterns.ProbeOptions, RulePatterns.ProbeTimeout));
            RulePatterns.PatternProblems(p, name, "requiredElsewhere", r.RequiredElsewhere, MaxPattern, required: false, mayMatchEmpty: false, x => GuardrailRuleSet.PatternRegex(x, RulePatterns.ProbeOptions, RulePatterns.ProbeTimeout));
        }
        return p;
    }

    public static void Validate(IReadOnlyList<GuardrailRuleData> rules)
    {
        var problems = Problems(rules);
        if (problems.Count > 0) throw new RuleListException(problems);
    }
}

using CoServe.Data;
using CoServe.Features.Notifications;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Features.ServiceOfficer.Text;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Intents;

/// <summary>One intent rule as Compliance edits and stores it: the engine's <see cref="IntentRule"/> plus a description and whether it is on.</summary>
public sealed record IntentRuleData(
    string Id,
    ClientIntent Intent,
    IReadOnlyList<string> Keywords,
    string? Pattern = null,
    string? Unless = null,
    bool Negatable = false,
    string? Description = null,
    bool Enabled = true) : IListedRule<IntentRuleData>
{
    public static IntentRuleData From(IntentRule r) => new(r.Id, r.Intent, r.Keywords, r.Pattern, r.Unless, r.Negatable);

    public IntentRule ToRule() => new(Id, Intent, Keywords, Pattern, Unless, Negatable);

    /// <summary>Trimmed; empty keywords dropped; empty optional fields become null.</summary>
    public IntentRuleData Normalized() => this with
    {
        Id = (Id ?? "").Trim(),
        Keywords = [.. (Keywords ?? []).Select(k => (k ?? "").Trim()).Where(k => k.Length > 0)],
        Pattern = Optional(Pattern),
        Unless = Optional(Unless),
        Description = Optional(Description),
    };

    private static string? Optional(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public IReadOnlyList<string> ChangedFields(IntentRuleData after)
    {
        var f = new List<string>();
        if (Id != after.Id) f.Add("id");
        if (Intent != after.Intent) f.Add("intent");
        var added = after.Keywords.Except(Keywords, StringComparer.Ordinal).ToList();
        var removed = Keywords.Except(after.Keywords, StringComparer.Ordinal).ToList();
        if (added.Count > 0) f.Add("keywords +" + string.Join(" +", added));
        if (removed.Count > 0) f.Add("keywords -" + string.Join(" -", removed));
        if (added.Count == 0 && removed.Count == 0 && !Keywords.SequenceEqual(after.Keywords, StringComparer.Ordinal)) f.Add("keywords order");
        if (Pattern != after.Pattern) f.Add("pattern");
        if (Unless != after.Unless) f.Add("unless");
        if (Negatable != after.Negatable) f.Add("negatable");
        if (Description != after.Description) f.Add("description");
        if (Enabled != after.Enabled) f.Add(after.Enabled ? "enabled" : "disabled");
        return f;
    }

    /// <summary>Value equality, keywords included (a record compares lists by reference).</summary>
    public bool Equals(IntentRuleData? other) =>
        other is not null && Id == other.Id && Intent == other.Intent && Keywords.SequenceEqual(other.Keywords, StringComparer.Ordinal)
        && Pattern == other.Pattern && Unless == other.Unless && Negatable == other.Negatable && Description == other.Description && Enabled == other.Enabled;

    public override int GetHashCode() => HashCode.Combine(Id, Intent, Keywords.Count, Pattern, Unless, Negatable, Enabled);

    /// <summary>The rules of a list that are switched on, compiled for the engine.</summary>
    public static IntentRuleSet Compile(IEnumerable<IntentRuleData> rules, int version) =>
        new(rules.Where(r => r.Enabled).Select(r => r.ToRule()), version);
}

/// <summary>
/// What an intent rule list must satisfy before it is stored: ids unique and well-formed, an intent that hands off or
/// is small talk / out of scope (Faq is what a message is when no rule fires), keywords or a pattern, keywords as the
/// engine sees text (normalised: a keyword with upper-case or full-width letters would never match), and patterns
/// that compile the way the engine compiles them, do not match the empty text and finish on adversarial inputs.
/// </summary>
public static class IntentRuleValidation
{
    public const int MaxRules = 300;
    public const int MaxKeywords = 500;
    public const int MaxKeyword = 50;
    public const int MaxPattern = 8000;
    public const int MaxDescription = 200;

    public static IReadOnlyList<RuleProblem> Problems(IReadOnlyList<IntentRuleData> rules)
    {
        var p = new List<RuleProblem>();
        if (rules.Count > MaxRules) p.Add(new("list", "rules", $"at most {MaxRules} rules, {rules.Count} given"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i].Normalized();
            var name = RulePatterns.IdProblems(p, r.Id, i, seen, "complaint.hotline");
            if (!Enum.IsDefined(r.Intent)) p.Add(new(name, "intent", $"'{(int)r.Intent}' is not an intent"));
            else if (r.Intent == ClientIntent.Faq) p.Add(new(name, "intent", "Faq is what a message is when no rule fires; a rule names an intent to hand off (or SmallTalk, OutOfScope)"));
            if (r.Keywords.Count == 0 && r.Pattern is null) p.Add(new(name, "keywords", "give keywords or a pattern (the rule would never fire)"));
            if (r.Keywords.Count > MaxKeywords) p.Add(new(name, "keywords", $"at most {MaxKeywords} keywords, {r.Keywords.Count} given"));
            var words = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in r.Keywords)
            {
                if (k.Length > MaxKeyword)
                {
                    p.Add(new(name, "keywords", $"'{k[..10]}…': at most {MaxKeyword} characters"));
                }
                else if (!words.Add(k))
                {
                    p.Add(new(name, "keywords", $"'{k}' is listed twice"));
                }
                else if (TextNormalizer.Normalize(k) is var n && n != k)
                {
                    p.Add(new(name, "keywords", $"'{k}' never matches: messages are normalised before the rules run (write '{n}')"));
                }
            }
            if (r.Description is { Length: > MaxDescription }) p.Add(new(name, "description", $"at most {MaxDescription} characters"));
            RulePatterns.PatternProblems(p, name, "pattern", r.Pattern, MaxPattern, required: false, mayMatchEmpty: false, x => IntentRuleSet.PatternRegex(x, RulePatterns.ProbeOptions, RulePatterns.ProbeTimeout));
            RulePatterns.PatternProblems(p, name, "unless", r.Unless, MaxPattern, required: false, mayMatchEmpty: false, x => IntentRuleSet.PatternRegex(x, RulePatterns.ProbeOptions, RulePatterns.ProbeTimeout));
        }
        return p;
    }

    public static void Validate(IReadOnlyList<IntentRuleData> rules)
    {
        var problems = Problems(rules);
        if (problems.Count > 0) throw new RuleListException(problems);
    }
}

/// <summary>
/// The intent rules a build ships for a seed folder: <see cref="IntentRuleSet.DefaultRules"/>, with the names of
/// <c>advice.named-security</c> read from that folder's security-names.txt (ServiceOfficer:SeedDirectory, the CLI's
/// --seed-dir), not from the folder beside the app.
/// </summary>
public static class ShippedIntentRules
{
    public const string NamedSecurityRuleId = "advice.named-security";

    /// <summary>Throws naming the file (and line) when the folder's security-names.txt is missing or malformed.</summary>
    public static IReadOnlyList<IntentRule> For(string seedDirectory)
    {
        var names = SecurityNames.FromSeedDirectory(seedDirectory);
        var rules = IntentRuleSet.DefaultRules.ToList();
        var at = rules.FindIndex(r => r.Id == NamedSecurityRuleId);
        var rule = at >= 0
            ? rules[at] with { Keywords = names }
            : new IntentRule(NamedSecurityRuleId, ClientIntent.AdviceRequest, names, Pattern: IntentRuleSet.NamedSecurityPattern, Unless: IntentRuleSet.NamedSecurityUnless);
        if (at >= 0) rules[at] = rule;
        else rules.Add(rule);
        return rules;
    }

    /// <summary>The compiled rule set of <see cref="For"/> (the CLI's engine when no store is used).</summary>
    public static IntentRuleSet RuleSet(string seedDirectory) => new(For(seedDirectory));
}

/// <summary>
/// The approved intent rule list (the engine's snapshot, the editor and the preview share it); version 1 is
/// <see cref="IntentRuleSet.DefaultRules"/> with the security names of the configured seed folder.
/// </summary>
public sealed class IntentRulesInForce(IServiceScopeFactory scopes, TimeProvider clock, IOptions<ServiceOfficerOptions> options)
    : RulesInForce<IntentRuleData, IntentRuleSet>(scopes, clock)
{
    private readonly Lazy<IReadOnlyList<IntentRuleData>> _shipped = new(() =>
        [.. ShippedIntentRules.For(options.Value.SeedDirectory ?? ServiceOfficerSetup.DefaultSeedDirectory).Select(IntentRuleData.From)]);

    public override RuleListKind Kind => RuleListKind.Intent;

    /// <remarks>Read on first use (seeding, the release check at start), so a missing or malformed names file is reported then, naming the file.</remarks>
    protected override IReadOnlyList<IntentRuleData> DefaultRules => _shipped.Value;

    protected override string NoticeName => "意图与风险规则";

    public override string PagePath => "/intents";

    public override IntentRuleSet Compile(IReadOnlyList<IntentRuleData> rules, int version) => IntentRuleData.Compile(rules, version);
}

/// <summary>The intent rule lists' use cases (the shared workflow of <see cref="RuleListEditor{TRule, TCompiled}"/>).</summary>
public sealed class IntentRuleEditor(CoServeDb db, TimeProvider clock, IntentRulesInForce inForce, KnowledgeReloader reloader, Notifier notifier)
    : RuleListEditor<IntentRuleData, IntentRuleSet>(db, clock, inForce, reloader, notifier)
{
    protected override string What => "intent rules";

    protected override void Validate(IReadOnlyList<IntentRuleData> rules) => IntentRuleValidation.Validate(rules);
}

using System.Text.RegularExpressions;

namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>One problem with a rule list: which rule (its id, or its position when the id itself is bad), which field, what is wrong.</summary>
public sealed record RuleProblem(string Rule, string Field, string Reason)
{
    public override string ToString() => $"rule {Rule} {Field}: {Reason}";
}

/// <summary>A rule list that does not pass validation; nothing of it was stored.</summary>
public sealed class RuleListException(IReadOnlyList<RuleProblem> problems)
    : ArgumentException(string.Join("; ", problems))
{
    public IReadOnlyList<RuleProblem> Problems { get; } = problems;
}

/// <summary>
/// The checks every kind of rule list shares: well-formed unique ids, and regular expressions that compile the way
/// the engine compiles them, do not match the empty text (that rule would fire on every message) and finish on
/// adversarial inputs.
/// </summary>
public static partial class RulePatterns
{
    public const int MaxId = 64;

    /// <summary>
    /// Probes run interpreted (no JIT cost in the measurement) on short runs: exponential backtracking needs only a few
    /// dozen characters to take forever, while any sane pattern finishes them in microseconds, so the verdict does not
    /// depend on how busy the machine is. Polynomial slowness on long texts is what the engines' match timeouts bound.
    /// </summary>
    public const RegexOptions ProbeOptions = RegexOptions.CultureInvariant;

    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private const int ProbeLength = 64;

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*$")]
    private static partial Regex IdPattern();

    /// <summary>Checks a rule's id (empty, too long, malformed, duplicate) and returns the name to report its other problems under.</summary>
    public static string IdProblems(List<RuleProblem> p, string id, int position, HashSet<string> seen, string example)
    {
        var name = id.Length > 0 && id.Length <= MaxId ? id : $"#{position + 1}";
        if (id.Length == 0) p.Add(new(name, "id", "must not be empty"));
        else if (id.Length > MaxId) p.Add(new(name, "id", $"at most {MaxId} characters"));
        else if (!IdPattern().IsMatch(id)) p.Add(new(name, "id", $"lower-case letters, digits and '-', in dot-separated parts starting with a letter (e.g. {example})"));
        else if (!seen.Add(id)) p.Add(new(name, "id", "another rule has the same id"));
        return name;
    }

    /// <summary>Problems of one pattern field; <paramref name="mayMatchEmpty"/> for fields that only veto or qualify a hit.</summary>
    public static void PatternProblems(List<RuleProblem> p, string rule, string field, string? pattern, int max, bool required, bool mayMatchEmpty, Func<string, Regex> compile)
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
        if (!mayMatchEmpty && FinishesInTime(regex, "") is true) p.Add(new(rule, field, "matches the empty text, so it would fire on every message"));
        if (Probes(pattern).Any(probe => FinishesInTime(regex, probe) is null))
        {
            p.Add(new(rule, field, $"takes longer than {ProbeTimeout.TotalSeconds:0} s on a short repetitive text (catastrophic backtracking, e.g. nested quantifiers like (a+)+); simplify it"));
        }
    }

    /// <summary>
    /// Whether the pattern matches <paramref name="text"/>, or null when it timed out twice in a row: catastrophic
    /// backtracking times out every time, while a thread preempted on a very busy machine for longer than the timeout
    /// does not twice, so a sane pattern is not refused because of the machine.
    /// </summary>
    private static bool? FinishesInTime(Regex regex, string text)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                return regex.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
            }
        }
        return null;
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

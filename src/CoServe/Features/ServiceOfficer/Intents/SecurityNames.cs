using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Intents;

/// <summary>
/// Names of listed companies, funds and sectors (Seed/security-names.txt) that clients name when they ask for advice.
/// They are the keywords of the shipped rule <c>advice.named-security</c>, so they are stored, versioned and edited
/// with the rest of the intent rule list; the file only gives version 1 its words.
/// </summary>
public static class SecurityNames
{
    public const string FileName = "security-names.txt";

    /// <summary>One name per line, '#' comments; each name normalised the way messages are, duplicates dropped.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (n, raw) in SeedFiles.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var name = TextNormalizer.Normalize(line);
            if (name.Length is 0 or > IntentRuleValidation.MaxKeyword) throw new SeedFormatException($"{path}:{n}: a name of 1 to {IntentRuleValidation.MaxKeyword} characters");
            if (seen.Add(name)) names.Add(name);
        }
        if (names.Count > IntentRuleValidation.MaxKeywords) throw new SeedFormatException($"{path}: at most {IntentRuleValidation.MaxKeywords} names (the keywords of one rule), {names.Count} given");
        return names;
    }

    /// <summary>The shipped names (empty when the seed folder has no file, so the rule is left out rather than failing start-up).</summary>
    public static IReadOnlyList<string> Shipped()
    {
        var path = Path.Combine(ServiceOfficerSetup.DefaultSeedDirectory, FileName);
        return File.Exists(path) ? Read(path) : [];
    }
}

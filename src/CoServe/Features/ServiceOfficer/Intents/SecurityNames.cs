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
            // A tab or a comma means two names (or a name and a code) on one line: the rule would look for the whole line.
            if (line.AsSpan().IndexOfAny('\t', ',', '，') >= 0) throw new SeedFormatException($"{path}:{n}: one name per line (no tabs or commas)");
            var name = TextNormalizer.Normalize(line);
            if (name.Length is 0 or > IntentRuleValidation.MaxKeyword) throw new SeedFormatException($"{path}:{n}: a name of 1 to {IntentRuleValidation.MaxKeyword} characters");
            if (seen.Add(name)) names.Add(name);
        }
        if (names.Count > IntentRuleValidation.MaxKeywords) throw new SeedFormatException($"{path}: at most {IntentRuleValidation.MaxKeywords} names (the keywords of one rule), {names.Count} given");
        return names;
    }

    /// <summary>
    /// The names of a seed folder (ServiceOfficer:SeedDirectory, --seed-dir). Unlike <see cref="Shipped"/>, a folder
    /// without the file is an error: a configured folder that lost it would silently stop the rule handing off.
    /// </summary>
    public static IReadOnlyList<string> FromSeedDirectory(string seedDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(seedDirectory), FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: it lists the names of the intent rule advice.named-security (copy it from the shipped Seed folder into ServiceOfficer:SeedDirectory / --seed-dir)", path);
        }
        var names = Read(path);
        if (names.Count == 0) throw new SeedFormatException($"{path}: no names (the intent rule advice.named-security needs at least one)");
        return names;
    }

    /// <summary>The names beside the app (empty when the seed folder has no file, so the code's default list still builds); the app and the CLI use <see cref="FromSeedDirectory"/>.</summary>
    public static IReadOnlyList<string> Shipped()
    {
        var path = Path.Combine(ServiceOfficerSetup.DefaultSeedDirectory, FileName);
        return File.Exists(path) ? Read(path) : [];
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>A data file line or entry that does not follow its format; the message names file and line.</summary>
public sealed class SeedFormatException(string message) : FormatException(message);

/// <summary>
/// Strict readers for the service-officer data formats (Seed/README.md) and the CLI's TSV files. UTF-8 with or
/// without BOM; the first malformed line stops the read with file and line number, because silently skipping a
/// line of labelled data would skew every figure computed from it.
/// </summary>
public static partial class SeedFiles
{
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [GeneratedRegex(@"^KB-\d{4}$")]
    private static partial Regex EntryIdPattern();

    public static IEnumerable<(int Line, string Text)> ReadLines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist");
        using var reader = new StreamReader(path, Utf8, detectEncodingFromByteOrderMarks: true);
        var n = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                throw new SeedFormatException($"{path}:{n + 1}: not valid UTF-8");
            }
            if (line is null) yield break;
            n++;
            yield return (n, line);
        }
    }

    public static List<KnowledgeEntry> ReadKnowledgeBase(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path, Utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new SeedFormatException($"{path}: not valid UTF-8");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new SeedFormatException($"{path}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new SeedFormatException($"{path}: expected a JSON array of entries");
            var entries = new List<KnowledgeEntry>();
            var index = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                index++;
                var where = $"{path}: entry {index}";
                if (e.ValueKind != JsonValueKind.Object) throw new SeedFormatException($"{where}: expected an object");
                var id = RequiredString(e, "id", where);
                where += $" ({id})";
                if (!EntryIdPattern().IsMatch(id)) throw new SeedFormatException($"{where}: id must be KB- and 4 digits");
                var category = RequiredString(e, "category", where);
                var question = RequiredString(e, "question", where);
                var answer = RequiredString(e, "answer", where);
                var paraphrases = StringArray(e, "paraphrases", where);
                var tags = e.TryGetProperty("tags", out _) ? StringArray(e, "tags", where) : [];
                ProductRiskLevel? level = null;
                if (e.TryGetProperty("productRiskLevel", out var lv) && lv.ValueKind != JsonValueKind.Null)
                {
                    if (lv.ValueKind != JsonValueKind.String || !TryParseRiskLevel(lv.GetString(), out var parsed))
                    {
                        throw new SeedFormatException($"{where}: productRiskLevel must be R1..R5 or null");
                    }
                    level = parsed;
                }
                entries.Add(new KnowledgeEntry(id, category, question, paraphrases, answer, level, tags,
                    OptionalDate(e, "effectiveFrom", where), OptionalDate(e, "effectiveTo", where)));
            }
            return entries;
        }
    }

    public static bool TryParseRiskLevel(string? text, out ProductRiskLevel level)
    {
        level = default;
        if (text is not { Length: 2 } || (text[0] != 'R' && text[0] != 'r') || text[1] is < '1' or > '5') return false;
        level = (ProductRiskLevel)(text[1] - '0');
        return true;
    }

    /// <summary>Lines with at least <c>{"text": ...}</c> (other fields ignored), e.g. guardrail-allowed.jsonl.</summary>
    public static List<string> ReadTexts(string path)
    {
        var result = new List<string>();
        foreach (var (n, line) in ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SeedFormatException($"{path}:{n}: not a JSON object");
                result.Add(RequiredString(doc.RootElement, "text", $"{path}:{n}"));
            }
            catch (JsonException e)
            {
                throw new SeedFormatException($"{path}:{n}: not a JSON object ({e.Message})");
            }
        }
        return result;
    }

    /// <summary>Lines <c>{"text": ..., "label": ...}</c> with optional <c>"context": [...]</c>; <paramref name="labelField"/> is "label" or "rule".</summary>
    public static List<LabelledText> ReadLabelled(string path, string labelField = "label")
    {
        var result = new List<LabelledText>();
        foreach (var (n, line) in ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{n}";
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new SeedFormatException($"{where}: not a JSON object ({e.Message})");
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new SeedFormatException($"{where}: not a JSON object");
                var text = RequiredString(root, "text", where);
                var label = RequiredString(root, labelField, where);
                IReadOnlyList<string> context = root.TryGetProperty("context", out var c) && c.ValueKind != JsonValueKind.Null
                    ? StringArray(root, "context", where)
                    : [];
                result.Add(new LabelledText(text, label, context));
            }
        }
        return result;
    }

    /// <summary>jieba user dictionary: <c>word [freq] [tag]</c> per line; '#' starts a comment line.</summary>
    public static List<UserWord> ReadUserDictionary(string path)
    {
        var result = new List<UserWord>();
        foreach (var (n, raw) in ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 3) throw new SeedFormatException($"{path}:{n}: expected 'word freq tag', got {parts.Length} fields");
            var freq = 0;
            if (parts.Length >= 2 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out freq))
            {
                throw new SeedFormatException($"{path}:{n}: frequency '{parts[1]}' is not a whole number");
            }
            result.Add(new UserWord(parts[0], freq, parts.Length == 3 ? parts[2] : null));
        }
        return result;
    }

    /// <summary><c>canonical&lt;TAB&gt;variant1,variant2,...</c>; '#' starts a comment line.</summary>
    public static List<SynonymGroup> ReadSynonyms(string path)
    {
        var result = new List<SynonymGroup>();
        foreach (var (n, raw) in ReadLines(path))
        {
            if (raw.Trim().Length == 0 || raw.TrimStart()[0] == '#') continue;
            var parts = raw.Split('\t');
            if (parts.Length != 2 || parts[0].Trim().Length == 0)
            {
                throw new SeedFormatException($"{path}:{n}: expected 'canonical<TAB>variant1,variant2,...'");
            }
            var variants = parts[1].Split([',', '，'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (variants.Length == 0) throw new SeedFormatException($"{path}:{n}: no variants after the tab");
            result.Add(new SynonymGroup(parts[0].Trim(), variants));
        }
        return result;
    }

    /// <summary>
    /// kb-aliases.tsv: <c>retired_id&lt;TAB&gt;kept_id</c> per line (# comments), entries merged into another. A label or
    /// link naming a retired id means the kept entry. Both ids must be entry ids; a retired id appears once and is
    /// never itself a kept id (no chains).
    /// </summary>
    public static Dictionary<string, string> ReadAliases(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (n, raw) in ReadLines(path))
        {
            if (raw.Trim().Length == 0 || raw.TrimStart()[0] == '#') continue;
            var parts = raw.Split('\t');
            if (parts.Length != 2 || !EntryIdPattern().IsMatch(parts[0].Trim()) || !EntryIdPattern().IsMatch(parts[1].Trim()))
            {
                throw new SeedFormatException($"{path}:{n}: expected 'retired_id<TAB>kept_id' (KB-nnnn)");
            }
            var (retired, kept) = (parts[0].Trim(), parts[1].Trim());
            if (retired == kept || !result.TryAdd(retired, kept)) throw new SeedFormatException($"{path}:{n}: {retired} is listed twice or points to itself");
        }
        foreach (var (retired, kept) in result)
        {
            if (result.ContainsKey(kept)) throw new SeedFormatException($"{path}: {retired} points to {kept}, which is itself retired");
        }
        return result;
    }

    /// <summary>Tab-separated lines with exactly <paramref name="minFields"/>..<paramref name="maxFields"/> non-empty fields.</summary>
    public static IEnumerable<(int Line, string[] Fields)> ReadTsv(string path, int minFields, int maxFields, string expected)
    {
        foreach (var (n, line) in ReadLines(path))
        {
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length < minFields || fields.Length > maxFields || fields.Take(minFields).Any(f => f.Trim().Length == 0))
            {
                throw new SeedFormatException($"{path}:{n}: expected {expected}");
            }
            yield return (n, fields);
        }
    }

    private static string RequiredString(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString()))
        {
            throw new SeedFormatException($"{where}: \"{name}\" must be a non-empty string");
        }
        return p.GetString()!.Trim();
    }

    private static string[] StringArray(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Array)
        {
            throw new SeedFormatException($"{where}: \"{name}\" must be an array of strings");
        }
        var list = new List<string>();
        foreach (var item in p.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw new SeedFormatException($"{where}: \"{name}\" must contain only non-empty strings");
            }
            list.Add(item.GetString()!.Trim());
        }
        return [.. list];
    }

    private static DateOnly? OptionalDate(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(p.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        throw new SeedFormatException($"{where}: \"{name}\" must be a yyyy-MM-dd date or null");
    }
}

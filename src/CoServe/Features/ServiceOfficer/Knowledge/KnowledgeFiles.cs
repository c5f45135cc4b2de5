using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoServe.Platform.Csv;
using MiniExcelLibs;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public enum KnowledgeFileFormat
{
    Json = 1,
    Xlsx = 2,
}

/// <summary>One entry read from an import file, with the line (JSON) or row (Excel) it came from.</summary>
public sealed record ImportedEntry(string EntryId, KnowledgeDraft Draft, long Line);

/// <summary>
/// Reads and writes knowledge-base files. JSON is the seed format (Seed/README.md: an array of entries) plus
/// effectiveFrom/effectiveTo; Excel has one entry per row with columns id, category, question, paraphrases (one
/// per line in the cell), answer, productRiskLevel, tags (comma-separated), effectiveFrom, effectiveTo (Chinese
/// headers 编号, 分类, 标准问题, 相似问法, 答案, 产品风险等级, 标签, 生效日期, 失效日期 work too). Reading is strict:
/// every problem is collected with its line or row and field, and any problem rejects the whole file.
/// </summary>
public static class KnowledgeFiles
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static KnowledgeFileFormat FormatOf(string path, string? format = null)
    {
        var f = (format ?? Path.GetExtension(path).TrimStart('.')).Trim().ToLowerInvariant();
        return f switch
        {
            "json" => KnowledgeFileFormat.Json,
            "xlsx" or "excel" => KnowledgeFileFormat.Xlsx,
            _ => throw new ArgumentException($"unknown knowledge-base file format '{f}': use json or xlsx"),
        };
    }

    /// <summary>
    /// Reads every entry, or throws <see cref="ImportRejectedException"/> listing every bad line and field. Answers are
    /// checked against <c>guardrails</c>, the approved rules (the code defaults when not given).
    /// </summary>
    public static IReadOnlyList<ImportedEntry> Read(Stream stream, KnowledgeFileFormat format, string name, int minParaphrases, Guardrails.GuardrailRuleSet? guardrails = null)
    {
        var problems = new ImportProblems();
        var raw = format == KnowledgeFileFormat.Json ? ReadJson(stream, problems) : ReadXlsx(stream, problems);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (id, draft, line) in raw)
        {
            if (id is not null)
            {
                if (!seen.TryAdd(id, line)) problems.Add(new LineProblem(line, "id", $"{id} is also on line {seen[id]}"));
            }
            if (draft is null) continue;
            foreach (var p in draft.Problems(minParaphrases, guardrails)) problems.Add(new LineProblem(line, p.Field, p.Reason));
        }
        if (raw.Count == 0 && !problems.Any) problems.Add(new LineProblem(1, null, "no entries"));
        if (problems.Any) throw new ImportRejectedException(problems.Describe(name), problems.Listed);
        return [.. raw.Select(r => new ImportedEntry(r.Id!, r.Draft!, r.Line))];
    }

    public static async Task WriteAsync(Stream stream, KnowledgeFileFormat format, IReadOnlyList<KnowledgeEntry> entries, CancellationToken ct)
    {
        if (format == KnowledgeFileFormat.Json)
        {
            var array = entries.Select(e => new Dictionary<string, object?>
            {
                ["id"] = e.Id,
                ["category"] = e.Category,
                ["question"] = e.Question,
                ["paraphrases"] = e.Paraphrases,
                ["answer"] = e.Answer,
                ["productRiskLevel"] = e.ProductRiskLevel?.ToString(),
                ["tags"] = e.Tags,
                ["effectiveFrom"] = Date(e.EffectiveFrom),
                ["effectiveTo"] = Date(e.EffectiveTo),
            }).ToList();
            await JsonSerializer.SerializeAsync(stream, array, WriteOptions, ct);
            return;
        }
        var rows = entries.Select(e => new Dictionary<string, object?>
        {
            ["id"] = e.Id,
            ["category"] = e.Category,
            ["question"] = e.Question,
            ["paraphrases"] = string.Join('\n', e.Paraphrases),
            ["answer"] = e.Answer,
            ["productRiskLevel"] = e.ProductRiskLevel?.ToString() ?? "",
            ["tags"] = string.Join(',', e.Tags),
            ["effectiveFrom"] = Date(e.EffectiveFrom) ?? "",
            ["effectiveTo"] = Date(e.EffectiveTo) ?? "",
        }).ToList();
        if (rows.Count == 0) rows.Add(Columns.ToDictionary(c => c.Key, _ => (object?)""));
        await stream.SaveAsAsync(rows, sheetName: "knowledge", excelType: ExcelType.XLSX, cancellationToken: ct);
    }

    private static string? Date(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // ---- JSON ----

    private static List<(string? Id, KnowledgeDraft? Draft, long Line)> ReadJson(Stream stream, ImportProblems problems)
    {
        var result = new List<(string?, KnowledgeDraft?, long)>();
        byte[] bytes;
        using (var ms = new MemoryStream())
        {
            stream.CopyTo(ms);
            bytes = ms.ToArray();
        }
        var start = bytes.AsSpan().StartsWith(Utf8.Preamble) ? Utf8.Preamble.Length : 0;
        try
        {
            _ = Utf8.GetCharCount(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            problems.Add(new LineProblem(1, null, "not valid UTF-8"));
            return result;
        }
        var data = bytes.AsSpan(start);
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                problems.Add(new LineProblem(1, null, "expected a JSON array of entries"));
                return result;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var line = LineAt(data, reader.TokenStartIndex);
                using var element = JsonDocument.ParseValue(ref reader);
                result.Add(ReadJsonEntry(element.RootElement, line, problems));
            }
        }
        catch (JsonException e)
        {
            problems.Add(new LineProblem((e.LineNumber ?? 0) + 1, null, "not valid JSON: " + e.Message));
        }
        return result;
    }

    private static long LineAt(ReadOnlySpan<byte> data, long offset)
    {
        long line = 1;
        foreach (var b in data[..(int)offset])
        {
            if (b == (byte)'\n') line++;
        }
        return line;
    }

    private static (string?, KnowledgeDraft?, long) ReadJsonEntry(JsonElement e, long line, ImportProblems problems)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new LineProblem(line, null, "expected an object"));
            return (null, null, line);
        }
        var ok = true;
        string Text(string name, bool required)
        {
            if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    problems.Add(new LineProblem(line, name, "missing"));
                    ok = false;
                }
                return "";
            }
            if (p.ValueKind != JsonValueKind.String)
            {
                problems.Add(new LineProblem(line, name, "must be a string"));
                ok = false;
                return "";
            }
            return p.GetString()!.Trim();
        }
        List<string> List(string name, bool required)
        {
            if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    problems.Add(new LineProblem(line, name, "missing"));
                    ok = false;
                }
                return [];
            }
            if (p.ValueKind != JsonValueKind.Array || p.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                problems.Add(new LineProblem(line, name, "must be an array of strings"));
                ok = false;
                return [];
            }
            return [.. p.EnumerateArray().Select(x => x.GetString()!)];
        }
        var id = Text("id", true).ToUpperInvariant();
        if (id.Length > 0 && !KnowledgeBase.IsEntryId(id))
        {
            problems.Add(new LineProblem(line, "id", $"'{id}' is not an entry id (KB- and 4 to 6 digits)"));
            ok = false;
        }
        var category = Text("category", true);
        var question = Text("question", false);
        var paraphrases = List("paraphrases", true);
        var answer = Text("answer", false);
        var risk = Risk(Text("productRiskLevel", false), line, problems, ref ok);
        var tags = List("tags", false);
        var from = DateText(Text("effectiveFrom", false), "effectiveFrom", line, problems, ref ok);
        var to = DateText(Text("effectiveTo", false), "effectiveTo", line, problems, ref ok);
        return (id.Length > 0 ? id : null, ok ? new KnowledgeDraft(category, question, paraphrases, answer, risk, tags, from, to) : null, line);
    }

    private static ProductRiskLevel? Risk(string text, long line, ImportProblems problems, ref bool ok)
    {
        if (text.Length == 0) return null;
        if (SeedFiles.TryParseRiskLevel(text, out var level)) return level;
        problems.Add(new LineProblem(line, "productRiskLevel", $"'{text}' is not R1..R5"));
        ok = false;
        return null;
    }

    private static DateOnly? DateText(string text, string field, long line, ImportProblems problems, ref bool ok)
    {
        if (text.Length == 0) return null;
        if (DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyyMMdd", "yyyy/M/d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        problems.Add(new LineProblem(line, field, $"'{text}' is not a yyyy-MM-dd date"));
        ok = false;
        return null;
    }

    // ---- Excel ----

    private static readonly Dictionary<string, string> Columns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = "id", ["编号"] = "id", ["条目编号"] = "id",
        ["category"] = "category", ["分类"] = "category",
        ["question"] = "question", ["标准问题"] = "question", ["问题"] = "question",
        ["paraphrases"] = "paraphrases", ["相似问法"] = "paraphrases", ["相似问"] = "paraphrases",
        ["answer"] = "answer", ["答案"] = "answer",
        ["productRiskLevel"] = "productRiskLevel", ["产品风险等级"] = "productRiskLevel", ["风险等级"] = "productRiskLevel",
        ["tags"] = "tags", ["标签"] = "tags",
        ["effectiveFrom"] = "effectiveFrom", ["生效日期"] = "effectiveFrom",
        ["effectiveTo"] = "effectiveTo", ["失效日期"] = "effectiveTo",
    };

    private static List<(string? Id, KnowledgeDraft? Draft, long Line)> ReadXlsx(Stream stream, ImportProblems problems)
    {
        var result = new List<(string?, KnowledgeDraft?, long)>();
        List<IDictionary<string, object?>> rows;
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        ms.Position = 0;
        try
        {
            rows = [.. MiniExcel.Query(ms, useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>()];
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or System.Xml.XmlException or NotSupportedException)
        {
            problems.Add(new LineProblem(1, null, "not a readable .xlsx workbook"));
            return result;
        }
        if (rows.Count == 0)
        {
            return result;
        }
        var headers = rows[0].Keys.ToList();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var h in headers)
        {
            if (Columns.TryGetValue(h.Trim(), out var field))
            {
                if (map.ContainsValue(field)) problems.Add(new LineProblem(1, h, $"column {field} appears twice"));
                map[h] = field;
            }
        }
        foreach (var required in new[] { "id", "category", "question", "paraphrases", "answer" })
        {
            if (!map.ContainsValue(required)) problems.Add(new LineProblem(1, required, "missing column"));
        }
        if (problems.Any) return result;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            long line = i + 2;
            if (row.Values.All(v => v is null || (v is string s && s.Trim().Length == 0))) continue;
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (h, field) in map) values[field] = row.TryGetValue(h, out var v) ? v : null;
            var ok = true;
            string Cell(string f) => values.TryGetValue(f, out var v) && v is not null ? Convert.ToString(v, CultureInfo.InvariantCulture)!.Trim() : "";
            var id = Cell("id").ToUpperInvariant();
            if (id.Length == 0)
            {
                problems.Add(new LineProblem(line, "id", "missing"));
                ok = false;
            }
            else if (!KnowledgeBase.IsEntryId(id))
            {
                problems.Add(new LineProblem(line, "id", $"'{id}' is not an entry id (KB- and 4 to 6 digits)"));
                ok = false;
            }
            var paraphrases = Cell("paraphrases").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var tags = Cell("tags").Split([',', '，'], StringSplitOptions.None);
            var risk = Risk(Cell("productRiskLevel"), line, problems, ref ok);
            DateOnly? DateCell(string f)
            {
                if (values.TryGetValue(f, out var v) && v is DateTime dt) return DateOnly.FromDateTime(dt);
                return DateText(Cell(f), f, line, problems, ref ok);
            }
            var from = DateCell("effectiveFrom");
            var to = DateCell("effectiveTo");
            result.Add((id.Length > 0 ? id : null, ok ? new KnowledgeDraft(Cell("category"), Cell("question"), paraphrases, Cell("answer"), risk, tags, from, to) : null, line));
        }
        return result;
    }
}

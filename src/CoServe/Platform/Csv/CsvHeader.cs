namespace CoServe.Platform.Csv;

/// <summary>A column an import understands: canonical name, accepted aliases (e.g. Chinese), whether it is required.</summary>
public sealed record CsvColumn(string Name, bool Required, params string[] Aliases);

/// <summary>Maps a header row to known columns by name, in any order, case-insensitively.</summary>
public sealed class CsvHeader
{
    private readonly Dictionary<string, int> _indexes;

    private CsvHeader(Dictionary<string, int> indexes, int fieldCount, IReadOnlyList<string> ignored)
    {
        _indexes = indexes;
        FieldCount = fieldCount;
        IgnoredColumns = ignored;
    }

    public int FieldCount { get; }
    public IReadOnlyList<string> IgnoredColumns { get; }

    public bool Has(string column) => _indexes.ContainsKey(column);

    /// <summary>Index of the column in each row, or -1 when the file does not have it.</summary>
    public int IndexOf(string column) => _indexes.TryGetValue(column, out var i) ? i : -1;

    public static CsvHeader Parse(CsvLineReader reader, IReadOnlyList<CsvColumn> columns, out List<string> errors)
    {
        errors = [];
        var lookup = new Dictionary<string, CsvColumn>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            lookup[c.Name] = c;
            foreach (var a in c.Aliases) lookup[a] = c;
        }
        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        var ignored = new List<string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = reader[i].Trim().ToString();
            if (name.Length == 0)
            {
                errors.Add($"column {i + 1}: header is blank");
                continue;
            }
            if (!lookup.TryGetValue(name, out var column))
            {
                ignored.Add(name);
                continue;
            }
            if (!indexes.TryAdd(column.Name, i))
            {
                errors.Add($"column {i + 1}: '{name}' repeats column {indexes[column.Name] + 1} ({column.Name})");
            }
        }
        foreach (var c in columns.Where(c => c.Required && !indexes.ContainsKey(c.Name)))
        {
            var aliases = c.Aliases.Length > 0 ? $" (or {string.Join(", ", c.Aliases)})" : "";
            errors.Add($"required column '{c.Name}'{aliases} is missing");
        }
        return new CsvHeader(indexes, reader.FieldCount, ignored);
    }
}

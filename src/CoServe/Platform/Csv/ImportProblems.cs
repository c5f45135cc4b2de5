using System.Globalization;
using System.Text;

namespace CoServe.Platform.Csv;

/// <summary>One rejected line: where and why.</summary>
public sealed record LineProblem(long Line, string? Column, string Reason)
{
    public override string ToString() =>
        Column is null
            ? string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Reason}")
            : string.Create(CultureInfo.InvariantCulture, $"line {Line}, column {Column}: {Reason}");
}

/// <summary>Collects line problems, keeping the first <see cref="MaxListed"/> and counting all.</summary>
public sealed class ImportProblems
{
    public const int MaxListed = 100;
    private readonly List<LineProblem> _listed = [];

    public long Count { get; private set; }
    public IReadOnlyList<LineProblem> Listed => _listed;
    public bool Any => Count > 0;

    public void Add(LineProblem problem)
    {
        Count++;
        if (_listed.Count < MaxListed) _listed.Add(problem);
    }

    public string Describe(string file)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{file}: {Count} bad line(s); nothing was imported");
        foreach (var p in _listed) sb.Append('\n').Append("  ").Append(p);
        if (Count > _listed.Count) sb.Append(CultureInfo.InvariantCulture, $"\n  … and {Count - _listed.Count} more");
        return sb.ToString();
    }
}

/// <summary>Thrown when a file is rejected as a whole; the message lists what and where.</summary>
public sealed class ImportRejectedException(string message, IReadOnlyList<LineProblem> problems) : Exception(message)
{
    public IReadOnlyList<LineProblem> Problems { get; } = problems;
}

/// <summary>Writes rejected lines with their reasons next to the input: FILE.rejects.csv.</summary>
public sealed class RejectsFile : IDisposable
{
    private readonly StreamWriter _writer;

    public RejectsFile(string path)
    {
        Path = path;
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        _writer.WriteLine("line,column,reason,raw");
    }

    public string Path { get; }
    public long Count { get; private set; }

    public void Write(LineProblem problem, string raw)
    {
        Count++;
        _writer.Write(problem.Line.ToString(CultureInfo.InvariantCulture));
        _writer.Write(',');
        _writer.Write(Quote(problem.Column ?? ""));
        _writer.Write(',');
        _writer.Write(Quote(problem.Reason));
        _writer.Write(',');
        _writer.WriteLine(Quote(raw));
    }

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public void Dispose() => _writer.Dispose();
}

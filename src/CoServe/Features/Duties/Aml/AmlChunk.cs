using CoServe.Platform.Csv;

namespace CoServe.Features.Duties.Aml;

/// <summary>One line of a chunk whose transaction id could be read; <see cref="Valid"/> when the whole line is.</summary>
internal readonly record struct AmlChunkRow(long Line, ulong IdHash, int IdStart, int IdLength, bool Valid, AmlTransaction Transaction);

/// <summary>
/// The lines of one chunk of a transaction feed, parsed on a worker thread: transactions, the problems found
/// (by line), and each transaction id kept in one shared character buffer so that a duplicate found later, in file
/// order, can be named without a string per line.
/// </summary>
internal sealed class AmlChunk
{
    private char[] _ids = new char[1 << 16];
    private int _idLength;

    public List<AmlChunkRow> Rows { get; } = new(1 << 14);
    public List<(LineProblem Problem, string? Raw)> Problems { get; } = [];
    public long LinesRead { get; private set; }
    public char[] Ids => _ids;

    /// <summary>Raw text of every line with a transaction id, by line number; kept only when bad rows are skipped into a rejects file.</summary>
    public Dictionary<long, string>? RawLines { get; private set; }

    public static AmlChunk Parse(CsvLineReader reader, AmlFeedRow rows, bool keepRawLines)
    {
        var chunk = new AmlChunk { RawLines = keepRawLines ? [] : null };
        while (reader.Read())
        {
            chunk.LinesRead++;
            var ok = rows.TryRead(reader, out var t, out var problem, out var id);
            if (!ok) chunk.Problems.Add((problem!, keepRawLines ? reader.RawLine() : null));
            if (id.IsEmpty) continue;
            chunk.Rows.Add(new AmlChunkRow(reader.LineNumber, AmlFeedRow.Hash(id), chunk._idLength, id.Length, ok, t));
            chunk.Keep(id);
            if (keepRawLines && ok) chunk.RawLines![reader.LineNumber] = reader.RawLine();
        }
        return chunk;
    }

    public static AmlChunk Overlong(long line, int maxLineBytes)
    {
        var chunk = new AmlChunk { LinesRead = 1 };
        chunk.Problems.Add((new LineProblem(line, null, $"line is longer than {maxLineBytes} bytes"), ""));
        return chunk;
    }

    private void Keep(ReadOnlySpan<char> id)
    {
        if (_idLength + id.Length > _ids.Length) Array.Resize(ref _ids, Math.Max(_ids.Length * 2, _idLength + id.Length));
        id.CopyTo(_ids.AsSpan(_idLength));
        _idLength += id.Length;
    }
}

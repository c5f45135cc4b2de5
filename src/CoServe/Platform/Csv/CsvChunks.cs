using System.Buffers;

namespace CoServe.Platform.Csv;

/// <summary>
/// A run of whole lines of a file, in a pooled buffer, with the number of physical lines before it: read with
/// <see cref="OpenReader"/> on any thread. <see cref="IsOverlongLine"/> marks one line that was longer than the
/// chunk buffer and was skipped without being kept, as <see cref="CsvLineReader"/> does.
/// </summary>
public sealed class CsvChunk
{
    private byte[]? _buffer;

    internal CsvChunk(int sequence, byte[]? buffer, int length, long linesBefore, bool atFileStart)
    {
        Sequence = sequence;
        _buffer = buffer;
        Length = length;
        LinesBefore = linesBefore;
        AtFileStart = atFileStart;
    }

    public int Sequence { get; }
    public int Length { get; }
    public long LinesBefore { get; }
    public bool AtFileStart { get; }
    public bool IsOverlongLine => _buffer is null;

    /// <summary>The chunk's bytes (valid up to <see cref="Length"/>) until <see cref="Return"/>.</summary>
    public byte[] Buffer => _buffer ?? throw new InvalidOperationException("the chunk has no bytes");

    public CsvLineReader OpenReader(System.Text.Encoding encoding, int maxLineBytes, char delimiter = ',') =>
        new(_buffer ?? throw new InvalidOperationException("an overlong line has no text"), Length, LinesBefore, AtFileStart, encoding, maxLineBytes, delimiter);

    /// <summary>Gives the buffer back to the pool; readers opened on this chunk must not be used afterwards.</summary>
    public void Return()
    {
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}

/// <summary>
/// Cuts a stream into chunks at line ends so that the lines can be parsed in parallel and the results
/// put back in file order by <see cref="CsvChunk.Sequence"/>. Line numbers are counted on the way, so
/// every chunk reader reports the same physical line numbers a single <see cref="CsvLineReader"/> would.
/// </summary>
public static class CsvChunks
{
    public const int DefaultChunkBytes = 4 << 20;

    public static IEnumerable<CsvChunk> Read(Stream stream, int maxLineBytes, int chunkBytes = DefaultChunkBytes, CancellationToken ct = default)
    {
        // A chunk always holds at least two maximal lines, so a line without a newline in a full buffer is
        // longer than any line CsvLineReader would accept.
        var size = Math.Max(chunkBytes, 2 * (maxLineBytes + 2));
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var length = 0;
        long lines = 0;
        var sequence = 0;
        var eof = false;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                while (length < size && !eof)
                {
                    var n = stream.Read(buffer, length, size - length);
                    if (n == 0) eof = true;
                    length += n;
                }
                if (eof)
                {
                    if (length > 0)
                    {
                        var last = new CsvChunk(sequence, buffer, length, lines, sequence == 0);
                        buffer = null;
                        sequence++;
                        yield return last;
                    }
                    yield break;
                }
                var cut = buffer.AsSpan(0, length).LastIndexOf((byte)'\n') + 1;
                if (cut == 0)
                {
                    yield return new CsvChunk(sequence, null, 0, lines, sequence == 0);
                    sequence++;
                    lines++;
                    length = SkipRestOfLine(stream, buffer, ref eof);
                    continue;
                }
                var next = ArrayPool<byte>.Shared.Rent(size);
                buffer.AsSpan(cut, length - cut).CopyTo(next);
                var chunk = new CsvChunk(sequence, buffer, cut, lines, sequence == 0);
                sequence++;
                lines += buffer.AsSpan(0, cut).Count((byte)'\n');
                buffer = next;
                length -= cut;
                yield return chunk;
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Discards bytes up to and including the next newline; returns how many bytes after it are left at the start of the buffer.</summary>
    private static int SkipRestOfLine(Stream stream, byte[] buffer, ref bool eof)
    {
        while (true)
        {
            var n = stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
            {
                eof = true;
                return 0;
            }
            var nl = buffer.AsSpan(0, n).IndexOf((byte)'\n');
            if (nl < 0) continue;
            var rest = n - nl - 1;
            buffer.AsSpan(nl + 1, rest).CopyTo(buffer);
            return rest;
        }
    }
}

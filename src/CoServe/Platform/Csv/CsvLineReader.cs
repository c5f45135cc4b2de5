using System.Buffers;
using System.Text;

namespace CoServe.Platform.Csv;

/// <summary>
/// Reads a delimited text file line by line, strictly: every line is decoded with an encoding that throws on
/// invalid bytes, overlong lines are reported (and skipped without buffering them), quotes follow RFC 4180
/// within one line. Problems are reported per line with the physical line number so callers can reject the
/// whole file or skip the line. Blank lines are skipped.
/// </summary>
public sealed class CsvLineReader : IDisposable
{
    private const int DefaultBufferSize = 1 << 20;
    private readonly Stream _stream;
    private readonly Encoding _encoding;
    private readonly bool _isUtf8;
    private readonly int _maxLineBytes;
    private readonly char _delimiter;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private char[] _chars = new char[4096];
    private char[] _unquoted = new char[4096];
    private int _charCount;
    private (int Start, int Length, bool Unquoted)[] _fields = new (int, int, bool)[32];
    private int _lineBytesStart;
    private int _lineBytesLength;
    private readonly bool _ownsBuffer = true;

    public CsvLineReader(Stream stream, Encoding encoding, int maxLineBytes = 1 << 20, char delimiter = ',')
    {
        _stream = stream;
        _encoding = StrictEncodings.Strict(encoding);
        _isUtf8 = encoding.CodePage == Encoding.UTF8.CodePage;
        _maxLineBytes = maxLineBytes;
        _delimiter = delimiter;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(DefaultBufferSize, maxLineBytes + 2));
    }

    /// <summary>
    /// Reads the lines of one chunk of a file that is already in memory, numbering them from
    /// <paramref name="linesBefore"/> + 1, so that a large file can be cut at line ends and read by several
    /// threads with the same rules and messages as a single reader. The chunk must end at a line end (or at
    /// the end of the file); <paramref name="atFileStart"/> applies the first-line checks (byte-order marks).
    /// </summary>
    public CsvLineReader(byte[] chunk, int length, long linesBefore, bool atFileStart, Encoding encoding, int maxLineBytes = 1 << 20, char delimiter = ',')
    {
        _stream = Stream.Null;
        _encoding = StrictEncodings.Strict(encoding);
        _isUtf8 = encoding.CodePage == Encoding.UTF8.CodePage;
        _maxLineBytes = maxLineBytes;
        _delimiter = delimiter;
        _buffer = chunk;
        _end = length;
        _eof = true;
        _first = atFileStart;
        _ownsBuffer = false;
        LineNumber = linesBefore;
    }

    /// <summary>In chunk mode: the offset in the chunk of the first byte not read yet.</summary>
    public int ChunkOffset => _start;

    /// <summary>
    /// Points a chunk-mode reader at other whole lines (<paramref name="offset"/>..+<paramref name="length"/> of
    /// <paramref name="chunk"/>), numbered from <paramref name="linesBefore"/> + 1; reuses the reader's buffers.
    /// </summary>
    public void Reset(byte[] chunk, int offset, int length, long linesBefore)
    {
        if (_ownsBuffer) throw new InvalidOperationException("only a chunk reader can be reset");
        _buffer = chunk;
        _start = offset;
        _end = offset + length;
        _first = false;
        LineNumber = linesBefore;
        FileError = null;
        Error = null;
        FieldCount = 0;
        _charCount = 0;
        _lineBytesLength = 0;
    }

    /// <summary>Physical 1-based line number of the current line.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Why the current line could not be read, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Set once: the file as a whole is unreadable (e.g. UTF-16); no lines follow.</summary>
    public string? FileError { get; private set; }

    public int FieldCount { get; private set; }

    public ReadOnlySpan<char> this[int index]
    {
        get
        {
            var (start, length, unquoted) = _fields[index];
            return unquoted ? _unquoted.AsSpan(start, length) : _chars.AsSpan(start, length);
        }
    }

    /// <summary>The current line as text (for reject files); invalid bytes become U+FFFD.</summary>
    public string RawLine(int maxChars = 2000)
    {
        if (Error is null) return new string(_chars, 0, Math.Min(_charCount, maxChars));
        var text = Encoding.UTF8.GetString(_buffer, _lineBytesStart, Math.Min(_lineBytesLength, maxChars * 3));
        return text.Length > maxChars ? text[..maxChars] : text;
    }

    /// <summary>Advances to the next non-blank line. Returns false at the end of the file.</summary>
    public bool Read()
    {
        while (true)
        {
            if (FileError is not null) return false;
            Error = null;
            FieldCount = 0;
            _charCount = 0;
            _lineBytesLength = 0;
            if (!NextLine(out var line, out var tooLong)) return false;
            LineNumber++;
            if (tooLong)
            {
                Error = $"line is longer than {_maxLineBytes} bytes";
                return true;
            }
            if (_first)
            {
                _first = false;
                if (line.Length >= 2 && ((line[0] == 0xFF && line[1] == 0xFE) || (line[0] == 0xFE && line[1] == 0xFF)))
                {
                    FileError = "file is UTF-16; save it as UTF-8 or GBK";
                    return false;
                }
                if (line.Length >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF)
                {
                    if (!_isUtf8)
                    {
                        FileError = $"file starts with a UTF-8 byte-order mark but the encoding given is {_encoding.WebName}; use --encoding utf-8";
                        return false;
                    }
                    line = line[3..];
                    _lineBytesStart += 3;
                }
            }
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            _lineBytesLength = line.Length;
            if (IsBlank(line)) continue;
            if (!Decode(line)) return true;
            Split();
            return true;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not (byte)' ' and not (byte)'\t') return false;
        }
        return true;
    }

    private bool Decode(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf((byte)0) >= 0)
        {
            Error = "line contains a NUL byte (binary file?)";
            return false;
        }
        var max = _encoding.GetMaxCharCount(line.Length);
        if (_chars.Length < max) _chars = new char[Math.Max(max, _chars.Length * 2)];
        try
        {
            _charCount = _encoding.GetChars(line, _chars);
            return true;
        }
        catch (DecoderFallbackException ex)
        {
            var hint = _isUtf8 ? " (is the file GBK? use --encoding gbk)" : "";
            Error = $"invalid {_encoding.WebName} byte sequence at byte {ex.Index + 1}{hint}";
            return false;
        }
    }

    private void Split()
    {
        var span = _chars.AsSpan(0, _charCount);
        if (span.IndexOf('"') < 0)
        {
            var pos = 0;
            while (true)
            {
                var next = span[pos..].IndexOf(_delimiter);
                if (next < 0)
                {
                    AddField(pos, span.Length - pos, false);
                    return;
                }
                AddField(pos, next, false);
                pos += next + 1;
            }
        }
        SplitQuoted(span);
    }

    private void SplitQuoted(ReadOnlySpan<char> span)
    {
        if (_unquoted.Length < span.Length) _unquoted = new char[Math.Max(span.Length, _unquoted.Length * 2)];
        var outPos = 0;
        var i = 0;
        while (true)
        {
            var fieldStart = outPos;
            if (i < span.Length && span[i] == '"')
            {
                i++;
                var closed = false;
                while (i < span.Length)
                {
                    var c = span[i];
                    if (c == '"')
                    {
                        if (i + 1 < span.Length && span[i + 1] == '"')
                        {
                            _unquoted[outPos++] = '"';
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    _unquoted[outPos++] = c;
                    i++;
                }
                if (!closed)
                {
                    Error = $"field {FieldCount + 1}: quoted field is not closed on this line";
                    return;
                }
                if (i < span.Length && span[i] != _delimiter)
                {
                    Error = $"field {FieldCount + 1}: unexpected character after closing quote";
                    return;
                }
            }
            else
            {
                while (i < span.Length && span[i] != _delimiter)
                {
                    if (span[i] == '"')
                    {
                        Error = $"field {FieldCount + 1}: stray quote inside an unquoted field";
                        return;
                    }
                    _unquoted[outPos++] = span[i++];
                }
            }
            AddField(fieldStart, outPos - fieldStart, true);
            if (i >= span.Length) return;
            i++; // delimiter
            if (i == span.Length)
            {
                AddField(outPos, 0, true);
                return;
            }
        }
    }

    private void AddField(int start, int length, bool unquoted)
    {
        if (FieldCount == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
        _fields[FieldCount++] = (start, length, unquoted);
    }

    /// <summary>Finds the next line in the buffer, refilling as needed. Overlong lines are consumed and flagged.</summary>
    private bool NextLine(out ReadOnlySpan<byte> line, out bool tooLong)
    {
        tooLong = false;
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var nl = available.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                if (nl > _maxLineBytes + 1)
                {
                    tooLong = true;
                    _lineBytesStart = _start;
                    _start += nl + 1;
                    line = default;
                    return true;
                }
                line = available[..nl];
                _lineBytesStart = _start;
                _start += nl + 1;
                return true;
            }
            if (_eof)
            {
                if (available.IsEmpty)
                {
                    line = default;
                    return false;
                }
                _lineBytesStart = _start;
                _start = _end;
                if (available.Length > _maxLineBytes + 1)
                {
                    tooLong = true;
                    line = default;
                    return true;
                }
                line = available;
                return true;
            }
            if (available.Length > _maxLineBytes + 1)
            {
                SkipRestOfLine();
                tooLong = true;
                line = default;
                return true;
            }
            Fill();
        }
    }

    private void SkipRestOfLine()
    {
        // Discard bytes until the next newline without keeping them: a 100 MB line costs no memory.
        _start = _end;
        while (true)
        {
            Fill();
            var available = _buffer.AsSpan(_start, _end - _start);
            var nl = available.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                _start += nl + 1;
                return;
            }
            _start = _end;
            if (_eof) return;
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    public void Dispose()
    {
        if (_ownsBuffer && _buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

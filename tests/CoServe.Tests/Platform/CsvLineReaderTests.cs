using System.Text;
using CoServe.Platform.Csv;

namespace CoServe.Tests.Platform;

public class CsvLineReaderTests
{
    private static List<(long Line, string? Error, string[] Fields)> ReadAll(byte[] bytes, Encoding? encoding = null, int maxLine = 1024)
    {
        using var reader = new CsvLineReader(new MemoryStream(bytes), encoding ?? StrictEncodings.Utf8, maxLine);
        var rows = new List<(long, string?, string[])>();
        while (reader.Read())
        {
            var fields = reader.Error is null ? Enumerable.Range(0, reader.FieldCount).Select(i => reader[i].ToString()).ToArray() : [];
            rows.Add((reader.LineNumber, reader.Error, fields));
        }
        Assert.Null(reader.FileError);
        return rows;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Read_SplitsFields_KeepsPhysicalLineNumbers_SkipsBlankLines()
    {
        var rows = ReadAll(Utf8("a,b,c\r\n\r\n1,,3\n   \nx,y,z"));
        Assert.Equal([1L, 3L, 5L], rows.Select(r => r.Line));
        Assert.Equal(["1", "", "3"], rows[1].Fields);
        Assert.Equal(["x", "y", "z"], rows[2].Fields);
    }

    [Fact]
    public void Read_Utf8Bom_IsStripped()
    {
        var rows = ReadAll([0xEF, 0xBB, 0xBF, .. Utf8("客户号,日期\n1,2")]);
        Assert.Equal("客户号", rows[0].Fields[0]);
    }

    [Fact]
    public void Read_QuotedFields_UnescapeQuotesAndDelimiters()
    {
        var rows = ReadAll(Utf8("\"a,b\",\"say \"\"hi\"\"\",c,\n"));
        Assert.Equal(["a,b", "say \"hi\"", "c", ""], rows[0].Fields);
    }

    [Theory]
    [InlineData("\"open,b\n", "not closed")]
    [InlineData("\"a\"x,b\n", "after closing quote")]
    [InlineData("ab\"c,d\n", "stray quote")]
    public void Read_BadQuotes_AreLineErrors(string text, string reason)
    {
        var rows = ReadAll(Utf8(text + "ok,1\n"));
        Assert.Contains(reason, rows[0].Error, StringComparison.Ordinal);
        Assert.Null(rows[1].Error);
    }

    [Fact]
    public void Read_InvalidUtf8_IsLineErrorSuggestingGbk()
    {
        var gbk = StrictEncodings.Gbk.GetBytes("张三,1\n");
        var rows = ReadAll([.. Utf8("name,n\n"), .. gbk, .. Utf8("ok,2\n")]);
        Assert.Equal(2, rows[1].Line);
        Assert.Contains("--encoding gbk", rows[1].Error, StringComparison.Ordinal);
        Assert.Null(rows[2].Error);
    }

    [Fact]
    public void Read_Gbk_DecodesChinese()
    {
        var rows = ReadAll(StrictEncodings.Gbk.GetBytes("客户号,姓名\nC1,欧阳娜娜\n"), StrictEncodings.Gbk);
        Assert.Equal(["C1", "欧阳娜娜"], rows[1].Fields);
    }

    [Fact]
    public void Read_Utf16File_IsFileError()
    {
        using var reader = new CsvLineReader(new MemoryStream(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("a,b\n")).ToArray()), StrictEncodings.Utf8);
        Assert.False(reader.Read());
        Assert.Contains("UTF-16", reader.FileError, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Utf8BomWithGbkEncoding_IsFileError()
    {
        using var reader = new CsvLineReader(new MemoryStream([0xEF, 0xBB, 0xBF, .. Utf8("a\n")]), StrictEncodings.Gbk);
        Assert.False(reader.Read());
        Assert.Contains("--encoding utf-8", reader.FileError, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OverlongLine_IsReportedAndSkippedWithoutBufferingIt()
    {
        // A 100 MB line streamed through a reader allowed 1 KB lines: one error, then reading goes on.
        var stream = new ConcatStream(Utf8("h1,h2\n"), new RepeatStream((byte)'x', 100L * 1024 * 1024), Utf8("\nok,1\n"));
        using var reader = new CsvLineReader(stream, StrictEncodings.Utf8, 1024);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal(2, reader.LineNumber);
        Assert.Contains("longer than 1024 bytes", reader.Error, StringComparison.Ordinal);
        Assert.True(reader.Read());
        Assert.Equal(3, reader.LineNumber);
        Assert.Equal("ok", reader[0].ToString());
        Assert.False(reader.Read());
    }

    [Fact]
    public void Read_NulByte_IsLineError()
    {
        var rows = ReadAll([.. Utf8("a,b\n"), 0x31, 0x00, 0x32, (byte)'\n']);
        Assert.Contains("NUL", rows[1].Error, StringComparison.Ordinal);
    }

    /// <summary>A stream of one byte repeated, generated on the fly (no 100 MB buffer in the test either).</summary>
    private sealed class RepeatStream(byte value, long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill(value);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class ConcatStream(params object[] parts) : Stream
    {
        private readonly Queue<Stream> _parts = new(parts.Select(p => p as Stream ?? new MemoryStream((byte[])p)));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_parts.Count > 0)
            {
                var n = _parts.Peek().Read(buffer, offset, count);
                if (n > 0) return n;
                _parts.Dequeue();
            }
            return 0;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

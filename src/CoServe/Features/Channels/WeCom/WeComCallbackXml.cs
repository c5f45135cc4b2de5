using System.Globalization;
using System.Xml;

namespace CoServe.Features.Channels.WeCom;

/// <summary>
/// A decrypted callback message: WeCom sends flat XML with one element per field. Only fields CoServe uses
/// are kept; unknown ones are ignored so new WeCom fields do not break the endpoint.
/// </summary>
public sealed record WeComCallbackMessage(
    string? ToUserName,
    string? FromUserName,
    long CreateTime,
    string MsgType,
    string? Event,
    string? MsgId,
    string? Content,
    string? MediaId,
    string? PicUrl,
    string? Format,
    string? FileName,
    string? Token,
    string? OpenKfId,
    string? ChangeType,
    string? UserId,
    string? ExternalUserId,
    string? State,
    string? WelcomeCode,
    string? Source,
    string? FailReason)
{
    /// <summary>
    /// The de-duplication key. Messages have MsgId; events are keyed by FromUserName+CreateTime as WeCom
    /// advises, plus the fields that tell two events of the same second apart (contact events all come from
    /// "sys", and a kf event carries no FromUserName), so distinct events are never collapsed.
    /// </summary>
    public string DeduplicationKey(string app) => MsgId is { Length: > 0 } id
        ? string.Concat(app, "|m|", id)
        : string.Join('|', app, "e", FromUserName, CreateTime.ToString(CultureInfo.InvariantCulture), Event, ChangeType, UserId, ExternalUserId, OpenKfId, Token);
}

/// <summary>What <see cref="WeComCallbackXml.FindPlainField"/> found.</summary>
internal enum PlainField
{
    Undecided = 0,
    Absent = 1,
    Found = 2,
}

/// <summary>
/// Parses WeCom callback XML with the hardening an internet-facing endpoint needs: no DTD (so no XXE and no
/// entity-expansion bombs), no resolver, a character cap, flat fields only.
/// </summary>
/// <remarks>
/// The callback endpoint reads its bytes with <see cref="ReadFields(ReadOnlySpan{byte}, int)"/>: a reader for the plain
/// shape WeCom sends (<c>&lt;xml&gt;</c> and one element per field, its text plain or in CDATA) that answers only when
/// the document is in that shape and is certainly well-formed, and hands everything else (declarations, DTDs, entities
/// and character references, comments, attributes, nested or mixed content, carriage returns, invalid characters or
/// UTF-8, anything after the root, documents longer than the cap) to the hardened <see cref="XmlReader"/> of
/// <see cref="ReadFields(Stream, int)"/>, which decides them as it always did. So every document is accepted or
/// refused exactly as before, with the same fields, and the common one costs no reader (two readers were about half
/// of what a callback allocated).
/// </remarks>
public static class WeComCallbackXml
{
    private const int MaxFields = 64;

    /// <summary>Names WeCom sends, so the fast reader returns the same string instead of a new one per callback.</summary>
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownNames = new[]
        {
            "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "AgentID", "Encrypt", "Event", "MediaId",
            "PicUrl", "Format", "FileName", "Title", "Token", "OpenKfId", "ChangeType", "UserID", "ExternalUserID", "State",
            "WelcomeCode", "Source", "FailReason", "ThumbMediaId", "Location_X", "Location_Y", "Scale", "Label", "Url",
            "Description", "EventKey", "TimeStamp",
        }.ToDictionary(n => n, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    private static XmlReaderSettings Settings(int maxChars) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxChars,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    /// <summary>The flat fields of a WeCom XML document, or null when it is not well-formed flat WeCom XML.</summary>
    public static Dictionary<string, string>? ReadFields(Stream xml, int maxChars)
    {
        try
        {
            using var reader = XmlReader.Create(xml, Settings(maxChars));
            return ReadFields(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>
    /// The flat fields of a WeCom XML document in UTF-8, or null when it is not well-formed flat WeCom XML; the same
    /// answer as <see cref="ReadFields(Stream, int)"/> for every input (see the remarks on the class).
    /// </summary>
    public static Dictionary<string, string>? ReadFields(ReadOnlySpan<byte> xml, int maxChars)
    {
        if (FlatXml.TryRead(xml, maxChars) is { } fields) return fields;
        using var stream = new MemoryStream(xml.ToArray(), writable: false);
        return ReadFields(stream, maxChars);
    }

    /// <summary>
    /// Where the text of the field <paramref name="name"/> is, as UTF-8 bytes of <paramref name="xml"/>, when the plain
    /// reader takes the document and the text is one run (plain or one CDATA section): <see cref="PlainField.Found"/>;
    /// <see cref="PlainField.Absent"/> when it takes the document and there is no such field (the reader would find none
    /// either); otherwise <see cref="PlainField.Undecided"/>, and <see cref="ReadFields(ReadOnlySpan{byte}, int)"/> must
    /// answer. For the callback envelope, whose one field of use (the ciphertext) need not become a string.
    /// </summary>
    internal static PlainField FindPlainField(ReadOnlySpan<byte> xml, int maxChars, ReadOnlySpan<byte> name, out Range value)
    {
        value = default;
        Span<FlatXml.Field> fields = stackalloc FlatXml.Field[MaxFields];
        var count = FlatXml.Scan(xml, maxChars, fields);
        if (count < 0) return PlainField.Undecided;
        foreach (var f in fields[..count])
        {
            if (!xml.Slice(f.NameStart, f.NameLength).SequenceEqual(name)) continue;
            if (f.Sections > 1) return PlainField.Undecided;
            value = f.ValueStart..(f.ValueStart + f.ValueLength);
            return PlainField.Found;
        }
        return PlainField.Absent;
    }

    /// <summary>The fast reader alone: the fields, or null when it leaves the document to <see cref="XmlReader"/> (for tests).</summary>
    internal static Dictionary<string, string>? ReadPlain(ReadOnlySpan<byte> xml, int maxChars) => FlatXml.TryRead(xml, maxChars);

    private static Dictionary<string, string>? ReadFields(XmlReader reader)
    {
        if (reader.MoveToContent() != XmlNodeType.Element || reader.Name != "xml") return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.IsEmptyElement) return fields;
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            if (reader.NodeType != XmlNodeType.Element || fields.Count >= MaxFields) return null;
            var name = reader.Name;
            // ReadElementContentAsString throws on nested elements: WeCom's fields are flat.
            var value = reader.ReadElementContentAsString();
            if (!fields.TryAdd(name, value)) return null;
        }
        return fields;
    }

    /// <summary>
    /// The fast reader: the fields when the document is in WeCom's plain shape and certainly well-formed, otherwise null
    /// (not "refused": the caller then asks <see cref="XmlReader"/>). Every byte is accounted for: whitespace between
    /// elements, the literal markup, ASCII names, and field text checked for what XML forbids or rewrites.
    /// </summary>
    private ref struct FlatXml(ReadOnlySpan<byte> xml)
    {
        private readonly ReadOnlySpan<byte> _xml = xml;
        private int _at;

        /// <summary>Where a field's name and text are: the text is one run, or CDATA sections back to back (Sections &gt; 1).</summary>
        public record struct Field(int NameStart, int NameLength, int ValueStart, int ValueLength, int Sections);

        public static Dictionary<string, string>? TryRead(ReadOnlySpan<byte> xml, int maxChars)
        {
            Span<Field> fields = stackalloc Field[MaxFields];
            var count = Scan(xml, maxChars, fields);
            if (count < 0) return null;
            var read = new Dictionary<string, string>(Math.Max(count, 1), StringComparer.Ordinal);
            foreach (var f in fields[..count]) read.Add(NameString(xml.Slice(f.NameStart, f.NameLength)), Value(xml, f));
            return read;
        }

        /// <summary>
        /// The fields of a document in the plain shape, into <paramref name="fields"/> (at least <see cref="MaxFields"/>
        /// long), or -1 when it is not certainly in that shape. Nothing is decoded: the text is only checked.
        /// </summary>
        public static int Scan(ReadOnlySpan<byte> xml, int maxChars, Span<Field> fields)
        {
            // A document of at most maxChars bytes has at most maxChars characters (UTF-8), so the reader's cap cannot bite.
            if (xml.Length > maxChars) return -1;
            var r = new FlatXml(xml);
            return r.Read(fields);
        }

        private int Read(Span<Field> fields)
        {
            SkipWhitespace();
            if (!Literal("<xml"u8)) return -1;
            if (Literal("/>"u8)) return AtEnd() ? 0 : -1;
            if (!Literal(">"u8)) return -1;
            var count = 0;
            while (true)
            {
                SkipWhitespace();
                if (Literal("</xml>"u8)) return AtEnd() ? count : -1;
                if (count >= MaxFields || !Literal("<"u8)) return -1;
                var nameStart = _at;
                var name = Name();
                if (name.IsEmpty) return -1;
                Field field;
                if (Literal("/>"u8))
                {
                    field = new Field(nameStart, name.Length, _at, 0, 1);
                }
                else
                {
                    if (!Literal(">"u8) || Content(nameStart, name.Length) is not { } content) return -1;
                    if (!Literal("</"u8) || !Literal(name) || !Literal(">"u8)) return -1;
                    field = content;
                }
                // A repeated field is refused by the reader; let it say so.
                foreach (var seen in fields[..count])
                {
                    if (_xml.Slice(seen.NameStart, seen.NameLength).SequenceEqual(name)) return -1;
                }
                fields[count++] = field;
            }
        }

        /// <summary>The element's text: one plain run, or one or more CDATA sections back to back, or nothing.</summary>
        private Field? Content(int nameStart, int nameLength)
        {
            if (!_xml[_at..].StartsWith("<![CDATA["u8))
            {
                var end = _xml[_at..].IndexOf((byte)'<');
                if (end < 0) return null;
                var text = _xml.Slice(_at, end);
                // Entities and references, and whitespace-only text (which the reader drops), are the reader's to decide.
                if (text.Contains((byte)'&') || text.IndexOf("]]>"u8) >= 0 || (!text.IsEmpty && text.IndexOfAnyExcept(" \t\n"u8) < 0) || !Valid(text)) return null;
                var field = new Field(nameStart, nameLength, _at, end, 1);
                _at += end;
                return field;
            }
            var start = _at + 9;
            var sections = 0;
            var last = start;
            while (Literal("<![CDATA["u8))
            {
                var end = _xml[_at..].IndexOf("]]>"u8);
                if (end < 0 || !Valid(_xml.Slice(_at, end))) return null;
                last = _at + end;
                _at += end + 3;
                sections++;
            }
            return new Field(nameStart, nameLength, start, last - start, sections);
        }

        private static ReadOnlySpan<byte> NonCharacterFffe => [0xEF, 0xBF, 0xBE];

        private static ReadOnlySpan<byte> NonCharacterFfff => [0xEF, 0xBF, 0xBF];

        /// <summary>Whether a run's text is what the reader would give (it would refuse or rewrite it otherwise).</summary>
        private static bool Valid(ReadOnlySpan<byte> run)
        {
            // Control characters are not XML; a carriage return is rewritten by the reader's line-end handling.
            foreach (var b in run)
            {
                if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n') return false;
            }
            // Nor are U+FFFE and U+FFFF (EF BF BE, EF BF BF) or anything that is not UTF-8.
            return System.Text.Unicode.Utf8.IsValid(run) && run.IndexOf(NonCharacterFffe) < 0 && run.IndexOf(NonCharacterFfff) < 0;
        }

        /// <summary>A field's text; CDATA sections back to back are joined (their boundaries are the only "]]&gt;" inside).</summary>
        public static string Value(ReadOnlySpan<byte> xml, Field f)
        {
            var raw = xml.Slice(f.ValueStart, f.ValueLength);
            if (f.Sections <= 1) return System.Text.Encoding.UTF8.GetString(raw);
            var text = new System.Text.StringBuilder(raw.Length);
            while (raw.IndexOf("]]><![CDATA["u8) is var cut and >= 0)
            {
                text.Append(System.Text.Encoding.UTF8.GetString(raw[..cut]));
                raw = raw[(cut + 12)..];
            }
            return text.Append(System.Text.Encoding.UTF8.GetString(raw)).ToString();
        }

        /// <summary>An ASCII XML name without a colon (no namespaces) and not starting with "xml", or empty.</summary>
        private ReadOnlySpan<byte> Name()
        {
            var start = _at;
            while (_at < _xml.Length && (char.IsAsciiLetterOrDigit((char)_xml[_at]) || _xml[_at] is (byte)'_' or (byte)'-' or (byte)'.')) _at++;
            var name = _xml[start.._at];
            if (name.IsEmpty || !(char.IsAsciiLetter((char)name[0]) || name[0] == '_')) return default;
            if (name.Length >= 3 && System.Text.Ascii.EqualsIgnoreCase(name[..3], "xml"u8)) return default;
            return name;
        }

        private static string NameString(ReadOnlySpan<byte> name)
        {
            Span<char> chars = stackalloc char[64];
            if (name.Length > chars.Length) return System.Text.Encoding.ASCII.GetString(name);
            System.Text.Ascii.ToUtf16(name, chars, out var written);
            return KnownNames.TryGetValue(chars[..written], out var known) ? known : new string(chars[..written]);
        }

        private void SkipWhitespace()
        {
            while (_at < _xml.Length && _xml[_at] is (byte)' ' or (byte)'\t' or (byte)'\n') _at++;
        }

        /// <summary>Only whitespace (no carriage return) after the root; anything else is the reader's to judge.</summary>
        private bool AtEnd()
        {
            SkipWhitespace();
            return _at == _xml.Length;
        }

        private bool Literal(ReadOnlySpan<byte> expected)
        {
            if (!_xml[_at..].StartsWith(expected)) return false;
            _at += expected.Length;
            return true;
        }
    }

    public static WeComCallbackMessage? ToMessage(Dictionary<string, string> f)
    {
        var msgType = Get(f, "MsgType");
        if (string.IsNullOrEmpty(msgType)) return null;
        long createTime = 0;
        if (Get(f, "CreateTime") is { } ct && !long.TryParse(ct, NumberStyles.None, CultureInfo.InvariantCulture, out createTime)) return null;
        return new WeComCallbackMessage(
            Get(f, "ToUserName"), Get(f, "FromUserName"), createTime, msgType, Get(f, "Event"), Get(f, "MsgId"),
            Get(f, "Content"), Get(f, "MediaId"), Get(f, "PicUrl"), Get(f, "Format"), Get(f, "FileName") ?? Get(f, "Title"),
            Get(f, "Token"), Get(f, "OpenKfId"), Get(f, "ChangeType"), Get(f, "UserID"), Get(f, "ExternalUserID"),
            Get(f, "State"), Get(f, "WelcomeCode"), Get(f, "Source"), Get(f, "FailReason"));
    }

    private static string? Get(Dictionary<string, string> f, string name) => f.TryGetValue(name, out var v) ? v : null;

    /// <summary>Writes a flat WeCom XML document (CDATA for text) — used for encrypted envelopes and by the simulator.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var sb = new System.Text.StringBuilder("<xml>");
        foreach (var (name, value) in fields)
        {
            sb.Append('<').Append(name).Append('>');
            if (value.Length > 0 && value.All(char.IsAsciiDigit))
            {
                sb.Append(value);
            }
            else
            {
                // "]]>" cannot appear inside CDATA: split it across two sections.
                sb.Append("<![CDATA[").Append(value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)).Append("]]>");
            }
            sb.Append("</").Append(name).Append('>');
        }
        return sb.Append("</xml>").ToString();
    }
}

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

        public static Dictionary<string, string>? TryRead(ReadOnlySpan<byte> xml, int maxChars)
        {
            // A document of at most maxChars bytes has at most maxChars characters (UTF-8), so the reader's cap cannot bite.
            if (xml.Length > maxChars) return null;
            var r = new FlatXml(xml);
            return r.Read();
        }

        private Dictionary<string, string>? Read()
        {
            SkipWhitespace();
            if (!Literal("<xml"u8)) return null;
            if (Literal("/>"u8)) return AtEnd() ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
            if (!Literal(">"u8)) return null;
            var fields = new Dictionary<string, string>(8, StringComparer.Ordinal);
            while (true)
            {
                SkipWhitespace();
                if (Literal("</xml>"u8)) return AtEnd() ? fields : null;
                if (fields.Count >= MaxFields || !Literal("<"u8)) return null;
                var name = Name();
                if (name.IsEmpty) return null;
                string? value;
                if (Literal("/>"u8))
                {
                    value = "";
                }
                else
                {
                    if (!Literal(">"u8)) return null;
                    value = Content();
                    if (value is null || !Literal("</"u8) || !Literal(name) || !Literal(">"u8)) return null;
                }
                // A repeated field is refused by the reader; let it say so.
                if (!fields.TryAdd(NameString(name), value)) return null;
            }
        }

        /// <summary>The element's text: one plain run, or one or more CDATA sections back to back, or nothing.</summary>
        private string? Content()
        {
            if (!_xml[_at..].StartsWith("<![CDATA["u8))
            {
                var end = _xml[_at..].IndexOf((byte)'<');
                if (end < 0) return null;
                var text = _xml.Slice(_at, end);
                // Entities and references, and whitespace-only text (which the reader drops), are the reader's to decide.
                if (text.Contains((byte)'&') || text.IndexOf("]]>"u8) >= 0 || (!text.IsEmpty && text.IndexOfAnyExcept(" \t\n"u8) < 0)) return null;
                _at += end;
                return Text(text);
            }
            string? value = null;
            while (Literal("<![CDATA["u8))
            {
                var end = _xml[_at..].IndexOf("]]>"u8);
                if (end < 0) return null;
                var section = Text(_xml.Slice(_at, end));
                if (section is null) return null;
                value = value is null ? section : string.Concat(value, section);
                _at += end + 3;
            }
            return value;
        }

        /// <summary>The text of a run as the reader would give it, or null when the reader must judge it.</summary>
        private static string? Text(ReadOnlySpan<byte> run)
        {
            // Control characters are not XML; a carriage return is rewritten by the reader's line-end handling.
            foreach (var b in run)
            {
                if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n') return null;
            }
            if (!System.Text.Unicode.Utf8.IsValid(run)) return null;
            var text = System.Text.Encoding.UTF8.GetString(run);
            // U+FFFE and U+FFFF are not XML characters either.
            return text.AsSpan().IndexOfAnyInRange('\uFFFE', '\uFFFF') >= 0 ? null : text;
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

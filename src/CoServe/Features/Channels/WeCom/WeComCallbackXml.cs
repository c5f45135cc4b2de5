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
public static class WeComCallbackXml
{
    private const int MaxFields = 64;

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

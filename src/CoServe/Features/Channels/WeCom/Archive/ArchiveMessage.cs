using System.Text.Json;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// One decrypted archive message in WeCom's documented format: msgid, action (send / recall / switch), from,
/// tolist, roomid (empty for a one-to-one chat), msgtime (Unix milliseconds), msgtype and a part named after it
/// (text.content; revoke.pre_msgid for a recall). A switch record (a member changed devices) has no msgtype.
/// </summary>
public sealed record ArchiveMessage(
    string MsgId, string Action, string? From, IReadOnlyList<string> ToList, string? RoomId, DateTimeOffset? At, string? MsgType, string? Text, string? RecalledMsgId)
{
    public bool IsSwitch => Action == "switch";
    public bool IsRecall => Action == "recall";

    /// <summary>The message, or null with the reason when the plaintext is not a message of the documented shape.</summary>
    public static ArchiveMessage? Parse(string json, out string? problem)
    {
        problem = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail("not a JSON object", out problem);
            var msgId = Str(root, "msgid");
            var action = Str(root, "action");
            if (string.IsNullOrEmpty(msgId) || action is not ("send" or "recall" or "switch")) return Fail("msgid or action missing or unknown", out problem);
            if (action == "switch") return new ArchiveMessage(msgId, action, Str(root, "user"), [], null, Millis(root, "time"), null, null, null);
            var from = Str(root, "from");
            var msgType = Str(root, "msgtype");
            var at = Millis(root, "msgtime");
            if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(msgType) || at is null) return Fail("from, msgtype or msgtime missing", out problem);
            if (!root.TryGetProperty("tolist", out var to) || to.ValueKind != JsonValueKind.Array) return Fail("tolist missing", out problem);
            var toList = to.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
            var part = root.TryGetProperty(msgType, out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            string? text = null;
            string? recalled = null;
            if (msgType == "text")
            {
                text = Str(part, "content");
                if (text is null) return Fail("text message without text.content", out problem);
            }
            if (action == "recall") recalled = Str(part, "pre_msgid");
            return new ArchiveMessage(msgId, action, from, toList, Str(root, "roomid"), at, msgType, text, recalled);
        }
        catch (JsonException)
        {
            return Fail("malformed JSON", out problem);
        }
    }

    private static ArchiveMessage? Fail(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Millis(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ms) && ms > 0
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
}

using System.Globalization;

namespace CoServe.Features.Channels.WeCom;

/// <summary>Maps WeCom messages (kf/sync_msg items and app callbacks) to the core's inbound client messages.</summary>
public static class WeComInbound
{
    public const string Channel = WeComOutboundChannel.Name;

    /// <summary>A customer's kf message, or null for servicer messages and system events (not the client speaking).</summary>
    public static InboundClientMessage? FromKf(KfMessage m)
    {
        if (m.Origin != KfMessage.OriginCustomer || string.IsNullOrEmpty(m.ExternalUserid) || string.IsNullOrEmpty(m.Msgid)) return null;
        var text = "";
        List<InboundAttachment> attachments = [];
        switch (m.Msgtype)
        {
            case "text":
                text = m.Text?.Content ?? "";
                break;
            case "image":
                attachments.Add(new InboundAttachment("image", m.Image?.MediaId, null, null, null));
                break;
            case "voice":
                // voice_format 0 in sync_msg: WeCom returns AMR.
                attachments.Add(new InboundAttachment("voice", m.Voice?.MediaId, null, null, "amr"));
                break;
            case "video":
                attachments.Add(new InboundAttachment("video", m.Video?.MediaId, null, null, null));
                break;
            case "file":
                attachments.Add(new InboundAttachment("file", m.File?.MediaId, null, null, null));
                break;
            case "location":
                text = string.Join(' ', new[] { m.Location?.Name, m.Location?.Address }.Where(s => !string.IsNullOrEmpty(s)));
                attachments.Add(new InboundAttachment("location", null, null, null,
                    m.Location is { } l ? string.Create(CultureInfo.InvariantCulture, $"{l.Latitude},{l.Longitude}") : null));
                break;
            case "link":
                text = string.Join(' ', new[] { m.Link?.Title, m.Link?.Url }.Where(s => !string.IsNullOrEmpty(s)));
                break;
            case "event":
                return null;
            default:
                // Cards, mini programs, channels...: the core still sees that the client wrote something.
                attachments.Add(new InboundAttachment(m.Msgtype, null, null, null, null));
                break;
        }
        return new InboundClientMessage(Channel, ClientReferenceKind.WeComExternalUserId, m.ExternalUserid, text, m.Msgid,
            DateTimeOffset.FromUnixTimeSeconds(m.SendTime), attachments);
    }

    /// <summary>An app message callback with a MsgId, or null for types CoServe does not take in.</summary>
    public static InboundClientMessage? FromAppCallback(WeComCallbackMessage m)
    {
        if (string.IsNullOrEmpty(m.MsgId) || string.IsNullOrEmpty(m.FromUserName)) return null;
        string text;
        IReadOnlyList<InboundAttachment> attachments;
        switch (m.MsgType)
        {
            case "text":
                text = m.Content ?? "";
                attachments = [];
                break;
            case "image":
                text = "";
                attachments = [new InboundAttachment("image", m.MediaId, null, null, null)];
                break;
            case "voice":
                text = "";
                attachments = [new InboundAttachment("voice", m.MediaId, null, null, m.Format)];
                break;
            case "file":
                text = "";
                attachments = [new InboundAttachment("file", m.MediaId, m.FileName, null, null)];
                break;
            default:
                return null;
        }
        return new InboundClientMessage(Channel, ClientReferenceKind.WeComExternalUserId, m.FromUserName, text, m.MsgId,
            DateTimeOffset.FromUnixTimeSeconds(m.CreateTime), attachments);
    }

    public static WeComContactChange? FromContactEvent(string app, WeComCallbackMessage m)
    {
        if (m.Event != "change_external_contact" || string.IsNullOrEmpty(m.UserId)) return null;
        var at = DateTimeOffset.FromUnixTimeSeconds(m.CreateTime);
        return m.ChangeType switch
        {
            "add_external_contact" => new ExternalContactAdded(app, m.UserId, m.ExternalUserId, at, m.State, m.WelcomeCode),
            "del_external_contact" => new ExternalContactDeleted(app, m.UserId, m.ExternalUserId, at, m.Source),
            "edit_external_contact" => new ExternalContactEdited(app, m.UserId, m.ExternalUserId, at),
            "transfer_fail" => new ExternalContactTransferFailed(app, m.UserId, m.ExternalUserId, at, m.FailReason),
            _ => null,
        };
    }
}

using System.Globalization;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Handoffs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Notifications;

public enum WeComStaffMessageType
{
    /// <summary>A card with a title, a two-line description and a button to the console (default).</summary>
    TextCard = 1,
    /// <summary>Plain text with the console link at the end.</summary>
    Text = 2,
}

/// <summary>Handoff and SLA notifications to staff as WeCom application messages (off by default).</summary>
public sealed class WeComStaffNotificationOptions
{
    public const string Section = "Notifications:WeCom";

    /// <summary>Send notifications of <see cref="Kinds"/> to the staff member's WeCom user id. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The WeCom app (WeCom:Apps:{App}) whose secret and AgentId send the messages. Default "main".</summary>
    public string App { get; set; } = "main";

    /// <summary>The console's public address; the message links to {ConsoleBaseUrl}{link}. Required when enabled.</summary>
    public string ConsoleBaseUrl { get; set; } = "";

    public WeComStaffMessageType MessageType { get; set; } = WeComStaffMessageType.TextCard;

    /// <summary>Which notifications go out over WeCom. Default: handoffs (assigned, team queue) and SLA reminders and escalations.</summary>
    public List<NotificationKind> Kinds { get; set; } = [];

    public IReadOnlyCollection<NotificationKind> EffectiveKinds => Kinds.Count > 0
        ? Kinds
        : [NotificationKind.HandoffAssigned, NotificationKind.HandoffInQueue, NotificationKind.SlaReminder, NotificationKind.SlaEscalation];
}

internal sealed class WeComStaffNotificationOptionsValidator(IOptions<WeComOptions> wecom) : IValidateOptions<WeComStaffNotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComStaffNotificationOptions o)
    {
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var errors = new List<string>();
        if (!wecom.Value.Apps.TryGetValue(o.App, out var app))
        {
            errors.Add($"{WeComStaffNotificationOptions.Section}:App: WeCom:Apps:{o.App} is not configured");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(app.Secret)) errors.Add($"{WeComStaffNotificationOptions.Section}: WeCom:Apps:{o.App}:Secret is needed to send app messages");
            if (!int.TryParse(app.AgentId, NumberStyles.None, CultureInfo.InvariantCulture, out _)) errors.Add($"{WeComStaffNotificationOptions.Section}: WeCom:Apps:{o.App}:AgentId must be the app's numeric agent id");
        }
        if (!Uri.TryCreate(o.ConsoleBaseUrl, UriKind.Absolute, out var console) || console.Scheme is not ("https" or "http"))
        {
            errors.Add($"{WeComStaffNotificationOptions.Section}:ConsoleBaseUrl must be the console's absolute http(s) address");
        }
        if (!Enum.IsDefined(o.MessageType)) errors.Add($"{WeComStaffNotificationOptions.Section}:MessageType must be TextCard or Text");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// A staff notification as a WeCom application message (message/send) to the staff member's WeCom user id.
/// The text is composed here from the ticket, not copied from the notification: the kind, the handoff reason,
/// the client number and the deadline, never a client's name or message text. WeCom's duplicate check (same
/// content to the same user within 30 minutes) makes a retry after a lost answer harmless.
/// </summary>
public sealed class WeComStaffNotificationChannel(
    CoServeDb db,
    WeComApiClient wecom,
    IOptions<WeComOptions> wecomOptions,
    IOptions<WeComStaffNotificationOptions> options) : IStaffNotificationChannel
{
    public const string ChannelName = "wecom-app";

    /// <summary>WeCom: "user &amp; party &amp; tag all invalid".</summary>
    private const int AllRecipientsInvalid = 81013;

    public string Name => ChannelName;

    public bool Accepts(NotificationKind kind) => options.Value.Enabled && options.Value.EffectiveKinds.Contains(kind);

    public async Task<DeliveryResult> SendAsync(StaffNotification notification, CancellationToken ct)
    {
        var o = options.Value;
        var userId = await db.Staff.AsNoTracking().Where(s => s.Id == notification.StaffId).Select(s => s.WeComUserId).SingleOrDefaultAsync(ct);
        if (string.IsNullOrWhiteSpace(userId)) return new DeliveryResult(DeliveryStatus.Failed, null, "the staff member has no WeCom user id", null);
        var message = await ComposeAsync(notification, ct);
        var url = o.ConsoleBaseUrl.TrimEnd('/') + (notification.Link ?? "/");
        var request = new AppMessageRequest
        {
            Touser = userId,
            Agentid = int.Parse(wecomOptions.Value.Apps[o.App].AgentId!, CultureInfo.InvariantCulture),
            EnableDuplicateCheck = 1,
            DuplicateCheckInterval = 1800,
        };
        if (o.MessageType == WeComStaffMessageType.TextCard)
        {
            request.Msgtype = "textcard";
            request.Textcard = new AppTextCard
            {
                Title = message.Title,
                Description = string.Join("", message.Lines.Select(l => $"<div class=\"normal\">{System.Net.WebUtility.HtmlEncode(l)}</div>")),
                Url = url,
                Btntxt = "去处理",
            };
        }
        else
        {
            request.Text = new AppText { Content = $"{message.Title}\n{string.Join("\n", message.Lines)}\n<a href=\"{url}\">打开工作台</a>" };
        }
        var reply = await wecom.AppMessageSendAsync(o.App, request, ct);
        if (reply.IsOk)
        {
            return reply.Value!.Invaliduser is { Length: > 0 } invalid && invalid.Split('|').Contains(userId, StringComparer.Ordinal)
                ? new DeliveryResult(DeliveryStatus.Failed, null, "WeCom does not know the staff member's user id", null)
                : new DeliveryResult(DeliveryStatus.Delivered, reply.Value!.Msgid, null, null);
        }
        var error = reply.ErrCode == AllRecipientsInvalid
            ? $"WeCom does not know the staff member's user id (errcode {reply.ErrCode})"
            : $"WeCom message/send: {reply.Status} (errcode {reply.ErrCode})";
        return reply.Status == WeComCallStatus.RetryLater
            ? new DeliveryResult(DeliveryStatus.RetryLater, null, error, reply.RetryAfter)
            : new DeliveryResult(DeliveryStatus.Failed, null, error, null);
    }

    private sealed record Composed(string Title, IReadOnlyList<string> Lines);

    private async Task<Composed> ComposeAsync(StaffNotification n, CancellationToken ct)
    {
        var clientNo = n.ClientId is { } clientId
            ? await db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.ClientNo).SingleOrDefaultAsync(ct)
            : null;
        var ticket = n.TicketId is { } ticketId
            ? await db.Tickets.AsNoTracking().Where(t => t.Id == ticketId).Select(t => new { t.Reason, t.FirstResponseDueAt, t.EscalationLevel }).SingleOrDefaultAsync(ct)
            : null;
        var title = n.Kind switch
        {
            NotificationKind.HandoffAssigned => "新的转人工",
            NotificationKind.HandoffInQueue => "团队队列有待接的转人工",
            NotificationKind.SlaReminder => "转人工即将超时",
            NotificationKind.SlaEscalation => ticket is null ? "转人工已超时" : $"转人工已超时（第{ticket.EscalationLevel}级升级）",
            NotificationKind.ClientMessage => "客户发来新消息",
            NotificationKind.ConversationTransferred => "会话转给了您",
            NotificationKind.Mention => "备注中提到了您",
            _ => "待办提醒",
        };
        var lines = new List<string>();
        if (ticket is not null) lines.Add("原因：" + OpenHandoff.ReasonLabel(ticket.Reason));
        if (clientNo is not null) lines.Add("客户号：" + clientNo);
        if (ticket is not null) lines.Add("首次响应时限：" + Platform.Time.BusinessTime.ToLocal(ticket.FirstResponseDueAt).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture));
        return new Composed(title, lines);
    }
}

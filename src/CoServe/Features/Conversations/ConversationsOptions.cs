using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

public sealed class ConversationsOptions
{
    public const string Section = "Conversations";

    /// <summary>Longest message a client or staff member may send, in characters.</summary>
    public int MaxMessageLength { get; set; } = 2000;

    /// <summary>Earlier messages of the conversation given to the service officer for context.</summary>
    public int HistoryTurns { get; set; } = 10;

    /// <summary>Upper bound for "keep with me for N hours" when closing.</summary>
    public int MaxKeepWithMeHours { get; set; } = 72;

    /// <summary>
    /// The one message the AI may still send on handoff when the service officer wrote none; {0} is the expected wait
    /// from the ticket's deadline ("预计等待15分钟", or "人工客服将在明天08:45前回复您" outside service hours).
    /// </summary>
    public string HoldingMessage { get; set; } = "已为您转接人工，{0}，请稍候。";

    /// <summary>Shown to the client when a staff member takes over; {0} is the staff member's display name.</summary>
    public string TakeoverNotice { get; set; } = "{0}已接入，为您服务。";

    /// <summary>Shown to the client when the conversation returns to the service officer.</summary>
    public string HandBackNotice { get; set; } = "服务官继续为您服务。";
}

internal sealed class ConversationsOptionsValidator : IValidateOptions<ConversationsOptions>
{
    public ValidateOptionsResult Validate(string? name, ConversationsOptions o)
    {
        var errors = new List<string>();
        if (o.MaxMessageLength is < 10 or > 100_000) errors.Add("Conversations:MaxMessageLength must be 10..100000");
        if (o.HistoryTurns is < 0 or > 100) errors.Add("Conversations:HistoryTurns must be 0..100");
        if (o.MaxKeepWithMeHours is < 0 or > 24 * 30) errors.Add("Conversations:MaxKeepWithMeHours must be 0..720");
        if (!o.HoldingMessage.Contains("{0}", StringComparison.Ordinal)) errors.Add("Conversations:HoldingMessage must contain {0} (the expected wait)");
        if (!o.TakeoverNotice.Contains("{0}", StringComparison.Ordinal)) errors.Add("Conversations:TakeoverNotice must contain {0} (staff name)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using CoServe.Platform.Localization;
using Microsoft.Extensions.Localization;

namespace CoServe.Features.Outreach.Pages;

/// <summary>How outreach values read in the console (Simplified Chinese by default, from the UI resources).</summary>
public static class OutreachText
{
    public static string Kind(IStringLocalizer<Ui> l, ContentKind kind) => l[$"Outreach.Kind.{kind}"];

    public static string Status(IStringLocalizer<Ui> l, ContentStatus status) => l[$"Outreach.ContentStatus.{status}"];

    public static string Campaign(IStringLocalizer<Ui> l, CampaignStatus status) => l[$"Outreach.CampaignStatus.{status}"];

    public static string Recipient(IStringLocalizer<Ui> l, RecipientStatus status) => l[$"Outreach.RecipientStatus.{status}"];

    public static string Verdict(IStringLocalizer<Ui> l, GateVerdict verdict) => l[$"Outreach.Verdict.{verdict}"];

    public static string Purpose(IStringLocalizer<Ui> l, OutboundPurpose purpose) => l[$"Outreach.Purpose.{purpose}"];

    public static string Channel(IStringLocalizer<Ui> l, string channel) => channel switch
    {
        OutreachChannels.WebChat => l["Outreach.Channel.webchat"],
        OutreachChannels.WeCom => l["Outreach.Channel.wecom"],
        OutreachChannels.WeComGroup => l["Outreach.Channel.wecom-group"],
        OutreachChannels.AllChannels => l["Outreach.Channel.all"],
        _ => channel,
    };

    /// <summary>A gate rule's name; unknown names (a rule added later) show as they are.</summary>
    public static string Rule(IStringLocalizer<Ui> l, string? rule)
    {
        if (rule is null) return "";
        var s = l[$"Outreach.Rule.{rule}"];
        return s.ResourceNotFound ? rule : s.Value;
    }

    public static string OptOuts(IStringLocalizer<Ui> l, OptOutPurposes purposes) =>
        string.Join("、", new[] { OptOutPurposes.ServiceNotice, OptOutPurposes.Marketing, OptOutPurposes.Research }
            .Where(p => (purposes & p) != 0).Select(p => l[$"Outreach.OptOut.{p}"].Value));

    /// <summary>Messages of a use case (argument, role or state refusals) without the parameter suffix.</summary>
    public static string Problem(Exception ex) => ex.Message.Split(" (Parameter", 2)[0];

    /// <summary>Comma- or 、-separated input as a list.</summary>
    public static List<string> List(string? text) =>
        [.. (text ?? "").Split([',', '，', '、', ' ', ';', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

using CoServe.Platform.Localization;
using Microsoft.Extensions.Localization;

namespace CoServe.Features.Duties.Pages;

/// <summary>How duty lines read in the console (Simplified Chinese by default, from the UI resources).</summary>
public static class DutyText
{
    public static string Kind(IStringLocalizer<Ui> l, DutyKind kind) => l[$"Duty.Kind.{kind}"];

    public static string Status(IStringLocalizer<Ui> l, string status) => l[$"Duty.Status.{status}"];

    public static string Detail(IStringLocalizer<Ui> l, DutyItem i) => i.Kind switch
    {
        DutyKind.Ticket => l[$"Reason.{i.Detail}"],
        DutyKind.CommissionRequest => i.Detail is null ? "" : string.Format(System.Globalization.CultureInfo.CurrentCulture, l["Duty.AwaitingRole"], l[$"Role.{i.Detail}"]),
        DutyKind.Complaint => i.Detail ?? "",
        DutyKind.AmlTask => i.Detail is null ? l["Duty.AmlHidden"] : l[$"Duty.AmlTask.{i.Detail}"],
        DutyKind.AmlCase => l[$"Duty.AmlRule.{i.Detail}"],
        DutyKind.AmlReport => l[$"Duty.Category.{i.Detail}"],
        DutyKind.Callback => l[$"Duty.Callback.{i.Detail}"],
    };
}

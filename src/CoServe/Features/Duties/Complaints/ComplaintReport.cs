using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace CoServe.Features.Duties.Complaints;

/// <summary>
/// The annual complaints report for the regulator (Excel): one row per complaint received in the year, and the
/// totals (by source, outcome, on-time acknowledgement and resolution, satisfaction). No names, no complaint text:
/// the report identifies complaints by number and client number only.
/// </summary>
public sealed class ComplaintReport(CoServeDb db, StaffDirectory directory)
{
    public async Task<byte[]> BuildAsync(CurrentStaff staff, int year, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Compliance or StaffRole.Admin)) throw new UnauthorizedAccessException("only Compliance exports the complaints report");
        if (year is < 2000 or > 2100) throw new ArgumentException("year must be 2000..2100", nameof(year));
        var from = BusinessTime.StartOfDay(new DateOnly(year, 1, 1));
        var to = BusinessTime.StartOfDay(new DateOnly(year + 1, 1, 1));
        var rows = await db.Set<Complaint>().AsNoTracking()
            .Where(c => c.ReceivedAt >= from && c.ReceivedAt < to)
            .Join(db.Clients, c => c.ClientId, x => x.Id, (c, x) => new { Complaint = c, x.ClientNo, x.BranchId })
            .ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        var detail = rows.OrderBy(r => r.Complaint.ReceivedAt).ThenBy(r => r.Complaint.Id).Select(r =>
        {
            var c = r.Complaint;
            return new Dictionary<string, object?>
            {
                ["投诉编号"] = c.Number,
                ["来源"] = SourceLabel(c.Source),
                ["外部编号"] = c.SourceRef ?? "",
                ["客户号"] = r.ClientNo,
                ["营业部"] = r.BranchId is { } b ? names.BranchName(b) : "",
                ["类别"] = c.Category ?? "",
                ["接收时间"] = Display.Instant(c.ReceivedAt),
                ["确认时间"] = c.AcknowledgedAt is { } a ? Display.Instant(a) : "",
                ["按期确认"] = c.AcknowledgedAt is { } a2 ? (a2 <= c.AcknowledgeDueAt ? "是" : "否") : "",
                ["办结时间"] = c.ResolvedAt is { } z ? Display.Instant(z) : "",
                ["按期办结"] = c.ResolvedAt is { } z2 ? (z2 <= c.ResolveDueAt ? "是" : "否") : "",
                ["处理结果"] = c.Outcome is { } o ? OutcomeLabel(o) : "",
                ["满意度"] = c.Satisfaction is { } s ? SatisfactionLabel(s) : "",
                ["状态"] = StatusLabel(c.Status),
                ["首问责任人"] = names.StaffName(c.FirstHandlerStaffId),
                ["升级次数"] = c.EscalationLevel,
            };
        }).ToList();
        var complaints = rows.Select(r => r.Complaint).ToList();
        var resolved = complaints.Where(c => c.ResolvedAt is not null).ToList();
        var acknowledged = complaints.Where(c => c.AcknowledgedAt is not null).ToList();
        var called = complaints.Where(c => c.Satisfaction is not null and not Satisfaction.Unreachable).ToList();
        var summary = new List<Dictionary<string, object?>>
        {
            Line("年度", year),
            Line("投诉总数", complaints.Count),
        };
        foreach (var source in Enum.GetValues<ComplaintSource>()) summary.Add(Line("来源：" + SourceLabel(source), complaints.Count(c => c.Source == source)));
        summary.Add(Line("已办结", resolved.Count));
        summary.Add(Line("未办结", complaints.Count - resolved.Count));
        foreach (var outcome in Enum.GetValues<ComplaintOutcome>()) summary.Add(Line("结果：" + OutcomeLabel(outcome), resolved.Count(c => c.Outcome == outcome)));
        summary.Add(Line("按期确认率", Display.Percent(acknowledged.Count(c => c.AcknowledgedAt <= c.AcknowledgeDueAt), acknowledged.Count)));
        summary.Add(Line("按期办结率", Display.Percent(resolved.Count(c => c.ResolvedAt <= c.ResolveDueAt), resolved.Count)));
        summary.Add(Line("回访满意率", Display.Percent(called.Count(c => c.Satisfaction == Satisfaction.Satisfied), called.Count)));
        var sheets = new Dictionary<string, object>
        {
            ["汇总"] = summary,
            ["投诉明细"] = detail.Count > 0 ? detail : [Empty()],
        };
        using var stream = new MemoryStream();
        await stream.SaveAsAsync(sheets, cancellationToken: ct);
        return stream.ToArray();
    }

    private static Dictionary<string, object?> Line(string name, object value) => new() { ["指标"] = name, ["数值"] = value };

    private static Dictionary<string, object?> Empty() => new() { ["投诉编号"] = "（本年度无投诉）" };

    public static string SourceLabel(ComplaintSource s) => s switch
    {
        ComplaintSource.ServiceOfficer => "服务官转人工",
        ComplaintSource.Staff => "员工登记",
        ComplaintSource.Regulator12386 => "12386平台转办",
    };

    public static string OutcomeLabel(ComplaintOutcome o) => o switch
    {
        ComplaintOutcome.Upheld => "诉求成立",
        ComplaintOutcome.PartlyUpheld => "部分成立",
        ComplaintOutcome.NotUpheld => "诉求不成立",
        ComplaintOutcome.Withdrawn => "客户撤诉",
    };

    public static string SatisfactionLabel(Satisfaction s) => s switch
    {
        Satisfaction.Satisfied => "满意",
        Satisfaction.Neutral => "一般",
        Satisfaction.Dissatisfied => "不满意",
        Satisfaction.Unreachable => "未联系上",
    };

    public static string StatusLabel(ComplaintStatus s) => s switch
    {
        ComplaintStatus.Registered => "待确认",
        ComplaintStatus.Acknowledged => "处理中",
        ComplaintStatus.Resolved => "已办结",
        ComplaintStatus.Closed => "已回访",
    };
}

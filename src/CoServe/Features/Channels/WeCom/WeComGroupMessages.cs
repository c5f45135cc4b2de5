using System.Globalization;
using CoServe.Platform.Time;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

public enum GroupMessageStatus
{
    /// <summary>The task was created; the sending member still has to confirm it in WeCom.</summary>
    Created = 1,
    /// <summary>Every customer was over the cap: nothing was sent to WeCom.</summary>
    NothingToSend = 2,
    RetryLater = 3,
    Failed = 4,
}

public sealed record GroupMessageOutcome(
    GroupMessageStatus Status,
    string? MsgId,
    IReadOnlyList<string> Included,
    IReadOnlyList<string> OverCap,
    IReadOnlyList<string> RejectedByWeCom,
    int ErrCode);

/// <summary>
/// Group messages (add_msg_template): a task the member confirms. The per-customer cap (days-in-month per
/// month, 7 per week or 1 per day, as the admin set it) is checked before calling so customers over it are
/// named instead of silently dropped by WeCom.
/// </summary>
public sealed class WeComGroupMessages(WeComApiClient api, IWeComGroupMessageLedger ledger, IOptions<WeComOptions> options, TimeProvider clock)
{
    public const int MaxCustomersPerTask = 10_000;

    public async Task<GroupMessageOutcome> CreateAsync(string app, string senderUserId, IReadOnlyList<string> externalUserIds, string text, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(senderUserId);
        ArgumentException.ThrowIfNullOrEmpty(text);
        var distinct = externalUserIds.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count is 0 or > MaxCustomersPerTask)
        {
            throw new ArgumentException($"a group message goes to 1-{MaxCustomersPerTask} customers", nameof(externalUserIds));
        }
        var (periodKey, cap) = Period(options.Value.GroupMessageCap, BusinessTime.DateOf(clock.GetUtcNow()));
        var included = new List<string>();
        var overCap = new List<string>();
        foreach (var id in distinct)
        {
            if (await ledger.TryReserveAsync(id, periodKey, cap, ct)) included.Add(id);
            else overCap.Add(id);
        }
        if (included.Count == 0) return new GroupMessageOutcome(GroupMessageStatus.NothingToSend, null, [], overCap, [], 0);

        var reply = await api.AddMsgTemplateRawAsync(app, new AddMsgTemplateRequest
        {
            ExternalUserid = included,
            Sender = senderUserId,
            Text = new MsgTemplateText { Content = text },
        }, ct);
        if (!reply.IsOk)
        {
            foreach (var id in included) await ledger.ReleaseAsync(id, periodKey, ct);
            var status = reply.Status == WeComCallStatus.RetryLater ? GroupMessageStatus.RetryLater : GroupMessageStatus.Failed;
            return new GroupMessageOutcome(status, null, [], overCap, [], reply.ErrCode);
        }
        var failed = reply.Value!.FailList.ToHashSet(StringComparer.Ordinal);
        foreach (var id in failed) await ledger.ReleaseAsync(id, periodKey, ct);
        return new GroupMessageOutcome(GroupMessageStatus.Created, reply.Value.Msgid,
            [.. included.Where(id => !failed.Contains(id))], overCap, [.. failed], 0);
    }

    /// <summary>The cap period containing a Shanghai business date, and the cap in it.</summary>
    public static (string Key, int Cap) Period(GroupMessageCapMode mode, DateOnly day) => mode switch
    {
        GroupMessageCapMode.DaysInMonthPerMonth => (day.ToString("yyyy-MM", CultureInfo.InvariantCulture), DateTime.DaysInMonth(day.Year, day.Month)),
        GroupMessageCapMode.SevenPerWeek => (string.Create(CultureInfo.InvariantCulture,
            $"{ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue)):00}"), 7),
        GroupMessageCapMode.OnePerDay => (day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), 1),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown group message cap"),
    };
}

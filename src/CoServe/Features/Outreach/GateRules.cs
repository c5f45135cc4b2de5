using System.Globalization;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Clients;
using CoServe.Platform.Time;

namespace CoServe.Features.Outreach;

/// <summary>Product risk level (产品风险等级): Cn clients may receive R1..Rn.</summary>
public enum ProductRisk
{
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
}

/// <summary>What a client opted out of on one channel (退订), beyond the consents they gave.</summary>
[Flags]
public enum OptOutPurposes
{
    None = 0,
    ServiceNotice = 1,
    Marketing = 2,
    Research = 4,
}

/// <summary>The gate's checks, by the names recorded with each decision.</summary>
public static class GateRule
{
    public const string UnknownClient = "UnknownClient";
    public const string Consent = "Consent";
    public const string OptOut = "OptOut";
    public const string Personalised = "Personalised";
    public const string Suitability = "Suitability";
    public const string SuitabilityExpired = "SuitabilityExpired";
    public const string LowestCategory = "LowestCategory";
    public const string OpenComplaint = "OpenComplaint";
    public const string Cap = "Cap";
    public const string WeComGroupCap = "WeComGroupCap";
    public const string Duplicate = "Duplicate";
    public const string QuietHours = "QuietHours";
}

/// <summary>What the gate knows about one client when it decides: loaded per message, or in bulk for a campaign.</summary>
public readonly record struct ClientGateFacts(
    bool Known,
    SuitabilityLevel? Level,
    DateOnly? AssessedOn,
    bool Professional,
    bool MarketingConsent,
    bool ServiceConsent,
    bool? PersonalisedConsent,
    OptOutPurposes OptedOut,
    bool OpenComplaint,
    int WeComGroupCount);

/// <summary>Sends already counted for the client in the current day, week and month of the message's category.</summary>
public readonly record struct CapCounts(int Day, int Week, int Month)
{
    public int For(CapPeriod p) => p switch
    {
        CapPeriod.Day => Day,
        CapPeriod.Week => Week,
        CapPeriod.Month => Month,
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, null),
    };
}

/// <summary>One message the client received recently, as kept in the send ledger.</summary>
public sealed record RecentSend(OutboundSender Sender, int? StaffId, DateTimeOffset At, string? Title, long Fingerprint, long NumbersHash, int Shingles, byte[]? Sketch);

/// <summary>The earlier message a new one repeats.</summary>
public sealed record PreviousSend(OutboundSender Sender, int? StaffId, DateTimeOffset At, string? Title, TextSimilarity Similarity);

public readonly record struct GateOutcome(GateVerdict Verdict, string? Rule, string? Explanation, DateTimeOffset? DeferUntil, bool Passes)
{
    public GateDecision ToDecision() => Verdict == GateVerdict.Allow ? GateDecision.Allow : new GateDecision(Verdict, Rule, Explanation, DeferUntil);
}

/// <summary>
/// The gate's rules as one pure function of the candidate, what is known about the client, the closest
/// earlier message and the cap counts: no I/O, so a decision takes microseconds and a campaign can decide
/// for a million clients from facts loaded in bulk. Every rule that holds a message back says why, in words a
/// servicer can repeat to the client.
/// </summary>
public sealed class GateRules(GateOptions options, int suitabilityValidityMonths, GroupMessageCapMode weComCap)
{
    public GateOptions Options { get; } = options;

    public static OutboundCategory? CategoryOf(OutboundPurpose purpose) => purpose switch
    {
        OutboundPurpose.ConversationReply => null,
        OutboundPurpose.ServiceNotice => OutboundCategory.ServiceNotice,
        OutboundPurpose.Marketing => OutboundCategory.Marketing,
        OutboundPurpose.Research => OutboundCategory.Research,
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, null),
    };

    public static ProductRisk? ParseRisk(string? level) =>
        Enum.TryParse<ProductRisk>(level?.Trim(), ignoreCase: true, out var r) && Enum.IsDefined(r) ? r : null;

    /// <summary>Whether the category is capped at all for this message (urgent notices may be exempt).</summary>
    public bool IsCapped(OutboundCandidate c) =>
        Options.Caps.Enabled && CategoryOf(c.Purpose) is { } category
        && !(c.Urgent && c.Purpose == OutboundPurpose.ServiceNotice && Options.Caps.UrgentExempt)
        && (Options.Caps.For(category).PerDay > 0 || Options.Caps.For(category).PerWeek > 0 || Options.Caps.For(category).PerMonth > 0);

    public bool DeduplicationApplies(OutboundCandidate c, TextSketch sketch) =>
        Options.Deduplication.Enabled
        && sketch.Length >= Options.Deduplication.MinCharacters
        && (c.Purpose != OutboundPurpose.ConversationReply || Options.Deduplication.ConversationReplies);

    /// <summary>The closest earlier message within the window that counts as the same content, if any.</summary>
    public PreviousSend? FindDuplicate(TextSketch sketch, IEnumerable<RecentSend> recent, DateTimeOffset now)
    {
        var since = now.AddDays(-Options.Deduplication.WindowDays);
        PreviousSend? best = null;
        foreach (var r in recent)
        {
            if (r.At < since) continue;
            if (!CanBeDuplicate(sketch, r.Fingerprint, r.NumbersHash)) continue;
            var s = sketch.Compare(r.Fingerprint, r.NumbersHash, r.Shingles, TextSketch.Read(r.Sketch));
            if (!IsDuplicate(s)) continue;
            if (best is null || Rank(s) > Rank(best.Similarity) || (Rank(s) == Rank(best.Similarity) && r.At > best.At))
            {
                best = new PreviousSend(r.Sender, r.StaffId, r.At, r.Title, s);
            }
        }
        return best;
    }

    /// <summary>
    /// What <see cref="IsDuplicate"/> needs before any sketch is compared: the same text or the same numbers.
    /// Most of a client's week fails it, so most comparisons end here.
    /// </summary>
    public static bool CanBeDuplicate(TextSketch sketch, long fingerprint, long numbersHash) =>
        sketch.Fingerprint == fingerprint || sketch.NumbersHash == numbersHash;

    public bool IsDuplicate(TextSimilarity s) =>
        s.Exact || (s.SameNumbers && s.Jaccard >= Options.Deduplication.NearDuplicateJaccard && s.Containment >= Options.Deduplication.NearDuplicateContainment);

    private static double Rank(TextSimilarity s) => s.Exact ? 2 : s.Jaccard;

    public GateOutcome Decide(OutboundCandidate c, in ClientGateFacts f, PreviousSend? duplicate, CapCounts counts, DateTimeOffset now, Func<int, string>? staffName = null)
    {
        if (!f.Known) return Block(GateRule.UnknownClient, "客户不存在或已注销");
        var reply = c.Purpose == OutboundPurpose.ConversationReply;
        var category = CategoryOf(c.Purpose);
        var automatic = c.Sender != OutboundSender.Staff;
        var risk = ParseRisk(c.ProductRiskLevel);

        // Blocks, most fundamental first: the first one found is the recorded reason.
        if (!reply && Options.Consent.Enabled && category is { } cat)
        {
            var needsMarketing = cat is OutboundCategory.Marketing or OutboundCategory.Research;
            if (needsMarketing && !f.MarketingConsent) return Block(GateRule.Consent, "客户未同意接收营销及产品信息");
            if (!needsMarketing && Options.Consent.ServiceNoticesNeedConsent && !f.ServiceConsent) return Block(GateRule.Consent, "客户未同意接收服务通知");
            if ((f.OptedOut & OptOutOf(cat)) != 0) return Block(GateRule.OptOut, $"客户已退订{ChannelName(c.Channel)}渠道的{CategoryName(cat)}");
            if (c.Personalised && (f.PersonalisedConsent == false || (f.PersonalisedConsent is null && Options.Consent.PersonalisedNeedsExplicitConsent)))
            {
                return Block(GateRule.Personalised, "客户已关闭个性化推送，只能接收面向全体客户的非个性化内容");
            }
        }

        Warning? warning = null;
        if (Options.Suitability.Enabled && risk is { } r && !f.Professional)
        {
            var today = BusinessTime.DateOf(now);
            if (f.Level is not { } level || f.AssessedOn is null || f.AssessedOn.Value.AddMonths(suitabilityValidityMonths) < today)
            {
                return Block(GateRule.SuitabilityExpired, f.AssessedOn is { } on && f.Level is not null
                    ? $"客户适当性评估已过期（评估日期 {on:yyyy-MM-dd}，有效期 {suitabilityValidityMonths} 个月），产品内容暂停发送，待重新评估"
                    : "客户尚无有效的适当性评估，产品内容暂停发送");
            }
            if ((int)r > (int)level)
            {
                if (level <= Options.Suitability.LowestCategoryUpTo)
                {
                    return Block(GateRule.LowestCategory, $"客户属于最低风险承受类别（{level}），不得提供高于其等级的产品内容（产品 {r}）");
                }
                if (!reply || automatic) return Block(GateRule.Suitability, $"产品风险等级 {r} 高于客户适当性等级 {level}，不得主动推荐");
                warning = new Warning(GateRule.Suitability, $"产品风险等级 {r} 高于客户适当性等级 {level}：仅限客户主动询问，须向客户出示风险警示并记录其确认");
            }
        }

        if (!reply && Options.OpenComplaint.Enabled && f.OpenComplaint
            && (c.Purpose == OutboundPurpose.Marketing || (c.Purpose == OutboundPurpose.Research && Options.OpenComplaint.AlsoResearch)))
        {
            return Block(GateRule.OpenComplaint, "客户有未办结的投诉，暂停营销推送");
        }

        if (duplicate is { } d)
        {
            var text = DuplicateText(d, c, staffName);
            if (automatic) return Block(GateRule.Duplicate, text);
            warning ??= new Warning(GateRule.Duplicate, text);
        }

        if (IsCapped(c) && category is { } capped)
        {
            var caps = Options.Caps.For(capped);
            foreach (var period in Periods)
            {
                var cap = caps.For(period);
                if (cap > 0 && counts.For(period) >= cap) return Block(GateRule.Cap, CapText(capped, period, counts.For(period), cap));
            }
        }

        if (!reply && c.Channel == OutreachChannels.WeComGroup && Options.WeComGroupCap.Enabled)
        {
            var (_, cap) = WeComGroupMessages.Period(weComCap, BusinessTime.DateOf(now));
            if (f.WeComGroupCount >= cap)
            {
                return Block(GateRule.WeComGroupCap, $"企业微信群发：客户{WeComPeriodName()}已收到 {f.WeComGroupCount} 条群发，达到上限 {cap} 条");
            }
        }

        if (!reply && Options.QuietHours.Enabled && !(c.Urgent && c.Purpose == OutboundPurpose.ServiceNotice) && QuietUntil(now) is { } until)
        {
            return new GateOutcome(GateVerdict.Defer, GateRule.QuietHours,
                $"免打扰时段（{Options.QuietHours.Start}-{Options.QuietHours.End}），顺延至 {BusinessTime.ToLocal(until):MM-dd HH:mm} 发送", until, false);
        }

        if (warning is { } w) return new GateOutcome(GateVerdict.Warn, w.Rule, w.Text, null, c.Confirmed);
        return new GateOutcome(GateVerdict.Allow, null, null, null, true);
    }

    public static readonly CapPeriod[] Periods = [CapPeriod.Day, CapPeriod.Week, CapPeriod.Month];

    /// <summary>When the quiet hours around <paramref name="now"/> end, or null outside them.</summary>
    public DateTimeOffset? QuietUntil(DateTimeOffset now)
    {
        var local = BusinessTime.ToLocal(now);
        var t = TimeOnly.FromDateTime(local);
        var day = DateOnly.FromDateTime(local);
        var start = Options.QuietHours.StartTime;
        var end = Options.QuietHours.EndTime;
        if (start < end) return t >= start && t < end ? BusinessTime.ToInstant(day, end) : null;
        // Across midnight: 21:30-08:30 is quiet after 21:30 today until 08:30 tomorrow, and before 08:30.
        if (t >= start) return BusinessTime.ToInstant(day.AddDays(1), end);
        if (t < end) return BusinessTime.ToInstant(day, end);
        return null;
    }

    private string WeComPeriodName() => weComCap switch
    {
        GroupMessageCapMode.DaysInMonthPerMonth => "本月",
        GroupMessageCapMode.SevenPerWeek => "本周",
        GroupMessageCapMode.OnePerDay => "今日",
        _ => "本期",
    };

    private static string DuplicateText(PreviousSend d, OutboundCandidate c, Func<int, string>? staffName)
    {
        var who = d.Sender switch
        {
            OutboundSender.Officer => "服务官",
            OutboundSender.Staff when d.StaffId is { } id && id == c.SenderStaffId => "您",
            OutboundSender.Staff when d.StaffId is { } id => staffName?.Invoke(id) ?? "同事",
            OutboundSender.Staff => "同事",
            OutboundSender.Campaign => string.IsNullOrEmpty(d.Title) ? "推送活动" : $"推送活动「{d.Title}」",
            OutboundSender.System => "系统",
            _ => "他人",
        };
        var local = BusinessTime.ToLocal(d.At);
        var when = string.Create(CultureInfo.InvariantCulture, $"{local.Month}月{local.Day}日");
        return d.Similarity.Exact
            ? $"{who}已于 {when} 发送过相同内容"
            : string.Create(CultureInfo.InvariantCulture, $"{who}已于 {when} 发送过相似内容（相似度 {d.Similarity.Jaccard * 100:F0}%）");
    }

    private static string CapText(OutboundCategory category, CapPeriod period, int count, int cap)
    {
        var (now, every) = period switch
        {
            CapPeriod.Day => ("今日", "每日"),
            CapPeriod.Week => ("本周", "每周"),
            CapPeriod.Month => ("本月", "每月"),
            _ => ("本期", "每期"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{CategoryName(category)}{now}已发送 {count} 条，达到{every}上限 {cap} 条");
    }

    public static string CategoryName(OutboundCategory category) => category switch
    {
        OutboundCategory.ServiceNotice => "服务通知",
        OutboundCategory.Marketing => "营销信息",
        OutboundCategory.Research => "资讯研报",
        _ => category.ToString(),
    };

    public static string ChannelName(string channel) => channel switch
    {
        OutreachChannels.WebChat => "网页聊天",
        OutreachChannels.WeCom or OutreachChannels.WeComGroup => "企业微信",
        _ => channel,
    };

    public static OptOutPurposes OptOutOf(OutboundCategory category) => category switch
    {
        OutboundCategory.ServiceNotice => OptOutPurposes.ServiceNotice,
        OutboundCategory.Marketing => OptOutPurposes.Marketing,
        OutboundCategory.Research => OptOutPurposes.Research,
        _ => OptOutPurposes.None,
    };

    private static GateOutcome Block(string rule, string text) => new(GateVerdict.Block, rule, text, null, false);

    private readonly record struct Warning(string Rule, string Text);
}

/// <summary>Channel names the gate and campaigns use.</summary>
public static class OutreachChannels
{
    public const string WebChat = "webchat";
    public const string WeCom = "wecom";

    /// <summary>A WeCom group message (add_msg_template): a task the staff member confirms, with WeCom's own cap.</summary>
    public const string WeComGroup = "wecom-group";

    /// <summary>Opt-outs for a channel also hold for its group messages; "*" opts out of every channel.</summary>
    public static string OptOutKey(string channel) => channel == WeComGroup ? WeCom : channel;

    public const string AllChannels = "*";
}

using CoServe.Features.Channels.WeCom;
using CoServe.Features.Clients;
using CoServe.Features.Outreach;
using CoServe.Platform.Time;

namespace CoServe.Tests.Features.Outreach;

/// <summary>Every rule of the gate and the explanation it gives, on the pure rules (no store).</summary>
public class GateRulesTests
{
    // 2026-11-25 10:00 in Shanghai: outside quiet hours.
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    private static GateRules Rules(Action<GateOptions>? configure = null, GroupMessageCapMode weCom = GroupMessageCapMode.DaysInMonthPerMonth)
    {
        var o = new GateOptions();
        configure?.Invoke(o);
        return new GateRules(o, 24, weCom);
    }

    private static ClientGateFacts Facts(
        SuitabilityLevel? level = SuitabilityLevel.C3,
        DateOnly? assessed = null,
        bool marketing = true,
        bool service = true,
        bool? personalised = null,
        OptOutPurposes optedOut = OptOutPurposes.None,
        bool complaint = false,
        int groupCount = 0,
        bool professional = false) =>
        new(true, level, assessed ?? new DateOnly(2026, 3, 1), professional, marketing, service, personalised, optedOut, complaint, groupCount);

    private static OutboundCandidate Push(OutboundPurpose purpose = OutboundPurpose.Marketing, string? risk = null, string channel = "webchat", bool urgent = false, OutboundSender sender = OutboundSender.Campaign) =>
        new(1, channel, sender, null, purpose, "【新品】稳健增利债券A今日起认购，认购期至12月5日。", risk, urgent);

    private static OutboundCandidate Reply(OutboundSender sender = OutboundSender.Staff, string? risk = null, int? staffId = 7) =>
        new(1, "webchat", sender, sender == OutboundSender.Staff ? staffId : null, OutboundPurpose.ConversationReply, "您好，关于您咨询的两融开户条件，需要资产满五十万元。", risk, false);

    private static void Expect(GateOutcome o, GateVerdict verdict, string? rule, string? explanation = null)
    {
        Assert.Equal(verdict, o.Verdict);
        Assert.Equal(rule, o.Rule);
        if (explanation is not null) Assert.Equal(explanation, o.Explanation);
    }

    [Fact]
    public void EverythingInOrder_IsAllowed()
    {
        var o = Rules().Decide(Push(), Facts(), null, default, Now);
        Expect(o, GateVerdict.Allow, null);
        Assert.True(o.Passes);
        Assert.Null(o.Explanation);
    }

    [Fact]
    public void Consent_MarketingAndResearchNeedMarketingConsent_NoticesNeedServiceConsent()
    {
        var rules = Rules();
        Expect(rules.Decide(Push(OutboundPurpose.Marketing), Facts(marketing: false), null, default, Now), GateVerdict.Block, GateRule.Consent, "客户未同意接收营销及产品信息");
        Expect(rules.Decide(Push(OutboundPurpose.Research), Facts(marketing: false), null, default, Now), GateVerdict.Block, GateRule.Consent, "客户未同意接收营销及产品信息");
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice), Facts(service: false), null, default, Now), GateVerdict.Block, GateRule.Consent, "客户未同意接收服务通知");
        Expect(Rules(o => o.Consent.ServiceNoticesNeedConsent = false).Decide(Push(OutboundPurpose.ServiceNotice), Facts(service: false), null, default, Now), GateVerdict.Allow, null);
        Expect(Rules(o => o.Consent.Enabled = false).Decide(Push(), Facts(marketing: false), null, default, Now), GateVerdict.Allow, null);
    }

    [Fact]
    public void OptOut_PerChannelAndCategory_GroupMessagesCountAsWeCom()
    {
        var rules = Rules();
        Expect(rules.Decide(Push(channel: "wecom"), Facts(optedOut: OptOutPurposes.Marketing), null, default, Now), GateVerdict.Block, GateRule.OptOut, "客户已退订企业微信渠道的营销信息");
        Expect(rules.Decide(Push(channel: OutreachChannels.WeComGroup), Facts(optedOut: OptOutPurposes.Marketing), null, default, Now), GateVerdict.Block, GateRule.OptOut);
        Expect(rules.Decide(Push(OutboundPurpose.Research), Facts(optedOut: OptOutPurposes.Marketing), null, default, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice), Facts(optedOut: OptOutPurposes.ServiceNotice), null, default, Now), GateVerdict.Block, GateRule.OptOut, "客户已退订网页聊天渠道的服务通知");
    }

    [Fact]
    public void Personalised_OptOutBlocksProfileBasedPushOnly_OptInWhenConfigured()
    {
        var personal = Push() with { Personalised = true };
        Expect(Rules().Decide(personal, Facts(personalised: false), null, default, Now), GateVerdict.Block, GateRule.Personalised, "客户已关闭个性化推送，只能接收面向全体客户的非个性化内容");
        Expect(Rules().Decide(Push(), Facts(personalised: false), null, default, Now), GateVerdict.Allow, null);
        Expect(Rules().Decide(personal, Facts(personalised: null), null, default, Now), GateVerdict.Allow, null);
        Expect(Rules(o => o.Consent.PersonalisedNeedsExplicitConsent = true).Decide(personal, Facts(personalised: null), null, default, Now), GateVerdict.Block, GateRule.Personalised);
    }

    [Fact]
    public void Suitability_AboveLevelProductIsBlockedForPushes_WithLevelsNamed()
    {
        var rules = Rules();
        Expect(rules.Decide(Push(risk: "R4"), Facts(level: SuitabilityLevel.C3), null, default, Now), GateVerdict.Block, GateRule.Suitability, "产品风险等级 R4 高于客户适当性等级 C3，不得主动推荐");
        Expect(rules.Decide(Push(risk: "R3"), Facts(level: SuitabilityLevel.C3), null, default, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(risk: "R5"), Facts(level: SuitabilityLevel.C2, professional: true), null, default, Now), GateVerdict.Allow, null);
    }

    [Fact]
    public void Suitability_ExpiredOrMissingAssessment_BlocksProductContentOnly()
    {
        var rules = Rules();
        Expect(rules.Decide(Push(risk: "R1"), Facts(assessed: new DateOnly(2024, 11, 24)), null, default, Now), GateVerdict.Block, GateRule.SuitabilityExpired,
            "客户适当性评估已过期（评估日期 2024-11-24，有效期 24 个月），产品内容暂停发送，待重新评估");
        Expect(rules.Decide(Push(risk: "R1"), Facts(assessed: new DateOnly(2024, 11, 25)), null, default, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(risk: "R1"), Facts(level: null), null, default, Now), GateVerdict.Block, GateRule.SuitabilityExpired, "客户尚无有效的适当性评估，产品内容暂停发送");
        Expect(rules.Decide(Push(risk: null), Facts(level: null), null, default, Now), GateVerdict.Allow, null);
    }

    [Fact]
    public void Suitability_InAConversation_StaffAreWarnedAboveLevel_ButTheLowestCategoryNeverGetsIt()
    {
        var rules = Rules();
        var warn = rules.Decide(Reply(risk: "R4"), Facts(level: SuitabilityLevel.C3), null, default, Now);
        Expect(warn, GateVerdict.Warn, GateRule.Suitability, "产品风险等级 R4 高于客户适当性等级 C3：仅限客户主动询问，须向客户出示风险警示并记录其确认");
        Assert.False(warn.Passes);
        Assert.True(rules.Decide(Reply(risk: "R4") with { Confirmed = true }, Facts(level: SuitabilityLevel.C3), null, default, Now).Passes);
        Expect(rules.Decide(Reply(OutboundSender.Officer, risk: "R4"), Facts(level: SuitabilityLevel.C3), null, default, Now), GateVerdict.Block, GateRule.Suitability);
        Expect(rules.Decide(Reply(risk: "R2") with { Confirmed = true }, Facts(level: SuitabilityLevel.C1), null, default, Now), GateVerdict.Block, GateRule.LowestCategory,
            "客户属于最低风险承受类别（C1），不得提供高于其等级的产品内容（产品 R2）");
        Expect(rules.Decide(Push(risk: "R2"), Facts(level: SuitabilityLevel.C1), null, default, Now), GateVerdict.Block, GateRule.LowestCategory);
    }

    [Fact]
    public void OpenComplaint_SuppressesMarketing_NotNoticesOrReplies()
    {
        var rules = Rules();
        Expect(rules.Decide(Push(), Facts(complaint: true), null, default, Now), GateVerdict.Block, GateRule.OpenComplaint, "客户有未办结的投诉，暂停营销推送");
        Expect(rules.Decide(Push(OutboundPurpose.Research), Facts(complaint: true), null, default, Now), GateVerdict.Allow, null);
        Expect(Rules(o => o.OpenComplaint.AlsoResearch = true).Decide(Push(OutboundPurpose.Research), Facts(complaint: true), null, default, Now), GateVerdict.Block, GateRule.OpenComplaint);
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice), Facts(complaint: true), null, default, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Reply(), Facts(complaint: true), null, default, Now), GateVerdict.Allow, null);
    }

    [Theory]
    [InlineData(1, 1, 1, "营销信息今日已发送 1 条，达到每日上限 1 条")]
    [InlineData(0, 3, 3, "营销信息本周已发送 3 条，达到每周上限 3 条")]
    [InlineData(0, 2, 8, "营销信息本月已发送 8 条，达到每月上限 8 条")]
    public void Caps_PerDayWeekMonth_AcrossSenders(int day, int week, int month, string explanation)
    {
        var counts = new CapCounts(day, week, month);
        foreach (var sender in new[] { OutboundSender.Campaign, OutboundSender.Staff, OutboundSender.System, OutboundSender.Officer })
        {
            Expect(Rules().Decide(Push(sender: sender), Facts(), null, counts, Now), GateVerdict.Block, GateRule.Cap, explanation);
        }
        Expect(Rules(o => o.Caps.Enabled = false).Decide(Push(), Facts(), null, counts, Now), GateVerdict.Allow, null);
    }

    [Fact]
    public void Caps_UrgentNoticesAreExempt_RepliesAreNeverCapped_ZeroMeansNoCap()
    {
        var full = new CapCounts(99, 99, 99);
        var rules = Rules();
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice, urgent: true), Facts(), null, full, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice), Facts(), null, full, Now), GateVerdict.Block, GateRule.Cap, "服务通知今日已发送 99 条，达到每日上限 5 条");
        Expect(rules.Decide(Reply(), Facts(), null, full, Now), GateVerdict.Allow, null);
        Assert.False(rules.IsCapped(Reply()));
        Expect(Rules(o => o.Caps.Research = new PeriodCaps()).Decide(Push(OutboundPurpose.Research), Facts(), null, full, Now), GateVerdict.Allow, null);
    }

    [Theory]
    [InlineData(GroupMessageCapMode.OnePerDay, 1, "企业微信群发：客户今日已收到 1 条群发，达到上限 1 条")]
    [InlineData(GroupMessageCapMode.SevenPerWeek, 7, "企业微信群发：客户本周已收到 7 条群发，达到上限 7 条")]
    [InlineData(GroupMessageCapMode.DaysInMonthPerMonth, 30, "企业微信群发：客户本月已收到 30 条群发，达到上限 30 条")]
    public void WeComGroupCap_PerCustomer_AsTheAdminSetIt(GroupMessageCapMode mode, int received, string explanation)
    {
        var rules = Rules(weCom: mode);
        Expect(rules.Decide(Push(channel: OutreachChannels.WeComGroup), Facts(groupCount: received), null, default, Now), GateVerdict.Block, GateRule.WeComGroupCap, explanation);
        Expect(rules.Decide(Push(channel: OutreachChannels.WeComGroup), Facts(groupCount: received - 1), null, default, Now), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(channel: "wecom"), Facts(groupCount: received), null, default, Now), GateVerdict.Allow, null);
    }

    [Fact]
    public void Duplicate_BlockedForAutomaticSenders_WarnedForStaff_NamingWhoAndWhen()
    {
        var rules = Rules();
        var officerOn20th = new PreviousSend(OutboundSender.Officer, null, new DateTimeOffset(2026, 11, 20, 1, 0, 0, TimeSpan.Zero), null, new TextSimilarity(true, 1, 1, true));
        var warn = rules.Decide(Reply(), Facts(), officerOn20th, default, Now);
        Expect(warn, GateVerdict.Warn, GateRule.Duplicate, "服务官已于 11月20日 发送过相同内容");
        Assert.False(warn.Passes);
        Assert.True(rules.Decide(Reply() with { Confirmed = true }, Facts(), officerOn20th, default, Now).Passes);

        Expect(rules.Decide(Reply(OutboundSender.Officer), Facts(), officerOn20th, default, Now), GateVerdict.Block, GateRule.Duplicate, "服务官已于 11月20日 发送过相同内容");
        Expect(rules.Decide(Push(sender: OutboundSender.Campaign), Facts(), officerOn20th, default, Now), GateVerdict.Block, GateRule.Duplicate);
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice, sender: OutboundSender.System), Facts(), officerOn20th, default, Now), GateVerdict.Block, GateRule.Duplicate);

        var near = new PreviousSend(OutboundSender.Campaign, null, new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), "ETF定投讲座", new TextSimilarity(false, 0.62, 0.8, true));
        Expect(rules.Decide(Reply(), Facts(), near, default, Now), GateVerdict.Warn, GateRule.Duplicate, "推送活动「ETF定投讲座」已于 11月23日 发送过相似内容（相似度 62%）");
        var mine = new PreviousSend(OutboundSender.Staff, 7, Now.AddDays(-1), null, new TextSimilarity(true, 1, 1, true));
        Expect(rules.Decide(Reply(staffId: 7), Facts(), mine, default, Now), GateVerdict.Warn, GateRule.Duplicate, "您已于 11月24日 发送过相同内容");
        var colleague = mine with { StaffId = 8 };
        Expect(rules.Decide(Reply(staffId: 7), Facts(), colleague, default, Now, id => id == 8 ? "王经理" : "?"), GateVerdict.Warn, GateRule.Duplicate, "王经理已于 11月24日 发送过相同内容");
    }

    [Fact]
    public void Duplicate_OnlyWithinTheWindow_AndNotForShortTexts()
    {
        var rules = Rules();
        var sketch = TextSketch.Of("本周五晚上8点我们将举办ETF定投入门直播讲座，欢迎您参加。");
        var sent = new RecentSend(OutboundSender.Officer, null, Now.AddDays(-6), null, sketch.Fingerprint, sketch.NumbersHash, sketch.Shingles, sketch.SketchBytes);
        Assert.NotNull(rules.FindDuplicate(sketch, [sent], Now));
        Assert.Null(rules.FindDuplicate(sketch, [sent with { At = Now.AddDays(-7).AddMinutes(-1) }], Now));
        Assert.NotNull(Rules(o => o.Deduplication.WindowDays = 8).FindDuplicate(sketch, [sent with { At = Now.AddDays(-7).AddMinutes(-1) }], Now));
        Assert.False(rules.DeduplicationApplies(Reply() with { Text = "好的，收到" }, TextSketch.Of("好的，收到")));
        Assert.False(Rules(o => o.Deduplication.ConversationReplies = false).DeduplicationApplies(Reply(), TextSketch.Of(Reply().Text)));
        Assert.True(rules.DeduplicationApplies(Reply(), TextSketch.Of(Reply().Text)));
    }

    [Theory]
    [InlineData(2026, 11, 25, 21, 29, null)]
    [InlineData(2026, 11, 25, 21, 30, "2026-11-26 08:30")]
    [InlineData(2026, 11, 25, 23, 59, "2026-11-26 08:30")]
    [InlineData(2026, 11, 26, 0, 0, "2026-11-26 08:30")]
    [InlineData(2026, 11, 26, 7, 0, "2026-11-26 08:30")]
    [InlineData(2026, 11, 26, 8, 30, null)]
    [InlineData(2026, 12, 31, 22, 0, "2027-01-01 08:30")]
    public void QuietHours_AcrossMidnightInShanghai_DeferUntilTheyEnd(int y, int mo, int d, int h, int mi, string? until)
    {
        var at = BusinessTime.ToInstant(new DateOnly(y, mo, d), new TimeOnly(h, mi));
        var o = Rules().Decide(Push(), Facts(), null, default, at);
        if (until is null)
        {
            Expect(o, GateVerdict.Allow, null);
            return;
        }
        var end = BusinessTime.ToInstant(DateOnly.Parse(until[..10], System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(until[11..], System.Globalization.CultureInfo.InvariantCulture));
        Expect(o, GateVerdict.Defer, GateRule.QuietHours, $"免打扰时段（21:30-08:30），顺延至 {until[5..]} 发送");
        Assert.Equal(end, o.DeferUntil);
        Assert.Equal(TimeSpan.Zero, o.DeferUntil!.Value.Offset);
    }

    [Fact]
    public void QuietHours_UrgentNoticesAndRepliesGoThrough_SameDayWindowsWork()
    {
        var night = BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(23, 0));
        var rules = Rules();
        Expect(rules.Decide(Push(OutboundPurpose.ServiceNotice, urgent: true), Facts(), null, default, night), GateVerdict.Allow, null);
        Expect(rules.Decide(Push(OutboundPurpose.Marketing, urgent: true), Facts(), null, default, night), GateVerdict.Defer, GateRule.QuietHours);
        Expect(rules.Decide(Reply(), Facts(), null, default, night), GateVerdict.Allow, null);
        var lunch = Rules(o => { o.QuietHours.Start = "12:00"; o.QuietHours.End = "13:30"; });
        var noon = BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(12, 15));
        Assert.Equal(BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(13, 30)), lunch.Decide(Push(), Facts(), null, default, noon).DeferUntil);
        Expect(lunch.Decide(Push(), Facts(), null, default, night), GateVerdict.Allow, null);
    }

    [Fact]
    public void Replies_SkipConsentCapsQuietHoursAndComplaints_ButNotDeduplicationOrSuitability()
    {
        var rules = Rules();
        var nothingGranted = Facts(marketing: false, service: false, personalised: false, optedOut: OptOutPurposes.Marketing | OptOutPurposes.ServiceNotice, complaint: true);
        var night = BusinessTime.ToInstant(new DateOnly(2026, 11, 25), new TimeOnly(23, 0));
        Expect(rules.Decide(Reply(), nothingGranted, null, new CapCounts(99, 99, 99), night), GateVerdict.Allow, null);
        Expect(rules.Decide(Reply(OutboundSender.Officer, risk: "R5"), nothingGranted, null, default, night), GateVerdict.Block, GateRule.Suitability);
        var dup = new PreviousSend(OutboundSender.Campaign, null, night.AddDays(-1), null, new TextSimilarity(true, 1, 1, true));
        Expect(rules.Decide(Reply(OutboundSender.Officer), nothingGranted, dup, default, night), GateVerdict.Block, GateRule.Duplicate);
    }

    [Fact]
    public void UnknownClient_IsBlocked()
    {
        Expect(Rules().Decide(Push(), default, null, default, Now), GateVerdict.Block, GateRule.UnknownClient, "客户不存在或已注销");
    }

    [Fact]
    public void CapPeriods_StartOnTheShanghaiDayTheIsoMondayAndTheFirst()
    {
        var wednesday = new DateOnly(2026, 11, 25);
        Assert.Equal(20261125, GateCounters.PeriodStart(CapPeriod.Day, wednesday));
        Assert.Equal(20261123, GateCounters.PeriodStart(CapPeriod.Week, wednesday));
        Assert.Equal(20261123, GateCounters.PeriodStart(CapPeriod.Week, new DateOnly(2026, 11, 29)));
        Assert.Equal(20261130, GateCounters.PeriodStart(CapPeriod.Week, new DateOnly(2026, 11, 30)));
        Assert.Equal(20261101, GateCounters.PeriodStart(CapPeriod.Month, wednesday));
    }
}

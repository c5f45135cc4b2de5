using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Features.Outreach;

/// <summary>The outreach console, the client view of the gate and the staff warning, in Chromium against the real app.</summary>
public class OutreachBrowserTests
{
    private const string Answer = "您好，ETF 定投是指每月固定日期、固定金额买入指数基金，可以在手机 App 的「理财-定投」中设置，起投金额 100 元。";

    private static async Task<GateResult> DecideAsync(ApiScenario s, OutboundCandidate candidate)
    {
        await using var scope = s.App.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<OutboundGate>().DecideAsync(candidate, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<CoServeDb>().SaveChangesAsync();
        return result;
    }

    private static async Task<long> ClientIdAsync(ApiScenario s, string clientNo)
    {
        await using var db = s.NewDb();
        return await db.Clients.Where(c => c.ClientNo == clientNo).Select(c => c.Id).SingleAsync();
    }

    [SkippableFact]
    public async Task StaffRepeatingWhatTheOfficerSent_IsWarned_CancelsThenConfirms_AndTheClientPageShowsBoth()
    {
        // The machine running these is shared and often loaded: allow the server time to answer.
        SetDefaultExpectTimeout(20_000);
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var client = await ClientIdAsync(s, "C100");
        long conversationId;
        await using (var db = s.NewDb())
        {
            var conversation = new Conversation(client, "webchat", s.App.Clock.GetUtcNow());
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync();
            conversationId = conversation.Id;
        }
        // The service officer answered the client earlier today.
        var officer = await DecideAsync(s, new OutboundCandidate(client, "webchat", OutboundSender.Officer, null, OutboundPurpose.ConversationReply, Answer, null, false));
        Assert.Equal(GateVerdict.Allow, officer.Decision.Verdict);

        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync($"/conversations/{conversationId}");
        await cm.GetByTestId("reply-input").FillAsync(Answer);
        await cm.GetByTestId("send-reply").ClickAsync();
        await Expect(cm.GetByTestId("gate-warning")).ToHaveTextAsync("服务官已于 11月25日 发送过相同内容");

        // Cancel: nothing is sent, the draft stays.
        await cm.GetByTestId("cancel-send").ClickAsync();
        await Expect(cm.GetByTestId("gate-warning")).ToHaveCountAsync(0);
        await Expect(cm.GetByTestId("reply-input")).ToHaveValueAsync(Answer);
        await Expect(cm.GetByTestId("conversation-messages").GetByTestId("msg-StaffMessage")).ToHaveCountAsync(0);
        await using (var db = s.NewDb())
        {
            Assert.Equal(0, await db.TimelineEvents.CountAsync(e => e.ClientId == client && e.Kind == TimelineKind.StaffMessage));
        }

        // Meanwhile the client page lists the message as held back, with the gate's words.
        var clientPage = await cm.Context.NewPageAsync();
        await clientPage.GotoAsync("/clients/C100");
        var heldBack = clientPage.GetByTestId("client-outreach").GetByTestId("held-back-row");
        await Expect(heldBack).ToHaveCountAsync(1);
        await Expect(heldBack).ToContainTextAsync("员工cm1");
        await Expect(heldBack).ToContainTextAsync("服务官已于 11月25日 发送过相同内容");

        // The staff member decides the client needs it again, and confirms.
        await cm.GetByTestId("send-reply").ClickAsync();
        await Expect(cm.GetByTestId("gate-warning")).ToContainTextAsync("服务官已于 11月25日 发送过相同内容");
        await cm.GetByTestId("send-anyway").ClickAsync();
        await Expect(cm.GetByTestId("conversation-messages").GetByTestId("msg-StaffMessage")).ToContainTextAsync("ETF 定投");
        await Expect(cm.GetByTestId("gate-warning")).ToHaveCountAsync(0);

        // Sent after all: no longer held back; received twice (officer, then staff after the warning).
        await clientPage.ReloadAsync();
        var panel = clientPage.GetByTestId("client-outreach");
        await Expect(panel.GetByTestId("held-back-empty")).ToBeVisibleAsync();
        await Expect(panel.GetByTestId("received-row")).ToHaveCountAsync(2);
        await Expect(panel.GetByTestId("received")).ToContainTextAsync("提醒后确认发送");

        await using var check = s.NewDb();
        Assert.Equal(1, await check.TimelineEvents.CountAsync(e => e.ClientId == client && e.Kind == TimelineKind.StaffMessage));
        var decisions = await check.GateDecisions.AsNoTracking().Where(d => d.ClientId == client).OrderBy(d => d.Id).Select(d => new { d.Verdict, d.Confirmed }).ToListAsync();
        Assert.Equal([(GateVerdict.Warn, false), (GateVerdict.Warn, false), (GateVerdict.Warn, true)], decisions.Select(d => (d.Verdict, d.Confirmed)));
    }

    [SkippableFact]
    public async Task ClientPage_ListsWhatWasHeldBackAndWhy_ForEveryServicerInScope_AndRecordsAnOptOut()
    {
        // The machine running these is shared and often loaded: allow the server time to answer.
        SetDefaultExpectTimeout(20_000);
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var client = await ClientIdAsync(s, "C100");
        // No marketing consent: the campaign's invitation is blocked; a service notice gets through.
        var blocked = await DecideAsync(s, new OutboundCandidate(client, "webchat", OutboundSender.Campaign, null, OutboundPurpose.Marketing,
            "【活动邀请】本周六理财节在北区营业部开幕，现场有投资者教育讲座和理财规划咨询，欢迎您参加。", null, false) { Title = "理财节邀请", CampaignId = null });
        Assert.Equal((GateVerdict.Block, GateRule.Consent), (blocked.Decision.Verdict, blocked.Decision.Rule));
        var notice = await DecideAsync(s, new OutboundCandidate(client, "webchat", OutboundSender.System, null, OutboundPurpose.ServiceNotice,
            "【服务通知】您的服务人员已变更为服务官，原客户经理继续负责佣金、反洗钱和投诉事项。", null, false) { Title = "服务人员变更通知" });
        Assert.Equal(GateVerdict.Allow, notice.Decision.Verdict);

        // The client manager and the advisor who co-serves the client see the same answer.
        foreach (var login in new[] { "cm1", "cm2" })
        {
            var page = await browser.SignInAsync(s.App.BaseAddress, login);
            await page.GotoAsync("/clients/C100");
            var panel = page.GetByTestId("client-outreach");
            var held = panel.GetByTestId("held-back-row");
            await Expect(held).ToHaveCountAsync(1);
            await Expect(held).ToContainTextAsync("理财节邀请");
            await Expect(held).ToContainTextAsync("拦截");
            await Expect(held).ToContainTextAsync("客户未同意接收营销及产品信息");
            await Expect(panel.GetByTestId("received-row")).ToContainTextAsync("服务人员变更通知");
            await Expect(panel.GetByTestId("opt-outs-empty")).ToBeVisibleAsync();
        }

        // The client asks to stop research on every channel too; cm1 records it.
        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/clients/C100");
        var form = cm.GetByTestId("opt-out-form");
        await form.GetByTestId("opt-out-Research").CheckAsync();
        await form.GetByTestId("opt-out-save").ClickAsync();
        await Expect(cm.GetByTestId("opt-outs")).ToContainTextAsync("营销信息、资讯研报");
        await using var check = s.NewDb();
        var optOut = await check.OutreachOptOuts.AsNoTracking().SingleAsync(o => o.ClientId == client);
        Assert.Equal((OutreachChannels.AllChannels, OptOutPurposes.Marketing | OptOutPurposes.Research), (optOut.Channel, optOut.Purposes));
    }

    [SkippableFact]
    public async Task ContentApprovedByCompliance_AudienceWithLiveCount_PreviewedAndRun_ReportShowsEachRecipient()
    {
        // The machine running these is shared and often loaded: allow the server time to answer.
        SetDefaultExpectTimeout(20_000);
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        await using (var db = s.NewDb())
        {
            // The digital team's scope is the service officer's clients: P400 (north, consents) and P401 (south).
            var p400 = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            p400.SetConsent(ConsentPurpose.Marketing, true, "test", s.App.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }

        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/");
        await ops.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "精准推送" }).ClickAsync();
        await ops.GetByTestId("tab-content").ClickAsync();
        var form = ops.GetByTestId("content-form");
        await form.Locator("select[name=kind]").SelectOptionAsync(nameof(ContentKind.EventInvitation));
        await form.Locator("input[name=title]").FillAsync("ETF定投讲座");
        await form.Locator("textarea[name=body]").FillAsync("本周五晚上8点在线举办《ETF定投入门》直播讲座，讲解定投原理、标的选择和常见误区，欢迎您参加。");
        await form.Locator("input[name=tags]").FillAsync("ETF, 投教");
        await ops.GetByTestId("content-create").ClickAsync();
        await Expect(ops.GetByTestId("content-message")).ToContainTextAsync("ETF定投讲座");
        await Expect(ops.GetByTestId("content-row").First.GetByTestId("content-status")).ToHaveTextAsync("待审核");

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/outreach/content");
        var row = compliance.GetByTestId("content-row").Filter(new() { HasText = "ETF定投讲座" });
        await row.GetByTestId("review").ClickAsync();
        await compliance.GetByTestId("review-form").Locator("input[name=note]").FillAsync("内容合规");
        await compliance.GetByTestId("approve").ClickAsync();
        await Expect(row.GetByTestId("content-status")).ToHaveTextAsync("已审核通过");

        await ops.GotoAsync("/outreach/audiences");
        await Expect(ops.GetByTestId("audience-count")).ToHaveTextAsync("2");
        await ops.GetByTestId("branch-N01").CheckAsync();
        await Expect(ops.GetByTestId("audience-count")).ToHaveTextAsync("1");
        await ops.GetByTestId("audience-holdings").FillAsync("600519");
        await Expect(ops.GetByTestId("audience-count")).ToHaveTextAsync("0");
        await ops.GetByTestId("audience-holdings").FillAsync("");
        await Expect(ops.GetByTestId("audience-count")).ToHaveTextAsync("1");
        await ops.GetByTestId("audience-name").FillAsync("北区服务官客户");
        await ops.GetByTestId("audience-save").ClickAsync();
        await Expect(ops.GetByTestId("audiences-table")).ToContainTextAsync("北区服务官客户");

        await ops.GetByTestId("tab-campaigns").ClickAsync();
        var campaign = ops.GetByTestId("campaign-form");
        await campaign.Locator("input[name=name]").FillAsync("ETF讲座邀请");
        await campaign.Locator("select[name=content-0]").SelectOptionAsync(new Microsoft.Playwright.SelectOptionValue { Label = "活动邀请 · ETF定投讲座" });
        await campaign.Locator("select[name=audience]").SelectOptionAsync(new Microsoft.Playwright.SelectOptionValue { Label = "北区服务官客户" });
        await campaign.Locator("input[name=throttle]").FillAsync("600");
        await ops.GetByTestId("campaign-create").ClickAsync();
        await Expect(ops.GetByTestId("campaign-status")).ToHaveTextAsync("草稿");

        await ops.GetByTestId("preview").ClickAsync();
        await Expect(ops.GetByTestId("preview-audience")).ToHaveTextAsync("1");
        await Expect(ops.GetByTestId("preview-send")).ToHaveTextAsync("1");
        await Expect(ops.GetByTestId("preview-block")).ToHaveTextAsync("0");

        await ops.GetByTestId("start-now").ClickAsync();
        await Expect(ops.GetByTestId("campaign-status")).ToHaveTextAsync("已完成", new() { Timeout = 30_000 });
        await Expect(ops.GetByTestId("report-recipients")).ToHaveTextAsync("1");
        await Expect(ops.GetByTestId("report-Sent")).ToHaveTextAsync("1");
        var recipient = ops.GetByTestId("recipient-row");
        await Expect(recipient).ToHaveCountAsync(1);
        await Expect(recipient).ToContainTextAsync("P400");
        await Expect(recipient).ToContainTextAsync("已发送");
        await Expect(ops.GetByTestId("report-variants")).ToContainTextAsync("ETF定投讲座");

        // What the client received is on the client page too.
        await ops.GotoAsync("/clients/P400");
        await Expect(ops.GetByTestId("client-outreach").GetByTestId("received-row")).ToContainTextAsync("ETF定投讲座");
        await using var check = s.NewDb();
        Assert.Equal(1, await check.OutboundSends.CountAsync(x => x.CampaignId != null));
    }
}

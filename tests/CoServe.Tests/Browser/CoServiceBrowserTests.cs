using CoServe.Features.Channels.WebChat;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

/// <summary>
/// The co-service story in two browsers: a client in the web chat, his client manager in the console, the real
/// service officer engine and workers behind them.
/// </summary>
public class CoServiceBrowserTests
{
    // The first officer decision waits for the knowledge snapshot to be built.
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 180_000 };

    [SkippableFact]
    public async Task Complaint_ReachesTheManager_WhoTakesOverRepliesAndHandsBack_ThenTheAiAnswersAgain()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c => c["ServiceOfficer:WarmUpOnStart"] = "true");
        // The client signs in to the web chat (the WeChat stand-in).
        var chat = await OpenChatAsync(browser, s, "P400");

        // The manager keeping the client's complaint duty watches his queue.
        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/inbox");
        await Expect(cm.GetByTestId("inbox-empty")).ToBeVisibleAsync();

        await SayAsync(chat, "我要投诉你们的服务");
        var row = cm.GetByTestId("inbox-row");
        await Expect(row).ToBeVisibleAsync(Slow);
        await Expect(row).ToContainTextAsync("投诉");
        await Expect(row).ToContainTextAsync("P400");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("转接");
        // The header tells the client a person is coming until one takes the conversation; today's messages under "今天".
        await Expect(chat.GetByTestId("chat-status")).ToHaveTextAsync("正在为您转接人工服务");
        await Expect(chat.GetByTestId("chat-day")).ToHaveTextAsync(["今天"]);

        await row.GetByTestId("open-conversation").ClickAsync();
        await Expect(cm.GetByTestId("handoff-package")).ToContainTextAsync("我要投诉你们的服务");
        await cm.GetByTestId("take-over").ClickAsync();
        await Expect(cm.GetByTestId("control-state")).ToContainTextAsync("人工接待中");
        await cm.GetByTestId("reply-input").FillAsync("您好，我是您的客户经理，非常抱歉，我马上为您处理。");
        await cm.GetByTestId("send-reply").ClickAsync();

        await Expect(chat.GetByTestId("chat-notice").Last).ToContainTextAsync("已接入");
        await Expect(chat.GetByTestId("chat-status")).ToHaveTextAsync("员工cm1");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("我是您的客户经理");

        // While the manager holds the conversation the AI says nothing, even to a question it could answer.
        await SayAsync(chat, "国债逆回购怎么买？");
        await Expect(cm.GetByTestId("conversation-messages")).ToContainTextAsync("国债逆回购怎么买");
        await using (var db = s.NewDb())
        {
            Assert.Equal(1, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.OfficerMessage));
            Assert.Equal(0, await db.OfficerWorkItems.CountAsync(w => w.ProcessedAt == null));
        }

        await cm.GetByTestId("hand-back").ClickAsync();
        await Expect(cm.GetByTestId("control-state")).ToContainTextAsync("服务官接待中");
        await Expect(chat.GetByTestId("chat-notice").Last).ToContainTextAsync("服务官继续为您服务");

        await SayAsync(chat, "国债逆回购怎么买？");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("国债逆回购专区", new() { Timeout = 60_000 });

        // The manager's co-served page leads to the whole exchange, the AI's words included.
        // He had the conversation open while the AI answered, so nothing is new to him; "All" lists every client he
        // keeps duties for.
        await cm.GotoAsync("/co-served");
        await cm.GetByTestId("co-served-unread").ClickAsync();
        await Expect(cm.GetByTestId("co-served-none")).ToContainTextAsync("没有新动态");
        await cm.GetByTestId("co-served-all").ClickAsync();
        await cm.GetByTestId("co-served-table").GetByText("P400").ClickAsync();
        var timeline = cm.GetByTestId("timeline");
        await Expect(timeline).ToContainTextAsync("我要投诉你们的服务");
        await Expect(timeline).ToContainTextAsync("我是您的客户经理");
        await Expect(timeline).ToContainTextAsync("国债逆回购专区");
        await Expect(timeline.GetByTestId("event-Handoff")).ToHaveCountAsync(1);

        // His overview counts what the service officer did for his clients today and why it handed off; the
        // dashboard's links open the queue already filtered.
        await cm.GotoAsync("/");
        var dashboard = cm.GetByTestId("service-dashboard");
        await Expect(dashboard.GetByTestId("dash-decided").Locator(".card-value")).ToHaveTextAsync("2");
        await Expect(dashboard.GetByTestId("dash-handed-off").Locator(".card-value")).ToHaveTextAsync("1");
        await Expect(dashboard.GetByTestId("dash-reason-row")).ToHaveCountAsync(1);
        await Expect(dashboard.GetByTestId("dash-reason-row")).ToContainTextAsync("投诉");
        await Expect(dashboard.GetByTestId("dash-chart").Locator("svg")).ToBeVisibleAsync();
        await cm.GotoAsync("/inbox?view=All&reason=Complaint&sla=Breached");
        await Expect(cm.Locator(".tabs select").First).ToHaveValueAsync("Complaint");
        await Expect(cm.Locator(".tabs select").Last).ToHaveValueAsync("Breached");
        await Expect(cm.GetByTestId("tab-All")).ToHaveAttributeAsync("aria-selected", "true");

        // Live: while he looks at what is new on his co-served page, his client writes again and the row appears.
        await cm.GotoAsync("/co-served");
        await cm.GetByTestId("co-served-unread").ClickAsync();
        await Expect(cm.GetByTestId("co-served-none")).ToBeVisibleAsync();
        await SayAsync(chat, "国债逆回购的手续费是多少？");
        await Expect(cm.GetByTestId("co-served-row")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Expect(cm.GetByTestId("co-served-row").GetByTestId("unread")).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task Officer_AnswersAndFollowsUp_RoutesAdviceToAnAdvisor_AndAForbiddenPromiseIsBlocked()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true, configure: c => c["ServiceOfficer:WarmUpOnStart"] = "true");
        var chat = await OpenChatAsync(browser, s, "P400");

        // An FAQ from the approved knowledge base, then a follow-up that only makes sense after it.
        await SayAsync(chat, "国债逆回购怎么买？");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("国债逆回购专区", new() { Timeout = 180_000 });
        await SayAsync(chat, "那手续费呢？");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("1天期0.001%", new() { Timeout = 60_000 });

        // Advice on a specific security goes to the licensed advisors, and the client is told a human is coming.
        await SayAsync(chat, "贵州茅台现在该不该买？");
        await Expect(chat.GetByTestId("chat-theirs").Last).ToContainTextAsync("转接", new() { Timeout = 60_000 });
        var advisor = await browser.SignInAsync(s.App.BaseAddress, "adv");
        await advisor.GotoAsync("/inbox?view=All");
        var row = advisor.GetByTestId("inbox-row");
        await Expect(row).ToContainTextAsync("投资建议");
        await Expect(row).ToContainTextAsync("P400");

        // A promise of returns never reaches the approved knowledge base: the editor names the broken guardrail.
        var ops = await browser.SignInAsync(s.App.BaseAddress, "ops");
        await ops.GotoAsync("/kb");
        await ops.GetByTestId("kb-new").ClickAsync();
        await ops.GetByTestId("kb-category").FillAsync("理财产品");
        await ops.GetByTestId("kb-question").FillAsync("这款理财安全吗？");
        await ops.GetByTestId("kb-paraphrases").FillAsync("这个理财产品安全吗\n这款理财会亏吗\n买这个理财稳不稳");
        await ops.GetByTestId("kb-answer").FillAsync("{客户称呼}您好，这款产品保本保收益，稳赚不赔。");
        await ops.GetByTestId("kb-save").ClickAsync();
        await Expect(ops.GetByTestId("kb-errors")).ToContainTextAsync("ReturnPromise");
        await Expect(ops.GetByTestId("kb-entry-status")).ToHaveCountAsync(0);
        await using var db = s.NewDb();
        Assert.Equal(1, await db.Tickets.CountAsync(t => t.Reason == CoServe.Features.Conversations.HandoffReason.AdviceRequest && t.Queue == CoServe.Features.Handoffs.TicketQueue.Advisors));
    }

    internal static async Task<IPage> OpenChatAsync(BrowserSession browser, ApiScenario s, string clientNo)
    {
        string code;
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            code = (await scope.ServiceProvider.GetRequiredService<WebChatAccess>().IssueAsync(TestOrg.As(s.Org.Ops), clientNo, CancellationToken.None))!;
        }
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = s.App.BaseAddress.ToString().TrimEnd('/'), Locale = "zh-CN", ViewportSize = new() { Width = 420, Height = 800 } });
        context.SetDefaultTimeout(30_000);
        var chat = await context.NewPageAsync();
        await chat.GotoAsync($"/chat/login?clientNo={clientNo}");
        await Expect(chat.GetByTestId("chat-privacy")).ToContainTextAsync("加密保存");
        await chat.FillAsync("input[name=code]", code);
        await chat.ClickAsync("button[type=submit]");
        await Expect(chat.GetByTestId("chat-input")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return chat;
    }

    internal static async Task SayAsync(IPage chat, string text)
    {
        await chat.GetByTestId("chat-input").FillAsync(text);
        await chat.GetByTestId("chat-send").ClickAsync();
        await Expect(chat.GetByTestId("chat-mine").Last).ToContainTextAsync(text);
    }
}

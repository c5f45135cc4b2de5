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
        string code;
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            code = (await scope.ServiceProvider.GetRequiredService<WebChatAccess>().IssueAsync(TestOrg.As(s.Org.Ops), "P400", CancellationToken.None))!;
        }

        // The client signs in to the web chat (the WeChat stand-in).
        var clientContext = await browser.Browser.NewContextAsync(new() { BaseURL = s.App.BaseAddress.ToString().TrimEnd('/'), Locale = "zh-CN", ViewportSize = new() { Width = 420, Height = 800 } });
        clientContext.SetDefaultTimeout(30_000);
        var chat = await clientContext.NewPageAsync();
        await chat.GotoAsync("/chat/login?clientNo=P400");
        await chat.FillAsync("input[name=code]", code);
        await chat.ClickAsync("button[type=submit]");
        await Expect(chat.GetByTestId("chat-input")).ToBeVisibleAsync();

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

        await row.GetByTestId("open-conversation").ClickAsync();
        await Expect(cm.GetByTestId("handoff-package")).ToContainTextAsync("我要投诉你们的服务");
        await cm.GetByTestId("take-over").ClickAsync();
        await Expect(cm.GetByTestId("control-state")).ToContainTextAsync("人工接待中");
        await cm.GetByTestId("reply-input").FillAsync("您好，我是您的客户经理，非常抱歉，我马上为您处理。");
        await cm.GetByTestId("send-reply").ClickAsync();

        await Expect(chat.GetByTestId("chat-notice").Last).ToContainTextAsync("已接入");
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
        await cm.GotoAsync("/co-served");
        await cm.GetByTestId("co-served-table").GetByText("P400").ClickAsync();
        var timeline = cm.GetByTestId("timeline");
        await Expect(timeline).ToContainTextAsync("我要投诉你们的服务");
        await Expect(timeline).ToContainTextAsync("我是您的客户经理");
        await Expect(timeline).ToContainTextAsync("国债逆回购专区");
        await Expect(timeline.GetByTestId("event-Handoff")).ToHaveCountAsync(1);
    }

    private static async Task SayAsync(IPage chat, string text)
    {
        await chat.GetByTestId("chat-input").FillAsync(text);
        await chat.GetByTestId("chat-send").ClickAsync();
        await Expect(chat.GetByTestId("chat-mine").Last).ToContainTextAsync(text);
    }
}

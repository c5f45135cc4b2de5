using CoServe.Features.Clients;
using CoServe.Features.Privacy;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

/// <summary>
/// A client's personal information as he and the people who answer for it meet it: his manager views his mobile for
/// a stated purpose, the client sees that view on his privacy page, withdraws a consent and asks for a copy of his
/// data, and the privacy desk answers him.
/// </summary>
public class PrivacyBrowserTests
{
    [SkippableFact]
    public async Task TheClientSeesWhoViewedHisData_ControlsHisConsents_AndTheDeskAnswersHisRequest()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);

        // The manager who keeps P400's duties views the mobile number to call him back about a complaint.
        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/clients/P400");
        await cm.GetByTestId("reveal-Mobile").ClickAsync();
        await cm.GetByTestId("reveal-kind").SelectOptionAsync("Complaint");
        await cm.FillAsync("[data-testid=reveal-dialog] input[name=purpose]", "回电说明投诉处理进度");
        await cm.ClickAsync("[data-testid=reveal-dialog] button[type=submit]");
        await Expect(cm.GetByTestId("field-Mobile")).ToContainTextAsync("13800000400");

        // The client sees that view: when, which role of which branch, which field, what for; never the manager's own words.
        var chat = await CoServiceBrowserTests.OpenChatAsync(browser, s, "P400");
        await chat.GetByTestId("chat-privacy-link").ClickAsync();
        await Expect(chat.GetByTestId("privacy-profile")).ToContainTextAsync("138****0400");
        var access = chat.GetByTestId("access-row");
        await Expect(access).ToHaveCountAsync(1);
        await Expect(access).ToContainTextAsync("客户经理 · 北区营业部");
        await Expect(access).ToContainTextAsync("手机号 · 投诉处理");
        await Expect(chat.GetByTestId("privacy-accesses")).Not.ToContainTextAsync("回电说明");
        await Expect(chat.GetByTestId("access-note")).ToContainTextAsync("须保密的查询");

        // Withdrawing a consent is one tap, and takes effect in the store at once.
        var service = chat.GetByTestId("consent-ServiceMessages");
        await Expect(service.GetByTestId("consent-state")).ToHaveTextAsync("已授权");
        await service.GetByTestId("consent-toggle").ClickAsync();
        await Expect(service.GetByTestId("consent-state")).ToHaveTextAsync("未授权");
        await using (var db = s.NewDb())
        {
            Assert.False(await db.ClientConsents.AnyAsync(c => c.Purpose == ConsentPurpose.ServiceMessages && c.Granted && db.Clients.Any(k => k.Id == c.ClientId && k.ClientNo == "P400")));
        }

        // His manager sees the consent withdrawn, by the client himself.
        await cm.ReloadAsync();
        await Expect(cm.GetByTestId("consent-ServiceMessages")).ToContainTextAsync("未授权");
        await Expect(cm.GetByTestId("consent-ServiceMessages").GetByTestId("consent-by-client")).ToContainTextAsync("客户本人");

        // He asks for a copy of his data.
        await chat.GetByTestId("request-right").SelectOptionAsync("Copy");
        await chat.GetByTestId("request-detail").FillAsync("请提供我近一年的对话记录和账户信息副本。");
        await chat.GetByTestId("request-submit").ClickAsync();
        await Expect(chat.GetByTestId("request-message")).ToContainTextAsync("已收到您的“查阅复制”申请");
        await Expect(chat.GetByTestId("request-row").GetByTestId("request-status")).ToHaveTextAsync("处理中");

        // The privacy desk: a refusal without a reason is not accepted; the answer reaches the open page.
        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/");
        await Expect(compliance.GetByTestId("my-privacy-requests")).ToContainTextAsync("1");
        await compliance.GetByTestId("nav-privacy-desk").ClickAsync();
        await compliance.GetByTestId("desk-open").ClickAsync();
        await Expect(compliance.GetByTestId("desk-request-detail")).ToContainTextAsync("对话记录和账户信息副本");
        await compliance.GetByTestId("desk-reply").FillAsync("不行");
        await compliance.GetByTestId("desk-refuse").ClickAsync();
        await Expect(compliance.GetByTestId("desk-error")).ToContainTextAsync("reason");
        await compliance.GetByTestId("desk-reply").FillAsync("副本已通过营业部加密邮件发送至您预留的邮箱，密码另行短信告知。");
        await compliance.GetByTestId("desk-complete").ClickAsync();
        await Expect(compliance.GetByTestId("desk-request-status")).ToHaveTextAsync("已办结");
        await Expect(compliance.GetByTestId("desk-empty")).ToBeVisibleAsync();

        await Expect(chat.GetByTestId("request-reply")).ToContainTextAsync("副本已通过营业部加密邮件发送");
        await Expect(chat.GetByTestId("request-row").GetByTestId("request-status")).ToHaveTextAsync("已办结");
        await using (var db = s.NewDb())
        {
            Assert.Equal(DataRightsStatus.Completed, (await db.DataRightsRequests.SingleAsync()).Status);
        }
    }
}

using CoServe.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class StaffSessionBrowserTests
{
    [SkippableFact]
    public async Task AnAdministratorDeactivatesAManagerWhoLeaves_HisOpenConsoleIsSignedOut_AtHisNextPage()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/inbox");
        await Expect(cm.GetByTestId("inbox-empty")).ToBeVisibleAsync();

        var admin = await browser.SignInAsync(s.App.BaseAddress, "admin");
        await admin.GetByTestId("nav-staff").ClickAsync();
        var row = admin.GetByTestId("staff-row").Filter(new() { HasText = "cm1" });
        // cm1 has his console open; he is the primary servicer of two clients.
        await Expect(row).ToContainTextAsync("在线");
        await Expect(admin.GetByTestId("staff-row").Filter(new() { HasText = "admin" }).GetByTestId("staff-deactivate")).ToHaveCountAsync(0);
        await row.GetByTestId("staff-deactivate").ClickAsync();
        await Expect(admin.GetByTestId("staff-confirm")).ToContainTextAsync("仍有 2 位客户以其为主服务人");
        await admin.GetByTestId("staff-confirm-deactivate").ClickAsync();
        await Expect(admin.GetByTestId("staff-done")).ToContainTextAsync("已停用 cm1");
        await Expect(row).ToContainTextAsync("已停用");

        // His cookie is still in the browser and not expired: the check on the request refuses it.
        await cm.GotoAsync("/inbox");
        await Expect(cm).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        var api = await cm.APIRequest.GetAsync("/api/clients/C100/timeline");
        Assert.Equal(401, api.Status);

        // Activated again, he signs in as before.
        await row.GetByTestId("staff-activate").ClickAsync();
        await Expect(admin.GetByTestId("staff-done")).ToContainTextAsync("已重新启用 cm1");
        await Expect(row.GetByTestId("staff-deactivate")).ToBeVisibleAsync();
        var back = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await back.GotoAsync("/inbox");
        await Expect(back.GetByTestId("inbox-empty")).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task AnAdministratorAddsAnAccount_WhichSignsInWithItsOneTimePassword_ThenMovesItToAnotherBranch()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var admin = await browser.SignInAsync(s.App.BaseAddress, "admin");
        await admin.GetByTestId("nav-staff").ClickAsync();

        // A bad login is named, and nothing is added.
        await admin.GetByTestId("staff-add").ClickAsync();
        await admin.GetByTestId("staff-form-login").FillAsync("张 三");
        await admin.GetByTestId("staff-form-name").FillAsync("张三");
        await admin.GetByTestId("staff-form-save").ClickAsync();
        await Expect(admin.GetByTestId("staff-error")).ToContainTextAsync("lower-case letters");
        await admin.GetByTestId("staff-form-login").FillAsync("cm.zhang");
        await admin.GetByTestId("staff-form-role").SelectOptionAsync("ClientManager");
        await admin.GetByTestId("staff-form-branch").SelectOptionAsync("N01");
        await admin.GetByTestId("staff-form-save").ClickAsync();
        await Expect(admin.GetByTestId("staff-done")).ToContainTextAsync("已添加 cm.zhang");
        var password = (await admin.GetByTestId("staff-password-value").InnerTextAsync()).Trim();
        Assert.Equal(12, password.Length);
        await Expect(admin.GetByTestId("staff-row").Filter(new() { HasText = "cm.zhang" })).ToContainTextAsync("北区营业部");

        var zhang = await browser.SignInAsync(s.App.BaseAddress, "cm.zhang", password);
        await zhang.GotoAsync("/inbox");
        await Expect(zhang.GetByTestId("inbox-empty")).ToBeVisibleAsync();

        // He moves to the south branch: his open console signs in again with the new branch.
        var row = admin.GetByTestId("staff-row").Filter(new() { HasText = "cm.zhang" });
        await row.GetByTestId("staff-edit").ClickAsync();
        await Expect(admin.GetByTestId("staff-form-login")).ToBeDisabledAsync();
        await admin.GetByTestId("staff-form-branch").SelectOptionAsync("S01");
        await admin.GetByTestId("staff-form-save").ClickAsync();
        await Expect(admin.GetByTestId("staff-done")).ToContainTextAsync("已修改 cm.zhang");
        await Expect(row).ToContainTextAsync("南区营业部");
        await zhang.GotoAsync("/inbox");
        await Expect(zhang).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
    }
}

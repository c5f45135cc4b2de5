using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

/// <summary>The console in a real browser against the real app on Kestrel.</summary>
public class ConsoleBrowserTests
{
    [SkippableFact]
    public async Task ClientManager_SearchesOwnClients_RevealsWithPurpose_CannotOpenOthers_ComplianceSeesAudit()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);

        var cm1 = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm1.GotoAsync("/clients");
        var table = cm1.GetByTestId("client-table");
        await Expect(table).ToContainTextAsync("C100");
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(table).Not.ToContainTextAsync("C200");

        await cm1.FillAsync("input[name=q]", "C10");
        await cm1.ClickAsync("[data-testid=client-search] button[type=submit]");
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(2);

        await table.GetByText("C100").ClickAsync();
        await Expect(cm1.GetByTestId("client-heading")).ToContainTextAsync("张*");
        await Expect(cm1.GetByTestId("field-Mobile")).ToContainTextAsync("138****0100");
        await Expect(cm1.GetByTestId("servicers")).ToContainTextAsync("投资建议");

        await cm1.GetByTestId("reveal-Mobile").ClickAsync();
        var dialog = cm1.GetByTestId("reveal-dialog");
        await dialog.Locator("input[name=purpose]").FillAsync("无");
        await dialog.Locator("button[type=submit]").ClickAsync();
        await Expect(dialog).ToContainTextAsync("至少");
        await dialog.Locator("input[name=purpose]").FillAsync("客户来电核实手机号");
        await dialog.Locator("button[type=submit]").ClickAsync();
        await Expect(cm1.GetByTestId("field-Mobile")).ToContainTextAsync("13800000100");

        // Another manager's client by URL: the page says it does not exist for this user.
        await cm1.GotoAsync("/clients/C200");
        await Expect(cm1.GetByTestId("client-not-found")).ToBeVisibleAsync();
        await cm1.GotoAsync("/audit");
        await Expect(cm1.GetByText("无权访问")).ToBeVisibleAsync();

        var compliance = await browser.SignInAsync(s.App.BaseAddress, "compliance");
        await compliance.GotoAsync("/audit");
        var audit = compliance.GetByTestId("audit-table");
        await Expect(audit).ToContainTextAsync("客户来电核实手机号");
        await Expect(audit).ToContainTextAsync("C100");
        await Expect(audit).ToContainTextAsync("cm1");

        await using var db = s.NewDb();
        Assert.Equal("console", (await db.PersonalDataAccesses.SingleAsync()).Channel);
    }

    [SkippableFact]
    public async Task SignIn_WrongPassword_ShowsError_AndProtectedPageRedirectsToLogin()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = s.App.BaseAddress.ToString().TrimEnd('/'), Locale = "zh-CN" });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/clients/C100");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?ReturnUrl=", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        await page.FillAsync("input[name=login]", "cm1");
        await page.FillAsync("input[name=password]", "wrong-password");
        await page.ClickAsync("button[type=submit]");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("账号或密码不正确");
    }

    [SkippableFact]
    public async Task Overview_ShowsTierCards_AndLanguageSwitchesToEnglish()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var page = await browser.SignInAsync(s.App.BaseAddress, "admin");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "概览" })).ToBeVisibleAsync();
        await page.GetByText("English").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
    }
}

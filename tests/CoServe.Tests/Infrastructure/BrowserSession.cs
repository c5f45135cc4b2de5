using Microsoft.Playwright;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download). Skips when Chromium is missing, unless the
/// run requires it (CI).
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<BrowserSession> StartAsync()
    {
        var path = Environment.GetEnvironmentVariable("COSERVE_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(path) && File.Exists("/usr/bin/chromium")) path = "/usr/bin/chromium";
        var available = !string.IsNullOrEmpty(path) && File.Exists(path);
        if (!available && Environment.GetEnvironmentVariable("COSERVE_TEST_REQUIRE_CHROMIUM") == "1")
        {
            throw new InvalidOperationException("Chromium is required for browser tests but was not found");
        }
        Skip.IfNot(available, "Chromium not installed; run scripts/test.sh");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return new BrowserSession(playwright, browser);
    }

    /// <summary>A fresh browser context (own cookies) signed in as the given login.</summary>
    public async Task<IPage> SignInAsync(Uri baseAddress, string login, string password = TestOrg.Password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString().TrimEnd('/'), Locale = "zh-CN" });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", password);
        var log = new List<string>();
        page.Console += (_, m) => log.Add(m.Text);
        await page.ClickAsync("button[type=submit]");
        try
        {
            await page.WaitForSelectorAsync("[data-testid=who]");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"sign-in did not reach the console; url {page.Url}; console: {string.Join(" | ", log)}; html: {await page.ContentAsync()}");
        }
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

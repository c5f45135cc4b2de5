using CoServe.Features.Organization;
using CoServe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

public class StaffSessionBrowserTests
{
    [SkippableFact]
    public async Task ADeactivatedManager_IsSignedOut_AtHisNextPage()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var cm = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await cm.GotoAsync("/inbox");
        await Expect(cm.GetByTestId("inbox-empty")).ToBeVisibleAsync();

        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<StaffOffboarding>().DeactivateAsync("cm1", CancellationToken.None);
        }

        // His cookie is still in the browser and not expired: the check on the request refuses it.
        await cm.GotoAsync("/inbox");
        await Expect(cm).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        var api = await cm.APIRequest.GetAsync("/api/clients/C100/timeline");
        Assert.Equal(401, api.Status);
    }
}

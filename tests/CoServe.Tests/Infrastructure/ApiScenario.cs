using System.Net.Http.Headers;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Platform.Crypto;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// The web app with a small organisation and six clients: two for cm1 (one with cm2 as co-servicer), one for
/// cm2, one in the south branch (cm3), two in the service officer pool (cm1 keeps their duties).
/// </summary>
public sealed class ApiScenario : IAsyncDisposable
{
    private ApiScenario(CoServeApp app, TestOrg org)
    {
        App = app;
        Org = org;
    }

    public CoServeApp App { get; }
    public TestOrg Org { get; }

    public static async Task<ApiScenario> StartAsync(
        StoreKind kind = StoreKind.Sqlite, bool kestrel = false, bool withPasswords = false, Action<Dictionary<string, string?>>? configure = null, string? settingsFile = null)
    {
        var app = await CoServeApp.StartAsync(kind, kestrel, configure, settingsFile);
        await using var db = app.NewDb();
        var org = await TestOrg.CreateAsync(db, withPasswords);
        var protector = app.Get<FieldProtector>();
        var now = app.Clock.GetUtcNow();
        await TestOrg.AddClientAsync(db, protector, "C100", org.North, org.Cm1, now, "张三", "13800000100", "110101199003070011", (org.Cm2, DutyScope.Advice));
        await TestOrg.AddClientAsync(db, protector, "C101", org.North, org.Cm1, now, "李四", "13800000101");
        await TestOrg.AddClientAsync(db, protector, "C200", org.North, org.Cm2, now, "王五", "13800000200");
        await TestOrg.AddClientAsync(db, protector, "S300", org.South, org.Cm3, now, "赵六", "13800000300");
        await TestOrg.AddClientAsync(db, protector, "P400", org.North, null, now, "钱七", "13800000400", coServicers: (org.Cm1, DutyScopes.KeptByManager));
        await TestOrg.AddClientAsync(db, protector, "P401", org.South, null, now, "孙八", "13800000401", coServicers: (org.Cm3, DutyScopes.KeptByManager));
        return new ApiScenario(app, org);
    }

    /// <summary>An HTTP client authenticated with a fresh API token of the given staff member.</summary>
    public async Task<HttpClient> ClientAsAsync(StaffMember staff, TimeSpan? lifetime = null)
    {
        var token = await IssueAsync(staff, lifetime);
        var client = App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    public async Task<IssuedToken> IssueAsync(StaffMember staff, TimeSpan? lifetime = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(staff.Login, lifetime ?? TimeSpan.FromDays(1), "test", CancellationToken.None);
    }

    public CoServeDb NewDb() => App.NewDb();

    public ValueTask DisposeAsync() => App.DisposeAsync();
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Features.Clients;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Clients;

public class ClientApiTests
{
    private static async Task<List<string>> ListAsync(HttpClient http, string query = "")
    {
        var response = await http.GetAsync("/api/clients" + query);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(page.TryGetProperty("items", out _), page.ToString());
        return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("clientNo").GetString()!).ToList();
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Scopes_EachRoleSeesExactlyItsClients(StoreKind kind)
    {
        await using var s = await ApiScenario.StartAsync(kind);
        Assert.Equal(["C100", "C101", "P400"], await ListAsync(await s.ClientAsAsync(s.Org.Cm1)));
        Assert.Equal(["C100", "C200"], await ListAsync(await s.ClientAsAsync(s.Org.Cm2)));
        Assert.Equal(["C100", "C101", "C200", "P400"], await ListAsync(await s.ClientAsAsync(s.Org.Head)));
        Assert.Equal(["P400", "P401"], await ListAsync(await s.ClientAsAsync(s.Org.Ops)));
        Assert.Equal(6, (await ListAsync(await s.ClientAsAsync(s.Org.Compliance))).Count);
        Assert.Equal(6, (await ListAsync(await s.ClientAsAsync(s.Org.Admin))).Count);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ClientManager_CannotReadAnotherManagersClient_ByUrl_Answers404(StoreKind kind)
    {
        await using var s = await ApiScenario.StartAsync(kind);
        var cm1 = await s.ClientAsAsync(s.Org.Cm1);

        Assert.Equal(HttpStatusCode.OK, (await cm1.GetAsync("/api/clients/C100")).StatusCode);
        foreach (var url in new[] { "/api/clients/C200", "/api/clients/S300", "/api/clients/C200/servicers", "/api/clients/C200/assets/daily", "/api/clients/C200/assets/monthly", "/api/clients/NOPE" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await cm1.GetAsync(url)).StatusCode);
        }
        var reveal = await cm1.PostAsJsonAsync("/api/clients/C200/reveal", new { field = "Mobile", purpose = "回访客户核实信息" });
        Assert.Equal(HttpStatusCode.NotFound, reveal.StatusCode);
        await using var db = s.NewDb();
        Assert.Equal(0, await db.PersonalDataAccesses.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ManagerSearch_ListsTheirOwnBook_ByPrefixFiltersAndPages(StoreKind kind)
    {
        await using var s = await ApiScenario.StartAsync(kind);
        var cm1 = await s.ClientAsAsync(s.Org.Cm1);
        Assert.Equal(["C100", "C101"], await ListAsync(cm1, "?q=c10"));
        Assert.Equal(["C100"], await ListAsync(cm1, "?q=C100"));
        Assert.Equal(["P400"], await ListAsync(cm1, "?q=P"));
        Assert.Empty(await ListAsync(cm1, "?q=C200"));
        Assert.Empty(await ListAsync(cm1, "?q=S"));
        Assert.Equal(["P400"], await ListAsync(cm1, "?servicer=pool"));
        Assert.Equal(["C100", "C101", "P400"], await ListAsync(cm1, $"?branch={s.Org.North.Id}"));
        Assert.Empty(await ListAsync(cm1, $"?branch={s.Org.South.Id}"));
        Assert.Equal(["C100"], await ListAsync(cm1, "?q=13800000100"));

        var first = await cm1.GetFromJsonAsync<JsonElement>("/api/clients?pageSize=2");
        Assert.Equal(3, first.GetProperty("countCapped").GetInt32());
        Assert.Equal("C101", first.GetProperty("nextAfter").GetString());
        var second = await cm1.GetFromJsonAsync<JsonElement>("/api/clients?pageSize=2&after=C101");
        Assert.Equal(["P400"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("clientNo").GetString()).ToList());
        Assert.False(second.TryGetProperty("nextAfter", out var next) && next.ValueKind != JsonValueKind.Null, "the last page has no next cursor");
        var prefixed = await cm1.GetFromJsonAsync<JsonElement>("/api/clients?q=C");
        Assert.Equal(2, prefixed.GetProperty("countCapped").GetInt32());

        var ops = await s.ClientAsAsync(s.Org.Ops);
        Assert.Equal(["P401"], await ListAsync(ops, "?q=p401"));
        Assert.Empty(await ListAsync(ops, "?q=C1"));

        // A client given to cm1 later is found in cm1's book under its number (the servicer row carries it).
        await using (var db = s.NewDb())
        {
            var moved = await db.Clients.Include(c => c.Servicers).SingleAsync(c => c.ClientNo == "S300");
            moved.AssignPrimary(s.Org.Cm1.Id, DutyScopes.PrimaryManager, s.App.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        Assert.Equal(["S300"], await ListAsync(cm1, "?q=s3"));
        Assert.Empty(await ListAsync(await s.ClientAsAsync(s.Org.Cm3), "?q=S300"));
    }

    [Fact]
    public async Task Profile_IsMasked_AndAmlLevelOnlyForAmlDutyAndCompliance()
    {
        await using var s = await ApiScenario.StartAsync();
        var profile = await (await s.ClientAsAsync(s.Org.Cm1)).GetFromJsonAsync<JsonElement>("/api/clients/P400");
        Assert.Equal("钱*", profile.GetProperty("name").GetString());
        Assert.Equal("138****0400", profile.GetProperty("mobile").GetString());
        Assert.True(profile.GetProperty("amlRiskVisible").GetBoolean());
        Assert.Equal("Low", profile.GetProperty("amlRiskLevel").GetString());

        var ops = await (await s.ClientAsAsync(s.Org.Ops)).GetFromJsonAsync<JsonElement>("/api/clients/P400");
        Assert.False(ops.GetProperty("amlRiskVisible").GetBoolean());
        Assert.False(ops.TryGetProperty("amlRiskLevel", out _));
        var servicers = ops.GetProperty("servicers").EnumerateArray().ToList();
        Assert.Equal("服务官", servicers[0].GetProperty("name").GetString());
        Assert.True(servicers[0].GetProperty("isPrimary").GetBoolean());
    }

    [Fact]
    public async Task Reveal_NeedsPurpose_ReturnsValue_AndIsAudited()
    {
        await using var s = await ApiScenario.StartAsync();
        var cm1 = await s.ClientAsAsync(s.Org.Cm1);

        var noPurpose = await cm1.PostAsJsonAsync("/api/clients/C100/reveal", new { field = "IdNumber", purpose = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noPurpose.StatusCode);
        Assert.Contains("purpose", await noPurpose.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badField = await cm1.PostAsJsonAsync("/api/clients/C100/reveal", new { field = "Salary", purpose = "核对身份信息" });
        Assert.Equal(HttpStatusCode.BadRequest, badField.StatusCode);

        var ok = await cm1.PostAsJsonAsync("/api/clients/C100/reveal", new { field = "IdNumber", purpose = "办理证件更新核对身份" });
        Assert.Equal("110101199003070011", (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value").GetString());

        await using var db = s.NewDb();
        var audit = await db.PersonalDataAccesses.SingleAsync();
        Assert.Equal(s.Org.Cm1.Id, audit.StaffId);
        Assert.Equal("办理证件更新核对身份", audit.Purpose);
        Assert.Equal("api", audit.Channel);
    }

    [Fact]
    public async Task Search_ByPrefixExactMobileAndExactName()
    {
        await using var s = await ApiScenario.StartAsync();
        var admin = await s.ClientAsAsync(s.Org.Admin);
        Assert.Equal(["C100", "C101"], await ListAsync(admin, "?q=c10"));
        Assert.Equal(["C200"], await ListAsync(admin, "?q=138-0000-0200"));
        Assert.Equal(["S300"], await ListAsync(admin, "?q=" + Uri.EscapeDataString("赵六")));
        Assert.Empty(await ListAsync(admin, "?q=" + Uri.EscapeDataString("赵")));
        Assert.Equal(["P400", "P401"], await ListAsync(admin, "?servicer=pool"));
        Assert.Equal(["S300", "P401"], (await ListAsync(admin, $"?branch={s.Org.South.Id}")).OrderByDescending(x => x[0]).ToList());
    }

    [Fact]
    public async Task Paging_WithAfterCursor_WalksAllClients()
    {
        await using var s = await ApiScenario.StartAsync();
        var admin = await s.ClientAsAsync(s.Org.Admin);
        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>("/api/clients?pageSize=4" + (after is null ? "" : "&after=" + after));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("clientNo").GetString()!));
            after = page.TryGetProperty("nextAfter", out var n) ? n.GetString() : null;
        }
        while (after is not null);
        Assert.Equal(["C100", "C101", "C200", "P400", "P401", "S300"], seen);
    }

    [Fact]
    public async Task Tokens_Unauthenticated401_RevokedAndExpiredRejected()
    {
        await using var s = await ApiScenario.StartAsync();
        var anonymous = s.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/clients")).StatusCode);

        var token = await s.IssueAsync(s.Org.Cm1, TimeSpan.FromHours(1));
        var http = s.App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/clients")).StatusCode);

        s.App.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/clients")).StatusCode);

        var second = await s.ClientAsAsync(s.Org.Cm1);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/clients")).StatusCode);
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<CoServe.Features.Security.ApiTokens>();
            foreach (var t in await tokens.ListAsync("cm1", CancellationToken.None)) await tokens.RevokeAsync(t.Id, CancellationToken.None);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/clients")).StatusCode);

        var garbage = s.App.CreateClient();
        garbage.DefaultRequestHeaders.Authorization = new("Bearer", "cst_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await garbage.GetAsync("/api/clients")).StatusCode);
    }

    [Fact]
    public async Task BadInput_GetsProblemDetails()
    {
        await using var s = await ApiScenario.StartAsync();
        var admin = await s.ClientAsAsync(s.Org.Admin);
        var badTier = await admin.GetAsync("/api/clients?tier=Gold");
        Assert.Equal(HttpStatusCode.BadRequest, badTier.StatusCode);
        var badServicer = await admin.GetAsync("/api/clients?servicer=someone");
        Assert.Equal(HttpStatusCode.BadRequest, badServicer.StatusCode);
        Assert.Equal("application/problem+json", badServicer.Content.Headers.ContentType?.MediaType);
        Assert.Contains("servicer must be a staff id or 'pool'", await badServicer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badMonth = await admin.GetAsync("/api/segments/2024-13");
        Assert.Equal(HttpStatusCode.BadRequest, badMonth.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/segments/2024-01")).StatusCode);
        var badRange = await admin.GetAsync("/api/clients/C100/assets/daily?from=2024-02-01&to=2024-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
    }

    [Fact]
    public async Task OpenApiAndHealth_AreServed()
    {
        await using var s = await ApiScenario.StartAsync();
        var http = s.App.CreateClient();
        var doc = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/clients/{clientNo}", doc, StringComparison.Ordinal);
        Assert.Contains("/api/segments/{month}", doc, StringComparison.Ordinal);
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
    }
}

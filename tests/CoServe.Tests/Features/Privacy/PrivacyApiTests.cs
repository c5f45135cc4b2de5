using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Features.Privacy;
using CoServe.Features.Security;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Privacy;

/// <summary>The privacy desk and the reveal's purpose category over HTTP, with the console's rules and ProblemDetails.</summary>
public class PrivacyApiTests
{
    [Fact]
    public async Task TheDesk_ListsAndAnswers_OverHttp_OnlyForCompliance_AndOnce()
    {
        await using var s = await ApiScenario.StartAsync();
        long clientId;
        await using (var db = s.NewDb())
        {
            clientId = await db.Clients.Where(c => c.ClientNo == "P400").Select(c => c.Id).SingleAsync();
        }
        long id;
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            id = await scope.ServiceProvider.GetRequiredService<ClientPrivacy>().SubmitAsync(clientId, DataRight.Delete, "请删除我的营销偏好数据", "api-test", CancellationToken.None);
        }

        using (var cm = await s.ClientAsAsync(s.Org.Cm1))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await cm.GetAsync(new Uri("/api/privacy-requests", UriKind.Relative))).StatusCode);
        }
        using var http = await s.ClientAsAsync(s.Org.Compliance);
        var open = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/privacy-requests", UriKind.Relative));
        Assert.Equal("请删除我的营销偏好数据", open[0].GetProperty("detail").GetString());
        Assert.Equal("Delete", open[0].GetProperty("right").GetString());

        var noReason = await http.PostAsJsonAsync(new Uri($"/api/privacy-requests/{id}/answer", UriKind.Relative), new { outcome = "Refused", reply = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var refused = await http.PostAsJsonAsync(new Uri($"/api/privacy-requests/{id}/answer", UriKind.Relative),
            new { outcome = "Refused", reply = "交易记录须依法保存二十年，无法删除；营销偏好已停止使用。" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var again = await http.PostAsJsonAsync(new Uri($"/api/privacy-requests/{id}/answer", UriKind.Relative), new { outcome = "Completed", reply = "再次答复应当被拒绝。" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already been answered", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"/api/privacy-requests/{id + 1}", UriKind.Relative))).StatusCode);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/privacy-requests", UriKind.Relative))).GetArrayLength());
        Assert.Equal("Refused", (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/privacy-requests?open=false", UriKind.Relative)))[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task AReveal_CarriesItsPurposeCategory_AndAnUnknownCategoryIsRejectedByName()
    {
        await using var s = await ApiScenario.StartAsync();
        using var http = await s.ClientAsAsync(s.Org.Cm1);
        var bad = await http.PostAsJsonAsync(new Uri("/api/clients/C100/reveal", UriKind.Relative), new { field = "Mobile", purpose = "回电核实身份", kind = "Curiosity" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("kind must be one of ClientService", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ok = await http.PostAsJsonAsync(new Uri("/api/clients/C100/reveal", UriKind.Relative), new { field = "Mobile", purpose = "回电核实身份", kind = "callback" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var plain = await http.PostAsJsonAsync(new Uri("/api/clients/C100/reveal", UriKind.Relative), new { field = "Name", purpose = "回电核实身份" });
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        await using var db = s.NewDb();
        Assert.Equal([AccessPurpose.Callback, AccessPurpose.Other], await db.PersonalDataAccesses.OrderBy(a => a.Id).Select(a => a.Kind!.Value).ToListAsync());
    }
}

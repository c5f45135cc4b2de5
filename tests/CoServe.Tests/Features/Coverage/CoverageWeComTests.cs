using System.Net.Http.Json;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Coverage;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Features.Coverage;

/// <summary>The real app on Kestrel and the WeCom simulator over loopback: signed, encrypted contact events and a contact sync into the store.</summary>
public class CoverageWeComTests
{
    private static async Task<string?> LinkOf(ApiScenario s, string clientNo)
    {
        await using var db = s.NewDb();
        return await db.Clients.Where(c => c.ClientNo == clientNo).Select(c => c.WeComExternalUserId).SingleAsync();
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = Environment.TickCount64 + 15_000;
        while (!await condition())
        {
            if (Environment.TickCount64 > until) Assert.Fail("condition not met in time");
            await Task.Delay(50);
        }
    }

    private static async Task<HttpClient> ClientAsync(ApiScenario s, CoServe.Features.Organization.StaffMember staff)
    {
        var token = await s.IssueAsync(staff);
        var http = new HttpClient { BaseAddress = s.App.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        return http;
    }

    [Fact]
    public async Task ContactEventsFromSimulator_LinkAndUnlink_SyncLinksByRemarkMobile_RetriesProcessedOnce_CoverageOverApi()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0, ContactsPerUser = 0 }, 0);
        await using var s = await ApiScenario.StartAsync(kestrel: true, configure: c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Apps:main:Secret"] = sim.Options.Secret;
            // The app runs on a fake clock, the simulator on the real one.
            c["WeCom:ReplayWindowSeconds"] = "0";
            c["WeCom:CallbackPollMilliseconds"] = "50";
        });
        sim.Options.CallbackUrl = new Uri(s.App.BaseAddress, "/api/wecom/callback/main").ToString();
        using var ops = await ClientAsync(s, s.Org.Ops);
        var before = await ops.GetFromJsonAsync<CoverageReport>("/api/wecom/coverage");
        Assert.Equal((6, 0), (before!.Total.Served, before.Total.Linked));

        sim.State.AddContact("wx_cm2", "wmC200", "13800000200");
        sim.State.AddContact("wx_cm2", "wmStranger", "13700000000");
        var report = await s.App.Get<WeComContactSync>().SyncAsync("main", ["wx_cm2"], CancellationToken.None);
        Assert.Equal(2, report.Contacts);
        Assert.Equal("wmC200", await LinkOf(s, "C200"));

        sim.State.AddContact("wx_cm1", "wmC101", "13800000101");
        Assert.Equal([200, 200, 200], await sim.ContactEventAsync("add_external_contact", "wx_cm1", "wmC101", deliveries: 3));
        await EventuallyAsync(async () => await LinkOf(s, "C101") == "wmC101");
        await EventuallyAsync(async () => await s.App.Get<CoServe.Features.Channels.WeCom.Stored.StoredWeComCallbackInbox>().PendingAsync(CancellationToken.None) == 0);
        // The event was delivered three times and processed once: one externalcontact/get.
        Assert.Equal(1, sim.State.CallCount("externalcontact/get"));

        var coverage = await ops.GetFromJsonAsync<CoverageReport>("/api/wecom/coverage");
        Assert.Equal((6, 2), (coverage!.Total.Served, coverage.Total.Linked));
        using var cm1 = await ClientAsync(s, s.Org.Cm1);
        var unlinked = await cm1.GetFromJsonAsync<UnlinkedWorklist>("/api/wecom/coverage/unlinked");
        Assert.Equal(["C100"], unlinked!.Clients.Select(c => c.ClientNo).ToArray());
        // cm1 may not link cm2's client.
        var refused = await cm1.PostAsJsonAsync("/api/wecom/links", new LinkRequest("C200", "wmStranger", null));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);

        sim.State.RemoveContact("wx_cm1", "wmC101");
        Assert.Equal([200], await sim.ContactEventAsync("del_external_contact", "wx_cm1", "wmC101"));
        await EventuallyAsync(async () => await LinkOf(s, "C101") is null);
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Channels.WeCom;

/// <summary>
/// The whole WeCom path in the real app on Kestrel, against the simulator over loopback: a client of the service
/// officer writes in WeCom customer service, the simulator delivers the signed, encrypted callback three times, the
/// message lands once on the client's timeline, the real service officer answers, and the answer goes back out
/// through the simulator's kf/send_msg; the client manager who keeps the client's duties sees both on the timeline.
/// </summary>
public sealed class WeComAppEndToEndTests
{
    private const string ExternalUserId = "wmP400";
    private const string Question = "国债逆回购怎么操作？";

    [Fact]
    public async Task ClientMessageFromSimulator_OnTheTimelineOnce_OfficerReplyDeliveredBackThroughTheSimulator()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0, ContactsPerUser = 0 }, 0);
        await using var s = await ApiScenario.StartAsync(kestrel: true, configure: c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Apps:main:Secret"] = sim.Options.Secret;
            c["WeCom:Apps:main:AgentId"] = sim.Options.AgentId;
            c["WeCom:Apps:main:OpenKfId"] = sim.Options.OpenKfId;
            // The app runs on a fake clock, the simulator on the real one.
            c["WeCom:ReplayWindowSeconds"] = "0";
            c["WeCom:CallbackPollMilliseconds"] = "50";
        });
        sim.Options.CallbackUrl = new Uri(s.App.BaseAddress, "/api/wecom/callback/main").ToString();
        await using (var db = s.NewDb())
        {
            // P400 is in the service officer's pool (cm1 keeps its duties) and linked to its WeCom contact.
            Assert.Equal(1, await db.Clients.Where(c => c.ClientNo == "P400").ExecuteUpdateAsync(u => u.SetProperty(c => c.WeComExternalUserId, ExternalUserId)));
        }

        var (msgId, statuses) = await sim.ClientSaysAsync(ExternalUserId, Question, deliveries: 3);
        Assert.Equal([200, 200, 200], statuses);

        var reply = await EventuallyAsync(() => sim.State.Delivered.FirstOrDefault(d => d.ToUser == ExternalUserId));
        Assert.Equal(sim.Options.OpenKfId, reply.OpenKfId);
        Assert.Contains("逆回购", reply.Text, StringComparison.Ordinal);

        using var cm1 = new HttpClient { BaseAddress = s.App.BaseAddress };
        cm1.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await s.IssueAsync(s.Org.Cm1)).Token);
        var items = await EventuallyAsync(async () =>
        {
            var page = await cm1.GetFromJsonAsync<JsonElement>("/api/clients/P400/timeline");
            var list = page.GetProperty("items").EnumerateArray().ToList();
            return list.Any(i => i.GetProperty("kind").GetString() == "OfficerMessage") ? list : null;
        });
        var client = Assert.Single(items, i => i.GetProperty("kind").GetString() == "ClientMessage");
        Assert.Equal((Question, "wecom"), (client.GetProperty("text").GetString(), client.GetProperty("channel").GetString()));
        var officer = Assert.Single(items, i => i.GetProperty("kind").GetString() == "OfficerMessage");
        Assert.Equal(reply.Text, officer.GetProperty("text").GetString());

        // The callback came three times (as WeCom repeats it until it gets its 200 in time): one stored message, one reply.
        await Task.Delay(500);
        await using var check = s.NewDb();
        var clientId = await check.Clients.Where(c => c.ClientNo == "P400").Select(c => c.Id).SingleAsync();
        Assert.Equal(1, await check.TimelineEvents.CountAsync(e => e.ClientId == clientId && e.IdempotencyKey != null && e.IdempotencyKey.Contains(msgId)));
        Assert.Single(sim.State.Delivered, d => d.ToUser == ExternalUserId);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class => await EventuallyAsync(() => Task.FromResult(probe()));

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : class
    {
        // Guards against a hang only; nothing here asserts how long anything takes.
        var until = Environment.TickCount64 + 30_000;
        while (true)
        {
            if (await probe() is { } found) return found;
            if (Environment.TickCount64 > until) Assert.Fail("not there within 30 s");
            await Task.Delay(50);
        }
    }
}

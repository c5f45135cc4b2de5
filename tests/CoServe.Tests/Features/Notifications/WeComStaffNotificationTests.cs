using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Notifications;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Features.Notifications;

/// <summary>Handoff and SLA notifications to staff as WeCom app messages, through the staff notification outbox, against the WeCom simulator over real HTTP.</summary>
public class WeComStaffNotificationTests
{
    private static Task<CoServiceScenario> ScenarioAsync(WeComSimulator sim, bool enabled = true, string messageType = "TextCard") =>
        CoServiceScenario.StartAsync(configure: c =>
        {
            c["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString();
            c["WeCom:Apps:main:CorpId"] = sim.Options.CorpId;
            c["WeCom:Apps:main:Token"] = sim.Options.Token;
            c["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey;
            c["WeCom:Apps:main:Secret"] = sim.Options.Secret;
            c["WeCom:Apps:main:AgentId"] = sim.Options.AgentId;
            c["WeCom:MaxRetries"] = "0";
            c["Notifications:WeCom:Enabled"] = enabled ? "true" : "false";
            c["Notifications:WeCom:ConsoleBaseUrl"] = "https://coserve.example.test/";
            c["Notifications:WeCom:MessageType"] = messageType;
        });

    private static Task<int> DispatchAsync(CoServiceScenario s) =>
        new StaffNotificationDispatcher(s.Get<IServiceScopeFactory>(), s.Get<StaffNotificationSignal>(), s.H.Clock, NullLogger<StaffNotificationDispatcher>.Instance)
            .DispatchAsync(CancellationToken.None);

    private static async Task<CoServe.Features.Handoffs.Ticket> ComplaintAsync(CoServiceScenario s)
    {
        await s.SayAsync("P400", "我要投诉你们的服务，钱七很生气");
        await s.DrainAsync();
        await using var db = s.NewDb();
        return await db.Tickets.OrderByDescending(t => t.Id).FirstAsync();
    }

    [Fact]
    public async Task Handoff_ReachesTheAssigneeAsAWeComTextCard_ThroughTheOutbox_WithOnlyClientNoAndReason()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions(), 0);
        sim.State.AddContacts("wx_cm1", 0);
        await using var s = await ScenarioAsync(sim);

        var ticket = await ComplaintAsync(s);
        Assert.Equal(s.Org.Cm1.Id, ticket.AssigneeStaffId);
        // Written with the notification, not sent inline.
        Assert.Empty(sim.State.AppMessages);
        await using (var db = s.NewDb())
        {
            var pending = Assert.Single(await db.StaffNotificationDeliveries.Include(d => d.Notification).ToListAsync());
            Assert.Equal((StaffDeliveryStatus.Pending, WeComStaffNotificationChannel.ChannelName, NotificationKind.HandoffAssigned), (pending.Status, pending.Channel, pending.Notification!.Kind));
        }

        Assert.Equal(1, await DispatchAsync(s));
        var card = Assert.Single(sim.State.AppMessages);
        Assert.Equal(("wx_cm1", "textcard", "新的转人工"), (card.ToUser, card.MsgType, card.Title));
        Assert.Contains("P400", card.Text, StringComparison.Ordinal);
        Assert.Contains("投诉", card.Text, StringComparison.Ordinal);
        Assert.Equal($"https://coserve.example.test/inbox/{ticket.Id}", card.Url);
        foreach (var personal in new[] { "钱七", "很生气", "我要投诉你们的服务" })
        {
            Assert.DoesNotContain(personal, card.Title + card.Text + card.Url, StringComparison.Ordinal);
        }
        await using (var db = s.NewDb())
        {
            var delivered = Assert.Single(await db.StaffNotificationDeliveries.ToListAsync());
            Assert.Equal((StaffDeliveryStatus.Delivered, card.MsgId, 1), (delivered.Status, delivered.ProviderMessageId, delivered.Attempts));
        }
        Assert.Equal(0, await DispatchAsync(s));
        Assert.Single(sim.State.AppMessages);
    }

    [Fact]
    public async Task RateLimited_IsRetriedLater_UnknownWeComUser_FailsWithReason_NotificationKept()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions(), 0);
        sim.State.AddContacts("wx_cm1", 0);
        await using var s = await ScenarioAsync(sim, messageType: "Text");
        sim.State.ForceError("message/send", SimulatorErrors.ApiFrequencyLimit, 1);

        await ComplaintAsync(s);
        Assert.Equal(1, await DispatchAsync(s));
        Assert.Empty(sim.State.AppMessages);
        await using (var db = s.NewDb())
        {
            var waiting = Assert.Single(await db.StaffNotificationDeliveries.ToListAsync());
            Assert.Equal((StaffDeliveryStatus.Pending, 1), (waiting.Status, waiting.Attempts));
            Assert.Contains("45009", waiting.LastError, StringComparison.Ordinal);
        }
        // Not due yet: nothing is sent.
        Assert.Equal(0, await DispatchAsync(s));
        s.H.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await DispatchAsync(s));
        var text = Assert.Single(sim.State.AppMessages);
        Assert.Equal("text", text.MsgType);
        Assert.Contains("客户号：P400", text.Text, StringComparison.Ordinal);
        Assert.Contains("https://coserve.example.test/inbox/", text.Text, StringComparison.Ordinal);

        // A staff member WeCom does not know: failed with the reason, the console notification stays.
        await using (var db = s.NewDb())
        {
            var cm1 = await db.Staff.SingleAsync(x => x.Id == s.Org.Cm1.Id);
            cm1.WeComUserId = "wx_nobody";
            await db.SaveChangesAsync();
        }
        var ticket = await s.NewDb().Tickets.SingleAsync();
        await using (var scope = s.Get<IServiceScopeFactory>().CreateAsyncScope())
        {
            var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
            notifier.Add(s.Org.Cm1.Id, NotificationKind.SlaReminder, "即将超时：投诉 · 客户 P400", $"/inbox/{ticket.Id}", ticket.ClientId, ticket.Id);
            await scope.ServiceProvider.GetRequiredService<CoServe.Data.CoServeDb>().SaveChangesAsync();
            await notifier.FlushAsync(CancellationToken.None);
        }
        Assert.Equal(1, await DispatchAsync(s));
        Assert.Single(sim.State.AppMessages);
        await using (var db = s.NewDb())
        {
            var failed = await db.StaffNotificationDeliveries.Include(d => d.Notification).SingleAsync(d => d.Notification!.Kind == NotificationKind.SlaReminder);
            Assert.Equal(StaffDeliveryStatus.Failed, failed.Status);
            Assert.Contains("does not know", failed.LastError, StringComparison.Ordinal);
            Assert.Equal(2, await db.StaffNotifications.CountAsync(n => n.StaffId == s.Org.Cm1.Id));
        }
    }

    [Fact]
    public async Task Disabled_ByDefault_NoDeliveriesAreWritten()
    {
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions(), 0);
        await using var s = await ScenarioAsync(sim, enabled: false);
        await ComplaintAsync(s);
        await using var db = s.NewDb();
        Assert.NotEmpty(await db.StaffNotifications.ToListAsync());
        Assert.Empty(await db.StaffNotificationDeliveries.ToListAsync());
        Assert.Equal(0, await DispatchAsync(s));
        Assert.Empty(sim.State.AppMessages);
    }
}

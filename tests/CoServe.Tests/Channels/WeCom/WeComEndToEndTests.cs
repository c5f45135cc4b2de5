using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComEndToEndTests
{
    [Fact]
    public async Task ClientSays_CallbackDeliveredThreeTimes_SinkReceivesTheMessageOnce()
    {
        await using var rig = await WeComRig.StartAsync();
        using var say = await rig.Sim.BaseAddressClient().PostAsJsonAsync("sim/clients/wmClient001/say", new { text = "我的账户为什么被冻结了？", deliveries = 3 });
        var reply = await say.Content.ReadFromJsonAsync<JsonElement>();
        var msgId = reply.GetProperty("msgid").GetString();
        Assert.Equal([200, 200, 200], reply.GetProperty("callback_statuses").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
        await Task.Delay(300);
        Assert.Equal(1, rig.Sink.Calls);
        Assert.Equal(1, rig.Sim.State.CallCount("kf/sync_msg"));
        var m = Assert.Single(rig.Sink.Stored);
        Assert.Equal(("wecom", ClientReferenceKind.WeComExternalUserId, "wmClient001", "我的账户为什么被冻结了？", msgId),
            (m.Channel, m.ReferenceKind, m.ClientReference, m.Text, m.IdempotencyKey));

        // The stored cursor means the next event pulls only the new message.
        await rig.Sim.ClientSaysAsync("wmClient001", "还在吗");
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 2);
        Assert.Equal(2, rig.Sink.Calls);
    }

    [Fact]
    public async Task SyncTokenRefused_PullsByCursorAlone_AndNothingIsLost()
    {
        await using var rig = await WeComRig.StartAsync();
        rig.Sim.State.ForceError("kf/sync_msg", 95007, 1);
        await rig.Sim.ClientSaysAsync("wmClient006", "令牌过期了");
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
        Assert.Equal(2, rig.Sim.State.CallCount("kf/sync_msg"));
    }

    [Fact]
    public async Task SyncFailsWithOutage_WorkerRetries_AndTheMessageArrives()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?> { ["WeCom:MaxRetries"] = "0" });
        rig.Sim.State.Force5xx(2);
        await rig.Sim.ClientSaysAsync("wmClient007", "服务器忙");
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
    }

    [Fact]
    public async Task ClientSendsImageAndFile_SinkReceivesAttachments()
    {
        await using var rig = await WeComRig.StartAsync();
        await rig.Sim.ClientSaysAsync("wmClient002", "", msgType: "image");
        await rig.Sim.ClientSaysAsync("wmClient002", "", msgType: "file");
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 2);
        var kinds = rig.Sink.Stored.Select(m => Assert.Single(m.Attachments)).ToList();
        Assert.Equal(["file", "image"], kinds.Select(a => a.Kind).Order(StringComparer.Ordinal).ToArray());
        Assert.All(kinds, a => Assert.False(string.IsNullOrEmpty(a.MediaId)));
    }

    [Fact]
    public async Task Reply_GoesOutThroughKfSendMsg_AndARepeatIsNotSentTwice()
    {
        await using var rig = await WeComRig.StartAsync();
        await rig.Sim.ClientSaysAsync("wmClient003", "你好");
        var channel = Assert.Single(rig.Get<IEnumerable<IOutboundChannel>>());
        Assert.Equal("wecom", channel.Channel);
        var message = new OutboundMessage(42, "wecom", "C0000042", "wmClient003", "您好，我是服务官小助手。", "timeline-42/reply");
        var first = await channel.DeliverAsync(message, CancellationToken.None);
        var again = await channel.DeliverAsync(message, CancellationToken.None);
        Assert.Equal(DeliveryStatus.Delivered, first.Status);
        Assert.Equal(first, again);

        using var delivered = await rig.Sim.BaseAddressClient().GetFromJsonAsync<JsonDocument>("sim/delivered");
        var d = Assert.Single(delivered!.RootElement.EnumerateArray());
        Assert.Equal("wmClient003", d.GetProperty("touser").GetString());
        Assert.Equal("您好，我是服务官小助手。", d.GetProperty("text").GetString());
        Assert.Equal(first.ProviderMessageId, d.GetProperty("msgid").GetString());
        Assert.Equal(WeComOutboundChannel.KfMessageId("timeline-42/reply"), first.ProviderMessageId);
    }

    [Fact]
    public async Task Reply_LedgerLost_SameMsgIdIsNotDeliveredTwiceByWeCom()
    {
        await using var rig = await WeComRig.StartAsync();
        await rig.Sim.ClientSaysAsync("wmClient004", "你好");
        var api = rig.Get<WeComApiClient>();
        var id = WeComOutboundChannel.KfMessageId("key-1");
        Assert.True((await api.KfSendTextAsync("main", rig.Sim.Options.OpenKfId, "wmClient004", "一", id, CancellationToken.None)).IsOk);
        Assert.True((await api.KfSendTextAsync("main", rig.Sim.Options.OpenKfId, "wmClient004", "一", id, CancellationToken.None)).IsOk);
        Assert.Single(rig.Sim.State.Delivered);
    }

    [Fact]
    public async Task Reply_RateLimited_IsThrottledWithADelay()
    {
        await using var rig = await WeComRig.StartAsync();
        await rig.Sim.ClientSaysAsync("wmClient005", "你好");
        rig.Sim.State.ForceError("kf/send_msg", 45009, 10);
        var result = await rig.Get<WeComOutboundChannel>().DeliverAsync(new OutboundMessage(1, "wecom", "C1", "wmClient005", "稍等", "k-rl"), CancellationToken.None);
        Assert.Equal(DeliveryStatus.Throttled, result.Status);
        Assert.NotNull(result.RetryAfter);
        Assert.Empty(rig.Sim.State.Delivered);
        Assert.Equal(4, rig.Sim.State.CallCount("kf/send_msg"));
    }

    [Fact]
    public async Task Reply_ToClientWhoNeverWrote_Fails_AndWithoutExternalId_Fails()
    {
        await using var rig = await WeComRig.StartAsync();
        var channel = rig.Get<WeComOutboundChannel>();
        var never = await channel.DeliverAsync(new OutboundMessage(1, "wecom", "C1", "wmStranger", "您好", "k-1"), CancellationToken.None);
        Assert.Equal(DeliveryStatus.Failed, never.Status);
        Assert.Contains("95001", never.Error, StringComparison.Ordinal);
        var noId = await channel.DeliverAsync(new OutboundMessage(2, "wecom", "C2", null, "您好", "k-2"), CancellationToken.None);
        Assert.Equal(DeliveryStatus.Failed, noId.Status);
        var tooLong = await channel.DeliverAsync(new OutboundMessage(3, "wecom", "C3", "wmStranger", new string('长', 700), "k-3"), CancellationToken.None);
        Assert.Equal(DeliveryStatus.Failed, tooLong.Status);
    }

    [Fact]
    public void KfMessageId_KeepsShortSafeKeys_AndHashesOthers()
    {
        Assert.Equal("reply_1-a", WeComOutboundChannel.KfMessageId("reply_1-a"));
        var hashed = WeComOutboundChannel.KfMessageId("timeline/123:reply#1 with a long key beyond thirty-two");
        Assert.Equal(32, hashed.Length);
        Assert.All(hashed, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));
        Assert.Equal(hashed, WeComOutboundChannel.KfMessageId("timeline/123:reply#1 with a long key beyond thirty-two"));
    }

    [Fact]
    public async Task KfServiceState_GetAndTrans_FollowWeComTransitions()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        var kf = rig.Sim.Options.OpenKfId;
        Assert.Equal(0, (await api.KfServiceStateAsync("main", kf, "wmS", CancellationToken.None)).Require().ServiceState);
        Assert.True((await api.KfTransServiceStateAsync("main", kf, "wmS", 1, null, CancellationToken.None)).IsOk);
        Assert.True((await api.KfTransServiceStateAsync("main", kf, "wmS", 3, "so-agent-1", CancellationToken.None)).IsOk);
        var state = (await api.KfServiceStateAsync("main", kf, "wmS", CancellationToken.None)).Require();
        Assert.Equal((3, "so-agent-1"), (state.ServiceState, state.ServicerUserid));
        var bad = await api.KfTransServiceStateAsync("main", kf, "wmS", 0, null, CancellationToken.None);
        Assert.Equal((WeComCallStatus.Failed, 95016), (bad.Status, bad.ErrCode));
    }
}

internal static class SimulatorClientExtensions
{
    public static HttpClient BaseAddressClient(this CoServe.Features.Channels.WeCom.Simulator.WeComSimulator sim) => new() { BaseAddress = sim.BaseAddress };
}

using CoServe.Features.Channels.WeCom;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComGroupMessageTests
{
    [Fact]
    public async Task OnePerDay_SecondMessageToTheSameCustomer_IsHeldBackBeforeCalling()
    {
        await using var rig = await WeComRig.StartAsync(
            sim => sim.GroupMessageCap = GroupMessageCapMode.OnePerDay,
            new Dictionary<string, string?> { ["WeCom:GroupMessageCap"] = "OnePerDay" });
        var ids = (await rig.Get<WeComApiClient>().ContactListAsync("main", "cm0001", CancellationToken.None)).Require().ExternalUserid;
        var group = rig.Get<WeComGroupMessages>();

        var first = await group.CreateAsync("main", "cm0001", [ids[0], ids[1]], "本周市场回顾已发布", CancellationToken.None);
        Assert.Equal(GroupMessageStatus.Created, first.Status);
        Assert.False(string.IsNullOrEmpty(first.MsgId));
        Assert.Equal([ids[0], ids[1]], first.Included);

        var second = await group.CreateAsync("main", "cm0001", [ids[0], ids[2]], "第二条", CancellationToken.None);
        Assert.Equal([ids[2]], second.Included);
        Assert.Equal([ids[0]], second.OverCap);
        Assert.Equal([ids[2]], rig.Sim.State.GroupMessages[1].Recipients);

        var third = await group.CreateAsync("main", "cm0001", [ids[0], ids[1], ids[2]], "第三条", CancellationToken.None);
        Assert.Equal(GroupMessageStatus.NothingToSend, third.Status);
        Assert.Equal(2, rig.Sim.State.CallCount("externalcontact/add_msg_template"));
    }

    [Fact]
    public async Task CustomerNotFollowedBySender_IsReportedFromFailList_AndDoesNotUseTheCap()
    {
        await using var rig = await WeComRig.StartAsync(
            sim => sim.GroupMessageCap = GroupMessageCapMode.OnePerDay,
            new Dictionary<string, string?> { ["WeCom:GroupMessageCap"] = "OnePerDay" });
        var other = (await rig.Get<WeComApiClient>().ContactListAsync("main", "cm0002", CancellationToken.None)).Require().ExternalUserid[0];
        var group = rig.Get<WeComGroupMessages>();
        var outcome = await group.CreateAsync("main", "cm0001", [other], "通知", CancellationToken.None);
        Assert.Equal([other], outcome.RejectedByWeCom);
        var again = await group.CreateAsync("main", "cm0002", [other], "通知", CancellationToken.None);
        Assert.Equal([other], again.Included);
    }

    [Fact]
    public async Task Failure_ReleasesTheReservedCap()
    {
        await using var rig = await WeComRig.StartAsync(
            sim => sim.GroupMessageCap = GroupMessageCapMode.OnePerDay,
            new Dictionary<string, string?> { ["WeCom:GroupMessageCap"] = "OnePerDay" });
        var id = (await rig.Get<WeComApiClient>().ContactListAsync("main", "cm0001", CancellationToken.None)).Require().ExternalUserid[0];
        rig.Sim.State.ForceError("externalcontact/add_msg_template", 40058, 1);
        var group = rig.Get<WeComGroupMessages>();
        Assert.Equal(GroupMessageStatus.Failed, (await group.CreateAsync("main", "cm0001", [id], "x", CancellationToken.None)).Status);
        Assert.Equal(GroupMessageStatus.Created, (await group.CreateAsync("main", "cm0001", [id], "x", CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData(GroupMessageCapMode.DaysInMonthPerMonth, "2026-02-10", "2026-02", 28)]
    [InlineData(GroupMessageCapMode.DaysInMonthPerMonth, "2026-01-31", "2026-01", 31)]
    [InlineData(GroupMessageCapMode.DaysInMonthPerMonth, "2028-02-29", "2028-02", 29)]
    [InlineData(GroupMessageCapMode.SevenPerWeek, "2026-01-01", "2026-W01", 7)]
    [InlineData(GroupMessageCapMode.SevenPerWeek, "2027-01-01", "2026-W53", 7)]
    [InlineData(GroupMessageCapMode.OnePerDay, "2026-03-05", "2026-03-05", 1)]
    public void Period_FollowsTheConfiguredCap(GroupMessageCapMode mode, string day, string key, int cap) =>
        Assert.Equal((key, cap), WeComGroupMessages.Period(mode, DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task DaysInMonthCap_AllowsAsManyAsTheMonthHasDays()
    {
        await using var rig = await WeComRig.StartAsync();
        var ledger = rig.Get<IWeComGroupMessageLedger>();
        for (var i = 0; i < 30; i++) Assert.True(await ledger.TryReserveAsync("wmX", "2026-04", 30, CancellationToken.None));
        Assert.False(await ledger.TryReserveAsync("wmX", "2026-04", 30, CancellationToken.None));
    }
}

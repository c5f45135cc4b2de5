using CoServe.Features.Channels.WeCom;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComApiClientTests
{
    [Fact]
    public async Task AccessToken_IsCachedAcrossCalls()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        for (var i = 0; i < 5; i++) Assert.True((await api.ContactListAsync("main", "cm0001", CancellationToken.None)).IsOk);
        Assert.Equal(1, rig.Sim.State.CallCount("gettoken"));
    }

    [Fact]
    public async Task TokenExpiresMidBatch_ConcurrentCallsRefreshExactlyOnce()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        Assert.True((await api.ContactListAsync("main", "cm0001", CancellationToken.None)).IsOk);
        rig.Sim.State.ExpireTokens();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.ContactListAsync("main", "cm0002", CancellationToken.None)));
        Assert.All(results, r => Assert.True(r.IsOk));
        Assert.Equal(2, rig.Sim.State.CallCount("gettoken"));
    }

    [Fact]
    public async Task ForcedExpiry42001_RefreshesOnceAndRetries()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        Assert.True((await api.ContactListAsync("main", "cm0001", CancellationToken.None)).IsOk);
        rig.Sim.State.ForceError("externalcontact/list", 42001, 1);
        var r = await api.ContactListAsync("main", "cm0001", CancellationToken.None);
        Assert.True(r.IsOk);
        Assert.Equal(5, r.Value!.ExternalUserid.Count);
        Assert.Equal(2, rig.Sim.State.CallCount("gettoken"));
        Assert.Equal(3, rig.Sim.State.CallCount("externalcontact/list"));
    }

    [Fact]
    public async Task TokenRejectedTwice_FailsAfterOneRefresh()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        rig.Sim.State.ForceError("externalcontact/list", 40014, 2);
        var r = await api.ContactListAsync("main", "cm0001", CancellationToken.None);
        Assert.Equal((WeComCallStatus.Failed, 40014), (r.Status, r.ErrCode));
        Assert.Equal(2, rig.Sim.State.CallCount("externalcontact/list"));
    }

    [Fact]
    public async Task RateLimit45009_BacksOffThenSucceeds()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        rig.Sim.State.ForceError("externalcontact/list", 45009, 2);
        var r = await api.ContactListAsync("main", "cm0001", CancellationToken.None);
        Assert.True(r.IsOk);
        Assert.Equal(3, rig.Sim.State.CallCount("externalcontact/list"));
    }

    [Fact]
    public async Task RateLimitOfTheSimulatorPerMinute_IsHonouredWithBackoff()
    {
        await using var rig = await WeComRig.StartAsync(sim => sim.RateLimitPerMinute = 3);
        // Start just after a minute boundary, so the four calls share one rate-limit window.
        var now = rig.Sim.Clock.GetUtcNow();
        rig.Sim.Clock.Advance(TimeSpan.FromSeconds(61 - now.Second));
        var api = rig.Get<WeComApiClient>();
        var results = new List<WeComCallResult<ContactListReply>>();
        for (var i = 0; i < 4; i++) results.Add(await api.ContactListAsync("main", "cm0001", CancellationToken.None));
        Assert.True(results.Take(3).All(r => r.IsOk));
        Assert.Equal((WeComCallStatus.RetryLater, 45009), (results[3].Status, results[3].ErrCode));
        Assert.NotNull(results[3].RetryAfter);
    }

    [Fact]
    public async Task SystemBusyAnd5xx_AreRetried()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        Assert.True((await api.ContactListAsync("main", "cm0001", CancellationToken.None)).IsOk);
        rig.Sim.State.ForceError("externalcontact/list", -1, 1);
        rig.Sim.State.Force5xx(1);
        Assert.True((await api.ContactListAsync("main", "cm0001", CancellationToken.None)).IsOk);
        Assert.Equal(4, rig.Sim.State.CallCount("externalcontact/list"));
    }

    [Fact]
    public async Task OtherErrcode_IsATypedFailureWithoutRetry()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        var r = await api.ContactListAsync("main", "nobody", CancellationToken.None);
        Assert.Equal((WeComCallStatus.Failed, 40003), (r.Status, r.ErrCode));
        Assert.Equal(1, rig.Sim.State.CallCount("externalcontact/list"));
        var ex = Assert.Throws<WeComApiException>(() => r.Require());
        Assert.Equal(40003, ex.ErrCode);
    }

    [Fact]
    public async Task WrongSecret_IsFailed40001()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?> { ["WeCom:Apps:main:Secret"] = "wrong" });
        var r = await rig.Get<WeComApiClient>().ContactListAsync("main", "cm0001", CancellationToken.None);
        Assert.Equal((WeComCallStatus.Failed, 40001), (r.Status, r.ErrCode));
    }

    [Fact]
    public async Task ContactGet_AndMarkTag_Work()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        var id = (await api.ContactListAsync("main", "cm0001", CancellationToken.None)).Require().ExternalUserid[0];
        var contact = (await api.ContactGetAsync("main", id, null, CancellationToken.None)).Require();
        Assert.Equal(id, contact.ExternalContact!.ExternalUserid);
        Assert.Equal("cm0001", Assert.Single(contact.FollowUser).Userid);
        Assert.True((await api.MarkTagAsync("main", new MarkTagRequest { Userid = "cm0001", ExternalUserid = id, AddTag = ["et-base"] }, CancellationToken.None)).IsOk);
        await Assert.ThrowsAsync<ArgumentException>(() => api.MarkTagAsync("main", new MarkTagRequest { Userid = "cm0001", ExternalUserid = id }, CancellationToken.None));
        Assert.Equal(40096, (await api.ContactGetAsync("main", "wmNobody", null, CancellationToken.None)).ErrCode);
    }
}

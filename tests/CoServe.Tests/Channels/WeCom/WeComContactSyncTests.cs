using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComContactSyncTests
{
    private static readonly string[] Staff = [SimulatorState.StaffUserId(1), SimulatorState.StaffUserId(2), SimulatorState.StaffUserId(3)];

    [Fact]
    public async Task Sync_FollowsCursorsAcrossMembers()
    {
        await using var rig = await WeComRig.StartAsync(sim => { sim.StaffUsers = 3; sim.ContactsPerUser = 250; });
        var report = await rig.Get<WeComContactSync>().SyncAsync("main", Staff, CancellationToken.None);
        Assert.Equal(new ContactSyncReport(8, 750, 750, false), report);
        var store = (InMemoryContactStore)rig.Get<IWeComContactStore>();
        Assert.Equal(750, store.Count);
        var c = store.All.First(x => x.FollowUserId == "cm0002");
        Assert.StartsWith("139", Assert.Single(c.RemarkMobiles), StringComparison.Ordinal);
        Assert.NotNull(c.AddedAt);
    }

    [Fact]
    public async Task InterruptedSync_ResumesFromTheStoredCursor_WithoutDuplicates()
    {
        await using var rig = await WeComRig.StartAsync(
            sim => { sim.StaffUsers = 3; sim.ContactsPerUser = 250; },
            new Dictionary<string, string?> { ["WeCom:MaxRetries"] = "1" });
        var sync = rig.Get<WeComContactSync>();
        // gettoken + 3 pages succeed, then WeCom answers 500 until the outage ends.
        rig.Sim.State.FailAfter(4);
        var ex = await Assert.ThrowsAsync<WeComApiException>(() => sync.SyncAsync("main", Staff, CancellationToken.None));
        Assert.Equal(WeComCallStatus.RetryLater, ex.Status);
        var store = (InMemoryContactStore)rig.Get<IWeComContactStore>();
        Assert.Equal(300, store.Count);

        rig.Sim.State.ClearFaults();
        var resumed = await sync.SyncAsync("main", Staff, CancellationToken.None);
        Assert.True(resumed.Resumed);
        Assert.Equal(5, resumed.Pages);
        Assert.Equal(450, resumed.NewContacts);
        Assert.Equal(750, store.Count);

        // Finished: the next run is a full pass again, and adds nothing new.
        var again = await sync.SyncAsync("main", Staff, CancellationToken.None);
        Assert.Equal(new ContactSyncReport(8, 750, 0, false), again);
    }

    [Fact]
    public async Task Sync_RateLimitedMidway_BacksOffAndCompletes()
    {
        await using var rig = await WeComRig.StartAsync(sim => { sim.StaffUsers = 2; sim.ContactsPerUser = 150; });
        rig.Sim.State.ForceError("externalcontact/batch/get_by_user", 45009, 2);
        var report = await rig.Get<WeComContactSync>().SyncAsync("main", [.. Staff.Take(2)], CancellationToken.None);
        Assert.Equal(300, report.NewContacts);
    }

    [Fact]
    public async Task BatchGetByUser_LimitsAreCheckedBeforeCalling()
    {
        await using var rig = await WeComRig.StartAsync();
        var api = rig.Get<WeComApiClient>();
        await Assert.ThrowsAsync<ArgumentException>(() => api.ContactBatchGetByUserAsync("main",
            new BatchGetByUserRequest { UseridList = [.. Enumerable.Range(1, 101).Select(SimulatorState.StaffUserId)] }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => api.ContactBatchGetByUserAsync("main",
            new BatchGetByUserRequest { UseridList = ["cm0001"], Limit = 101 }, CancellationToken.None));
        Assert.Equal(0, rig.Sim.State.CallCount("externalcontact/batch/get_by_user"));
    }
}

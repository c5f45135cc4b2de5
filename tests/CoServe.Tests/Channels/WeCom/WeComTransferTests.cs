using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComTransferTests
{
    private static async Task<List<string>> ContactsOf(WeComRig rig, string userId) =>
        (await rig.Get<WeComApiClient>().ContactListAsync("main", userId, CancellationToken.None)).Require().ExternalUserid;

    [Fact]
    public async Task Transfer250Customers_IsSplitIntoCallsOfAtMost100()
    {
        await using var rig = await WeComRig.StartAsync(sim => { sim.StaffUsers = 2; sim.ContactsPerUser = 250; });
        var ids = await ContactsOf(rig, "cm0001");
        var outcomes = await rig.Get<WeComTransfers>().TransferAsync("main", "cm0001", "cm0002", ids, "您好，我是新的服务人员", CancellationToken.None);
        Assert.Equal(250, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(TransferStartOutcome.Started, o.Outcome));
        Assert.Equal(ids, outcomes.Select(o => o.ExternalUserId).ToList());
        Assert.Equal(3, rig.Sim.State.CallCount("externalcontact/transfer_customer"));
    }

    [Fact]
    public async Task HandoverEqualsTakeover_IsRejectedBeforeCalling()
    {
        await using var rig = await WeComRig.StartAsync();
        var ids = await ContactsOf(rig, "cm0001");
        var outcomes = await rig.Get<WeComTransfers>().TransferAsync("main", "cm0001", "cm0001", ids, null, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal((TransferStartOutcome.SameHandoverAndTakeover, 40130), (o.Outcome, o.ErrCode)));
        Assert.Equal(0, rig.Sim.State.CallCount("externalcontact/transfer_customer"));
    }

    [Fact]
    public async Task ThirdTransferIn90Days_IsRejectedBeforeCalling()
    {
        await using var rig = await WeComRig.StartAsync();
        var transfers = rig.Get<WeComTransfers>();
        var id = (await ContactsOf(rig, "cm0001"))[0];
        Assert.Equal(TransferStartOutcome.Started, (await transfers.TransferAsync("main", "cm0001", "cm0002", [id], null, CancellationToken.None))[0].Outcome);
        rig.Sim.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(TransferStartOutcome.Started, (await transfers.TransferAsync("main", "cm0002", "cm0001", [id], null, CancellationToken.None))[0].Outcome);
        rig.Sim.Clock.Advance(TimeSpan.FromHours(25));
        var calls = rig.Sim.State.CallCount("externalcontact/transfer_customer");
        var third = (await transfers.TransferAsync("main", "cm0001", "cm0003", [id], null, CancellationToken.None))[0];
        Assert.Equal((TransferStartOutcome.TooFrequent, 40128), (third.Outcome, third.ErrCode));
        Assert.Equal(calls, rig.Sim.State.CallCount("externalcontact/transfer_customer"));
    }

    [Fact]
    public async Task ServerSays40128_WhenOurHistoryDoesNotKnow_IsMappedToTooFrequent()
    {
        await using var rig = await WeComRig.StartAsync();
        var id = (await ContactsOf(rig, "cm0001"))[0];
        // Two transfers made outside CoServe (e.g. in the admin console).
        Assert.Equal(0, rig.Sim.State.TransferCustomers("cm0001", "cm0002", [id], null, false).Customers[0].ErrCode);
        rig.Sim.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(0, rig.Sim.State.TransferCustomers("cm0002", "cm0001", [id], null, false).Customers[0].ErrCode);
        rig.Sim.Clock.Advance(TimeSpan.FromHours(25));
        var o = (await rig.Get<WeComTransfers>().TransferAsync("main", "cm0001", "cm0003", [id], null, CancellationToken.None))[0];
        Assert.Equal((TransferStartOutcome.TooFrequent, 40128), (o.Outcome, o.ErrCode));
        // 50 simulated hours also expired the access token: one refresh, then the answer.
        Assert.Equal(2, rig.Sim.State.CallCount("gettoken"));
    }

    [Fact]
    public async Task AlreadyTransferringAndInvalidCustomer_AreMappedPerCustomer()
    {
        await using var rig = await WeComRig.StartAsync();
        var transfers = rig.Get<WeComTransfers>();
        var ids = await ContactsOf(rig, "cm0001");
        await transfers.TransferAsync("main", "cm0001", "cm0002", [ids[0]], null, CancellationToken.None);
        var outcomes = await transfers.TransferAsync("main", "cm0001", "cm0002", [ids[0], "wmNotACustomer", ids[1]], null, CancellationToken.None);
        Assert.Equal(
            [(TransferStartOutcome.AlreadyTransferring, 40129), (TransferStartOutcome.InvalidExternalUserId, 40096), (TransferStartOutcome.Started, 0)],
            outcomes.Select(o => (o.Outcome, o.ErrCode)).ToArray());
    }

    [Fact]
    public async Task TransferResults_EveryDocumentedStatus_IsMapped()
    {
        await using var rig = await WeComRig.StartAsync();
        var transfers = rig.Get<WeComTransfers>();
        var ids = await ContactsOf(rig, "cm0001");
        var (taken, refused, full, waiting) = (ids[0], ids[1], ids[2], ids[3]);
        await transfers.TransferAsync("main", "cm0001", "cm0002", [taken, refused, full], null, CancellationToken.None);
        using var http = rig.Sim.BaseAddressClient();
        using (var r = await http.PostAsync($"sim/customers/{refused}/refuse", null)) r.EnsureSuccessStatusCode();
        using (var r = await http.PostAsync($"sim/customers/{full}/at-capacity", null)) r.EnsureSuccessStatusCode();
        rig.Sim.Clock.Advance(TimeSpan.FromHours(SimulatorState.TakeoverHours + 1));
        await transfers.TransferAsync("main", "cm0001", "cm0002", [waiting], null, CancellationToken.None);

        var results = (await transfers.ResultsAsync("main", "cm0001", "cm0002", resigned: false, CancellationToken.None)).ToDictionary(r => r.ExternalUserId);
        Assert.Equal(WeComTransferStatus.TakenOver, results[taken].Status);
        Assert.NotNull(results[taken].TakeoverTime);
        Assert.Equal(WeComTransferStatus.Refused, results[refused].Status);
        Assert.Equal(WeComTransferStatus.TakeoverAtCapacity, results[full].Status);
        Assert.Equal(WeComTransferStatus.Waiting, results[waiting].Status);
        Assert.Contains(taken, await ContactsOf(rig, "cm0002"));

        // The refusal also arrived as a transfer_fail callback naming the takeover member.
        await WeComRig.EventuallyAsync(() => rig.Events.Changes.OfType<ExternalContactTransferFailed>().Any());
        Assert.Equal("cm0002", rig.Events.Changes.OfType<ExternalContactTransferFailed>().Single().UserId);
    }

    [Theory]
    [InlineData(1, WeComTransferStatus.TakenOver)]
    [InlineData(2, WeComTransferStatus.Waiting)]
    [InlineData(3, WeComTransferStatus.Refused)]
    [InlineData(4, WeComTransferStatus.TakeoverAtCapacity)]
    [InlineData(9, WeComTransferStatus.Unknown)]
    public void MapStatus_CoversTheDocumentedStatuses(int status, WeComTransferStatus expected) =>
        Assert.Equal(expected, WeComTransfers.MapStatus(status));

    [Fact]
    public async Task ResignedMember_UnassignedCustomersAreTransferred()
    {
        await using var rig = await WeComRig.StartAsync();
        rig.Sim.State.Resign("cm0003");
        var transfers = rig.Get<WeComTransfers>();
        var unassigned = await transfers.UnassignedAsync("main", CancellationToken.None);
        Assert.Equal(5, unassigned.Count);
        Assert.All(unassigned, u => Assert.Equal("cm0003", u.HandoverUserid));
        var outcomes = await transfers.TransferResignedAsync("main", "cm0003", "cm0001", [.. unassigned.Select(u => u.ExternalUserid)], CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(TransferStartOutcome.Started, o.Outcome));
        Assert.Equal(1, rig.Sim.State.CallCount("externalcontact/resigned/transfer_customer"));
        var results = await transfers.ResultsAsync("main", "cm0003", "cm0001", resigned: true, CancellationToken.None);
        Assert.All(results, r => Assert.Equal(WeComTransferStatus.Waiting, r.Status));
        Assert.Empty(await transfers.UnassignedAsync("main", CancellationToken.None));
    }

    [Fact]
    public async Task TransferCall_RateLimitedThroughout_IsRetryLaterForTheChunk()
    {
        await using var rig = await WeComRig.StartAsync();
        var ids = await ContactsOf(rig, "cm0001");
        rig.Sim.State.ForceError("externalcontact/transfer_customer", 45009, 10);
        var outcomes = await rig.Get<WeComTransfers>().TransferAsync("main", "cm0001", "cm0002", ids, null, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(TransferStartOutcome.RetryLater, o.Outcome));
    }
}

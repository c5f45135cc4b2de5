using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Transfers;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Features.Transfers;

/// <summary>The set-based row updates the transfer batches store their moves with, on both stores.</summary>
public class RowUpdatesTests
{
    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Update_SetsConvertedValues_OnlyWhereTheVersionIsStillTheOneRead(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        var fresh = await t.ClientAsync("F1", t.Org.Cm1, [100m, 100m, 100m]);
        var stale = await t.ClientAsync("S1", t.Org.Cm1, [100m, 100m, 100m]);
        var plan = await t.PlanAsync();
        var later = t.S.H.Clock.GetUtcNow().AddHours(3);
        await using var db = t.NewDb();
        var items = await db.TransferItems.AsNoTracking().Where(i => i.PlanId == plan.PlanId).ToDictionaryAsync(i => i.ClientId);
        var versions = await db.Clients.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Version);

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            var clients = await RowUpdates.ExecuteAsync<Client>(db, ["Version", "UpdatedAt"],
                [new RowUpdate(fresh, versions[fresh], [versions[fresh] + 2, later]), new RowUpdate(stale, versions[stale] - 1, [versions[stale] + 2, later])], default);
            var moved = await RowUpdates.ExecuteAsync<TransferItem>(db, ["Status", "MovedAt", "Version", "WeComState", "WeComHandoverUserId", "WeComTakeoverUserId"],
                [new RowUpdate(items[fresh].Id, items[fresh].Version, [TransferItemStatus.Moved, later, items[fresh].Version + 1, WeComTransferState.Pending, "cm1-wecom", null])], default);
            Assert.Equal((1, 1), (clients, moved));
            await tx.CommitAsync();
        }

        var updated = await db.Clients.AsNoTracking().SingleAsync(c => c.Id == fresh);
        Assert.Equal((versions[fresh] + 2, later), (updated.Version, updated.UpdatedAt));
        var untouched = await db.Clients.AsNoTracking().SingleAsync(c => c.Id == stale);
        Assert.Equal(versions[stale], untouched.Version);
        var item = await db.TransferItems.AsNoTracking().SingleAsync(i => i.Id == items[fresh].Id);
        Assert.Equal((TransferItemStatus.Moved, later, WeComTransferState.Pending, "cm1-wecom", (string?)null),
            (item.Status, item.MovedAt, item.WeComState, item.WeComHandoverUserId, item.WeComTakeoverUserId));
        Assert.Equal(TransferItemStatus.Proposed, (await db.TransferItems.AsNoTracking().SingleAsync(i => i.Id == items[stale].Id)).Status);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Update_OfTheSameTable_WithDifferentColumns_SetsOnlyThoseColumns(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        var id = await t.ClientAsync("F1", t.Org.Cm1, [100m, 100m, 100m]);
        var later = t.S.H.Clock.GetUtcNow().AddHours(3);
        await using var db = t.NewDb();
        var before = await db.Clients.AsNoTracking().SingleAsync(c => c.Id == id);

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(1, await RowUpdates.ExecuteAsync<Client>(db, ["Version"], [new RowUpdate(id, before.Version, [before.Version + 1])], default));
            Assert.Equal(1, await RowUpdates.ExecuteAsync<Client>(db, ["Version", "UpdatedAt"], [new RowUpdate(id, before.Version + 1, [before.Version + 2, later])], default));
            Assert.Equal(1, await RowUpdates.ExecuteAsync<Client>(db, ["Version"], [new RowUpdate(id, before.Version + 2, [before.Version + 3])], default));
            await tx.CommitAsync();
        }

        var after = await db.Clients.AsNoTracking().SingleAsync(c => c.Id == id);
        Assert.Equal((before.Version + 3, later), (after.Version, after.UpdatedAt));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task BulkWriter_StoresEveryRow_FromAFewToSeveralFullChunks(StoreKind kind)
    {
        await using var t = await TransferScenario.StartAsync(kind);
        var at = t.S.H.Clock.GetUtcNow();
        await using var db = t.NewDb();
        foreach (var count in new[] { 3, 9, 40, 300 })
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await using (var writer = await BulkWriter.StartAsync(db, "WeComTransferRecords", ["ExternalUserId", "HandoverUserId", "TakeoverUserId", "At"], null, default))
            {
                for (var i = 0; i < count; i++) await writer.AddAsync([$"wm-{count}-{i:D3}", "cm1-wecom", "officer", at], default);
                await writer.CompleteAsync(default);
            }
            await tx.CommitAsync();
        }

        var stored = await db.WeComTransferRecords.AsNoTracking().Where(r => r.ExternalUserId.StartsWith("wm-")).Select(r => r.ExternalUserId).ToListAsync();
        var expected = new[] { 3, 9, 40, 300 }.SelectMany(n => Enumerable.Range(0, n).Select(i => $"wm-{n}-{i:D3}")).Order(StringComparer.Ordinal);
        Assert.Equal(expected, stored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Update_OutsideATransaction_IsRefused()
    {
        await using var t = await TransferScenario.StartAsync();
        await using var db = t.NewDb();
        await Assert.ThrowsAsync<InvalidOperationException>(() => RowUpdates.ExecuteAsync<Client>(db, ["Version"], [new RowUpdate(1, 0, [1])], default));
    }
}

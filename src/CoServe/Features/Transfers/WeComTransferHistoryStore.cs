using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Transfers;

/// <summary>
/// WeCom transfers per customer kept in the store, so the 2-in-90-days rule holds across restarts and nodes
/// (the WeCom adapter's default keeps them in memory).
/// </summary>
public sealed class WeComTransferHistoryStore(IDbContextFactory<CoServeDb> dbFactory) : IWeComTransferHistory
{
    public async ValueTask<int> CountSinceAsync(string externalUserId, DateTimeOffset since, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WeComTransferRecords.CountAsync(r => r.ExternalUserId == externalUserId && r.At >= since, ct);
    }

    public async ValueTask RecordAsync(string externalUserId, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.WeComTransferRecords.Add(new WeComTransferRecord(externalUserId, handoverUserId, takeoverUserId, at));
        await db.SaveChangesAsync(ct);
    }
}

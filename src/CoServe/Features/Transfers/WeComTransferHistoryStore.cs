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

    public async ValueTask<IReadOnlyDictionary<string, int>> CountsSinceAsync(IReadOnlyCollection<string> externalUserIds, DateTimeOffset since, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in externalUserIds.Chunk(1000))
        {
            var rows = await db.WeComTransferRecords.Where(r => chunk.Contains(r.ExternalUserId) && r.At >= since)
                .GroupBy(r => r.ExternalUserId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
            foreach (var r in rows) counts[r.Key] = r.Count;
        }
        return counts;
    }

    /// <summary>A call's customers (up to 100) in one bulk insert rather than one INSERT each.</summary>
    public async ValueTask RecordManyAsync(IReadOnlyList<string> externalUserIds, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "WeComTransferRecords", ["ExternalUserId", "HandoverUserId", "TakeoverUserId", "At"], null, ct))
        {
            foreach (var id in externalUserIds) await writer.AddAsync([id, handoverUserId, takeoverUserId, at], ct);
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async ValueTask RecordAsync(string externalUserId, string handoverUserId, string takeoverUserId, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.WeComTransferRecords.Add(new WeComTransferRecord(externalUserId, handoverUserId, takeoverUserId, at));
        await db.SaveChangesAsync(ct);
    }
}

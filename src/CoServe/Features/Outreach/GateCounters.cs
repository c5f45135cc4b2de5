using System.Data.Common;
using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CoServe.Features.Outreach;

/// <summary>
/// Frequency-cap slots. A slot is taken by one statement, "insert 1, or add 1 where the count is below the
/// cap", which both SQLite (one writer at a time) and PostgreSQL (row lock, WHERE re-checked on the newest
/// row) apply atomically: of two senders racing for the last slot exactly one gets a row back. Runs in the
/// caller's transaction when there is one, so a send that is rolled back gives its slots back.
/// </summary>
public static class GateCounters
{
    /// <summary>First day of the cap period containing a Shanghai business date, as yyyyMMdd.</summary>
    public static int PeriodStart(CapPeriod period, DateOnly day) => period switch
    {
        CapPeriod.Day => Key(day),
        CapPeriod.Week => Key(day.AddDays(-(((int)day.DayOfWeek + 6) % 7))),
        CapPeriod.Month => Key(new DateOnly(day.Year, day.Month, 1)),
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, null),
    };

    private static int Key(DateOnly d) => (d.Year * 10000) + (d.Month * 100) + d.Day;

    public static async Task<CapCounts> ReadAsync(CoServeDb db, long clientId, OutboundCategory category, DateOnly day, CancellationToken ct)
    {
        var d = PeriodStart(CapPeriod.Day, day);
        var w = PeriodStart(CapPeriod.Week, day);
        var m = PeriodStart(CapPeriod.Month, day);
        var rows = await db.GateCounters.AsNoTracking()
            .Where(x => x.ClientId == clientId && x.Category == category
                && ((x.Period == CapPeriod.Day && x.PeriodStart == d) || (x.Period == CapPeriod.Week && x.PeriodStart == w) || (x.Period == CapPeriod.Month && x.PeriodStart == m)))
            .Select(x => new { x.Period, x.Count })
            .ToListAsync(ct);
        int Of(CapPeriod p) => rows.FirstOrDefault(r => r.Period == p)?.Count ?? 0;
        return new CapCounts(Of(CapPeriod.Day), Of(CapPeriod.Week), Of(CapPeriod.Month));
    }

    /// <summary>
    /// Takes cap slots inside the caller's transaction (one decision, or a batch of them): the conditional upsert
    /// above through two commands created once and re-run with new values (SQLite keeps them prepared).
    /// </summary>
    public sealed class Slots(CoServeDb db) : IAsyncDisposable
    {
        private DbCommand? _take;
        private DbCommand? _release;

        /// <summary>Takes one slot in every capped period, or none: returns the period that was full, if any.</summary>
        public async Task<CapPeriod?> TryReserveAsync(long clientId, OutboundCategory category, PeriodCaps caps, DateOnly day, CancellationToken ct)
        {
            var taken = new List<(CapPeriod Period, int Start)>(3);
            foreach (var period in GateRules.Periods)
            {
                var cap = caps.For(period);
                if (cap <= 0) continue;
                var start = PeriodStart(period, day);
                _take ??= Command(
                    """
                    INSERT INTO "GateCounters" ("ClientId", "Category", "Period", "PeriodStart", "Count") VALUES (@client, @category, @period, @start, 1)
                    ON CONFLICT ("ClientId", "Category", "Period", "PeriodStart") DO UPDATE SET "Count" = "GateCounters"."Count" + 1 WHERE "GateCounters"."Count" < @cap
                    """, withCap: true);
                if (await RunAsync(_take, clientId, category, period, start, cap, ct) == 0)
                {
                    _release ??= Command(
                        """
                        UPDATE "GateCounters" SET "Count" = "Count" - 1
                        WHERE "ClientId" = @client AND "Category" = @category AND "Period" = @period AND "PeriodStart" = @start AND "Count" > 0
                        """, withCap: false);
                    foreach (var (p, s) in taken) await RunAsync(_release, clientId, category, p, s, 1, ct);
                    return period;
                }
                taken.Add((period, start));
            }
            return null;
        }

        private DbCommand Command(string sql, bool withCap)
        {
            var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction() ?? throw new InvalidOperationException("cap slots for a batch are taken inside a transaction");
            cmd.CommandText = sql;
            foreach (var name in withCap ? (string[])["@client", "@category", "@period", "@start", "@cap"] : ["@client", "@category", "@period", "@start"])
            {
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                cmd.Parameters.Add(p);
            }
            return cmd;
        }

        private static Task<int> RunAsync(DbCommand cmd, long clientId, OutboundCategory category, CapPeriod period, int start, int cap, CancellationToken ct)
        {
            cmd.Parameters[0].Value = clientId;
            cmd.Parameters[1].Value = (short)category;
            cmd.Parameters[2].Value = (short)period;
            cmd.Parameters[3].Value = start;
            if (cmd.Parameters.Count > 4) cmd.Parameters[4].Value = cap;
            return cmd.ExecuteNonQueryAsync(ct);
        }

        public async ValueTask DisposeAsync()
        {
            if (_take is not null) await _take.DisposeAsync();
            if (_release is not null) await _release.DisposeAsync();
        }
    }

    /// <summary>Counter rows of periods that ended: kept only as long as the longest period.</summary>
    public static Task<int> PurgeBeforeAsync(CoServeDb db, DateOnly day, CancellationToken ct)
    {
        var monthStart = PeriodStart(CapPeriod.Month, day);
        var weekStart = PeriodStart(CapPeriod.Week, day);
        var keep = Math.Min(monthStart, weekStart);
        return db.GateCounters.Where(x => x.PeriodStart < keep).ExecuteDeleteAsync(ct);
    }
}

/// <summary>
/// WeCom's group-message cap per customer in the store, so every node and every restart sees the same counts
/// (the WeCom adapter's default ledger lives in one process's memory). Same conditional upsert as the gate's caps.
/// </summary>
public sealed class StoredWeComGroupMessageLedger(IDbContextFactory<CoServeDb> dbFactory) : IWeComGroupMessageLedger
{
    public async ValueTask<bool> TryReserveAsync(string externalUserId, string periodKey, int cap, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "WeComGroupQuotas" ("ExternalUserId", "PeriodKey", "Count") VALUES ({externalUserId}, {periodKey}, 1)
            ON CONFLICT ("ExternalUserId", "PeriodKey") DO UPDATE SET "Count" = "WeComGroupQuotas"."Count" + 1 WHERE "WeComGroupQuotas"."Count" < {cap}
            """, ct);
        return rows > 0;
    }

    public async ValueTask ReleaseAsync(string externalUserId, string periodKey, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"""UPDATE "WeComGroupQuotas" SET "Count" = "Count" - 1 WHERE "ExternalUserId" = {externalUserId} AND "PeriodKey" = {periodKey} AND "Count" > 0""", ct);
    }

    public static Task<int> CountAsync(CoServeDb db, string externalUserId, string periodKey, CancellationToken ct) =>
        db.WeComGroupQuotas.AsNoTracking().Where(q => q.ExternalUserId == externalUserId && q.PeriodKey == periodKey).Select(q => q.Count).FirstOrDefaultAsync(ct);
}

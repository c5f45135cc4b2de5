using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Platform.Auth;
using CoServe.Platform.Money;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

public sealed record PlanResult(long PlanId, string Month, int ToOfficer, int ToManager, int Exempted, TimeSpan Elapsed);

/// <summary>
/// Makes a month's transfer plan from the month's segments. Down: a client served by a manager whose MADA was
/// below the line for N consecutive months moves to the service officer. Up: a pool client at or above the line
/// for M consecutive months moves to a manager: his previous manager if active with room, else the branch's
/// manager with most room (round-robin). Exemptions keep a client where he is and say why. Nothing moves here.
/// </summary>
public sealed partial class PlanTransfers(
    CoServeDb db,
    IOpenComplaints complaints,
    IOpenAmlReviews amlReviews,
    IOptions<TransferOptions> options,
    IOptions<AssetsOptions> assets,
    TimeProvider clock,
    ILogger<PlanTransfers> logger)
{
    private sealed record Candidate(long ClientId, int? Primary, int? PreviousManager, int? BranchId, int? Developer, DateOnly? OpenedOn, bool Professional, long?[] History);

    private sealed record ManagerRoom(int Id, int? BranchId, int? Capacity);

    public async Task<PlanResult> PlanAsync(CurrentStaff staff, CalendarMonth month, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only the digital team makes transfer plans");
        var started = Stopwatch.GetTimestamp();
        var o = options.Value;
        var key = month.Key;
        if (!await db.SegmentationRuns.AnyAsync(r => r.Month == key, ct))
        {
            throw new TransferStateException($"{month} has not been segmented; run `coserve segment --month {month}` first");
        }
        async Task RefuseIfOpenAsync()
        {
            var open = await db.TransferPlans.Where(p => p.Month == key && p.Status != TransferPlanStatus.Cancelled).Select(p => new { p.Id, p.Status }).FirstOrDefaultAsync(ct);
            if (open is not null) throw new TransferStateException($"{month} already has transfer plan #{open.Id} ({open.Status}); cancel it before planning again");
        }
        await RefuseIfOpenAsync();

        var down = Fen.FromYuan(o.MoveDownBelow ?? assets.Value.TierThreshold);
        var up = Fen.FromYuan(o.MoveUpAtOrAbove ?? assets.Value.TierThreshold);
        var depth = Math.Max(o.MonthsBelowToMoveDown, o.MonthsAboveToMoveUp);
        var months = Enumerable.Range(0, depth).Select(i => month.AddMonths(-i).Key).ToList();

        var managers = await db.Staff.AsNoTracking().Where(s => s.Role == StaffRole.ClientManager && s.IsActive)
            .OrderBy(s => s.Id).Select(s => new ManagerRoom(s.Id, s.BranchId, s.ClientCapacity)).ToListAsync(ct);
        var managerById = managers.ToDictionary(m => m.Id);
        var managersByBranch = managers.GroupBy(m => m.BranchId ?? -1).ToDictionary(g => g.Key, g => g.ToList());
        // Room only matters for managers with a capacity: count the books of those alone (counting every
        // manager's book meant visiting every servicer row of a million clients).
        var limited = managers.Where(m => m.Capacity is not null).Select(m => (int?)m.Id).ToList();
        var book = limited.Count == 0 ? [] : await db.ClientServicers.AsNoTracking().Where(s => s.IsPrimary && limited.Contains(s.StaffId))
            .GroupBy(s => s.StaffId!.Value).Select(g => new { StaffId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.StaffId, g => g.Count, ct);
        var now = clock.GetUtcNow();
        var pinned = (await db.TransferPins.AsNoTracking().Where(p => p.RemovedAt == null && (p.ExpiresAt == null || p.ExpiresAt > now))
            .Select(p => new { p.ClientId, p.ClientRequest, p.Reason }).ToListAsync(ct))
            .GroupBy(p => p.ClientId).ToDictionary(g => g.Key, g => g.First());
        var withComplaint = await complaints.ClientsWithOpenComplaintsAsync(ct);
        var withAml = await amlReviews.ClientsWithOpenReviewsAsync(ct);
        var developedSince = month.LastDay.AddMonths(-o.ExemptDevelopedWithinMonths);

        var ruleDown = $"MADA below {Fen.Format(down)} for {o.MonthsBelowToMoveDown} consecutive month(s)";
        var ruleUp = $"MADA at or above {Fen.Format(up)} for {o.MonthsAboveToMoveUp} consecutive month(s)";
        var ruleUpNoRoom = $"MADA at or above {Fen.Format(up)} for {o.MonthsAboveToMoveUp} month(s), but no manager of the branch has room";
        var items = new List<TransferItem>();
        var arrivals = new Dictionary<int, int>();
        var roundRobin = new Dictionary<int, int>();
        int toOfficer = 0, toManager = 0, exempted = 0;
        await foreach (var c in CandidatesAsync(months, down, up, o, ct))
        {
            var h = c.History;
            TransferDirection direction;
            int? target;
            string rule;
            if (c.Primary is { } manager && managerById.ContainsKey(manager) && Consecutive(h, o.MonthsBelowToMoveDown, v => v < down))
            {
                direction = TransferDirection.ToOfficer;
                target = null;
                rule = ruleDown;
            }
            else if (c.Primary is null && Consecutive(h, o.MonthsAboveToMoveUp, v => v >= up))
            {
                direction = TransferDirection.ToManager;
                target = ChooseManager(c, managerById, managersByBranch, book, arrivals, roundRobin);
                rule = target is null ? ruleUpNoRoom : ruleUp;
            }
            else
            {
                continue;
            }

            // The plan's id is known only once the plan is stored, together with its items, below.
            var item = new TransferItem(null, c.ClientId, direction, c.Primary, target, rule, History(months, h), Fen.ToYuan(h[0] ?? 0));
            var exemption = Exemption(c, direction, pinned.GetValueOrDefault(c.ClientId)?.ClientRequest, pinned.GetValueOrDefault(c.ClientId)?.Reason,
                withComplaint.Contains(c.ClientId), withAml.Contains(c.ClientId), developedSince, o);
            if (direction == TransferDirection.ToManager && target is null) exemption ??= "no manager with room in the branch";
            if (exemption is not null)
            {
                item.Status = TransferItemStatus.Exempted;
                item.Rule = $"{rule}; kept: {exemption}";
                exempted++;
            }
            else if (direction == TransferDirection.ToOfficer)
            {
                toOfficer++;
            }
            else
            {
                toManager++;
                arrivals[target!.Value] = arrivals.GetValueOrDefault(target.Value) + 1;
            }
            items.Add(item);
        }

        // The plan and its items commit together: a failure or a crash while the items are written leaves no
        // plan without items behind to block planning the month again.
        var plan = new TransferPlan(key, staff.Id, now, now.AddDays(o.ReviewWindowDays));
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Again inside the transaction: another plan of the month may have been stored while the items were computed.
            await RefuseIfOpenAsync();
            db.TransferPlans.Add(plan);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                // A planner of the same month committed between the check and this insert: name its plan.
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                await RefuseIfOpenAsync();
                throw new TransferStateException($"{month} already has an open transfer plan; cancel it before planning again");
            }
            await using (var writer = await BulkWriter.StartAsync(db, "TransferItems",
                ["PlanId", "ClientId", "Direction", "FromStaffId", "ToStaffId", "Rule", "MadaHistory", "LatestMada", "Status", "WeComState", "Version"], null, ct))
            {
                foreach (var i in items)
                {
                    await writer.AddAsync([plan.Id, i.ClientId, i.Direction.ToString(), i.FromStaffId, i.ToStaffId, i.Rule, i.MadaHistory, Fen.FromYuan(i.LatestMada), i.Status.ToString(), nameof(WeComTransferState.NotNeeded), 0], ct);
                }
                await writer.CompleteAsync(ct);
            }
            db.TransferDecisions.Add(new TransferDecision(plan.Id, null, staff.Id, "plan", $"{toOfficer} to the service officer, {toManager} to managers, {exempted} exempted", now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        LogPlanned(logger, plan.Id, month.ToString(), toOfficer, toManager, exempted);
        return new PlanResult(plan.Id, month.ToString(), toOfficer, toManager, exempted, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Only the clients a rule could fire for, in client id order, with their MADA of the months considered: the
    /// store joins the month's segments with the primary servicer and applies the threshold tests, so a book of
    /// a million clients sends back the few percent that may move instead of every client and every segment.
    /// Plain SQL and a data reader: EF's materialisation of a million rows was most of a plan's time.
    /// </summary>
    private async IAsyncEnumerable<Candidate> CandidatesAsync(List<int> months, long down, long up, TransferOptions o,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var sql = new StringBuilder();
        sql.Append("""
            SELECT c."Id", p."StaffId", c."BranchId", c."DevelopingManagerId", c."OpenedOn", c."IsProfessionalInvestor",
              CASE WHEN p."StaffId" IS NULL THEN (SELECT q."StaffId" FROM "ClientServicers" q
                WHERE q."ClientId" = c."Id" AND NOT q."IsPrimary" AND q."StaffId" IS NOT NULL AND (q."Duties" & @kept) = @kept ORDER BY q."Id" LIMIT 1) END
            """);
        for (var i = 0; i < months.Count; i++) sql.Append(CultureInfo.InvariantCulture, $", s{i}.\"Mada\"");
        sql.Append("""

            FROM "MonthlySegments" s0
            JOIN "ClientServicers" p ON p."ClientId" = s0."ClientId" AND p."IsPrimary"
            JOIN "Clients" c ON c."Id" = s0."ClientId"
            """);
        for (var i = 1; i < months.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\nLEFT JOIN \"MonthlySegments\" s{i} ON s{i}.\"Month\" = @m{i} AND s{i}.\"ClientId\" = s0.\"ClientId\"");
        }
        sql.Append("\nWHERE s0.\"Month\" = @m0 AND NOT c.\"IsIncomplete\" AND ((p.\"StaffId\" IS NOT NULL");
        for (var i = 0; i < o.MonthsBelowToMoveDown; i++) sql.Append(CultureInfo.InvariantCulture, $" AND s{i}.\"Mada\" < @down");
        sql.Append(") OR (p.\"StaffId\" IS NULL");
        for (var i = 0; i < o.MonthsAboveToMoveUp; i++) sql.Append(CultureInfo.InvariantCulture, $" AND s{i}.\"Mada\" >= @up");
        sql.Append("))\nORDER BY c.\"Id\"");

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            cmd.CommandText = sql.ToString();
            Parameter(cmd, "@kept", (int)DutyScopes.KeptByManager);
            Parameter(cmd, "@down", down);
            Parameter(cmd, "@up", up);
            for (var i = 0; i < months.Count; i++) Parameter(cmd, $"@m{i}", months[i]);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var history = new long?[months.Count];
                for (var i = 0; i < months.Count; i++) history[i] = r.IsDBNull(7 + i) ? null : r.GetInt64(7 + i);
                yield return new Candidate(
                    r.GetInt64(0),
                    r.IsDBNull(1) ? null : r.GetInt32(1),
                    r.IsDBNull(6) ? null : r.GetInt32(6),
                    r.IsDBNull(2) ? null : r.GetInt32(2),
                    r.IsDBNull(3) ? null : r.GetInt32(3),
                    r.IsDBNull(4) ? null : r.GetFieldValue<DateOnly>(4),
                    r.GetBoolean(5),
                    history);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static void Parameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    private static bool Consecutive(long?[] history, int months, Func<long, bool> test)
    {
        for (var i = 0; i < months; i++)
        {
            if (history[i] is not { } v || !test(v)) return false;
        }
        return true;
    }

    private static string? Exemption(Candidate c, TransferDirection direction, bool? pinIsClientRequest, string? pinReason, bool complaint, bool aml, DateOnly developedSince, TransferOptions o)
    {
        if (pinIsClientRequest is false) return $"pinned: {pinReason}";
        if (pinIsClientRequest is true && o.HonourKeepManagerRequests && direction == TransferDirection.ToOfficer) return "the client asked to keep his manager";
        if (complaint) return "open complaint (the first handler keeps the client until it is closed)";
        if (aml) return "open AML review (the first handler keeps the client until it is closed)";
        if (direction == TransferDirection.ToOfficer && o.ExemptProfessionalInvestors && c.Professional) return "professional investor";
        if (direction == TransferDirection.ToOfficer && c.Developer is { } d && d == c.Primary && c.OpenedOn >= developedSince)
        {
            return $"developed by this manager within {o.ExemptDevelopedWithinMonths} months";
        }
        return null;
    }

    private static int? ChooseManager(Candidate c, Dictionary<int, ManagerRoom> managers, Dictionary<int, List<ManagerRoom>> byBranch,
        Dictionary<int, int> book, Dictionary<int, int> arrivals, Dictionary<int, int> roundRobin)
    {
        int Load(int id) => book.GetValueOrDefault(id) + arrivals.GetValueOrDefault(id);
        bool HasRoom(ManagerRoom m) => m.Capacity is null || Load(m.Id) < m.Capacity;
        int Room(ManagerRoom m) => m.Capacity is { } cap ? cap - Load(m.Id) : int.MaxValue;
        if (c.PreviousManager is { } previous && managers.TryGetValue(previous, out var prev) && HasRoom(prev)) return previous;
        if (!byBranch.TryGetValue(c.BranchId ?? -1, out var all)) return null;
        var branch = all.Where(HasRoom).ToList();
        if (branch.Count == 0) return null;
        // Most room first; ties go round the branch so arrivals spread evenly.
        var best = branch.Max(Room);
        var tied = branch.Where(m => Room(m) == best).ToList();
        var turn = roundRobin.GetValueOrDefault(c.BranchId ?? 0);
        roundRobin[c.BranchId ?? 0] = turn + 1;
        return tied[turn % tied.Count].Id;
    }

    private static string History(List<int> months, long?[] h)
    {
        var sb = new StringBuilder();
        for (var i = months.Count - 1; i >= 0; i--)
        {
            if (sb.Length > 0) sb.Append(';');
            sb.Append(CalendarMonth.FromKey(months[i])).Append(':').Append(h[i] is { } v ? Fen.Format(v) : "-");
        }
        return sb.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Transfer plan {PlanId} for {Month}: {ToOfficer} to the service officer, {ToManager} to managers, {Exempted} exempted")]
    private static partial void LogPlanned(ILogger logger, long planId, string month, int toOfficer, int toManager, int exempted);
}

using System.Diagnostics;
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
    private sealed record Candidate(long ClientId, int? Primary, int? PreviousManager, int? BranchId, int? Developer, DateOnly? OpenedOn, bool Professional);

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
        var open = await db.TransferPlans.Where(p => p.Month == key && p.Status != TransferPlanStatus.Cancelled).Select(p => new { p.Id, p.Status }).FirstOrDefaultAsync(ct);
        if (open is not null) throw new TransferStateException($"{month} already has transfer plan #{open.Id} ({open.Status}); cancel it before planning again");

        var down = Fen.FromYuan(o.MoveDownBelow ?? assets.Value.TierThreshold);
        var up = Fen.FromYuan(o.MoveUpAtOrAbove ?? assets.Value.TierThreshold);
        var depth = Math.Max(o.MonthsBelowToMoveDown, o.MonthsAboveToMoveUp);
        var months = Enumerable.Range(0, depth).Select(i => month.AddMonths(-i).Key).ToList();
        var history = new Dictionary<long, long?[]>();
        await foreach (var s in db.MonthlySegments.AsNoTracking().Where(s => months.Contains(s.Month))
                           .Select(s => new { s.ClientId, s.Month, s.Mada }).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (!history.TryGetValue(s.ClientId, out var row)) history[s.ClientId] = row = new long?[depth];
            row[months.IndexOf(s.Month)] = Fen.FromYuan(s.Mada);
        }

        var managers = await db.Staff.AsNoTracking().Where(s => s.Role == StaffRole.ClientManager && s.IsActive)
            .Select(s => new { s.Id, s.BranchId, s.ClientCapacity }).ToDictionaryAsync(s => s.Id, ct);
        var book = await db.ClientServicers.AsNoTracking().Where(s => s.IsPrimary && s.StaffId != null)
            .GroupBy(s => s.StaffId!.Value).Select(g => new { StaffId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.StaffId, g => g.Count, ct);
        var now = clock.GetUtcNow();
        var pinned = (await db.TransferPins.AsNoTracking().Where(p => p.RemovedAt == null && (p.ExpiresAt == null || p.ExpiresAt > now))
            .Select(p => new { p.ClientId, p.ClientRequest, p.Reason }).ToListAsync(ct))
            .GroupBy(p => p.ClientId).ToDictionary(g => g.Key, g => g.First());
        var withComplaint = await complaints.ClientsWithOpenComplaintsAsync(ct);
        var withAml = await amlReviews.ClientsWithOpenReviewsAsync(ct);
        var developedSince = month.LastDay.AddMonths(-o.ExemptDevelopedWithinMonths);

        var plan = new TransferPlan(key, staff.Id, now, now.AddDays(o.ReviewWindowDays));
        db.TransferPlans.Add(plan);
        await db.SaveChangesAsync(ct);

        var items = new List<TransferItem>();
        var arrivals = new Dictionary<int, int>();
        var roundRobin = new Dictionary<int, int>();
        int toOfficer = 0, toManager = 0, exempted = 0;
        await foreach (var c in Candidates(ct))
        {
            if (!history.TryGetValue(c.ClientId, out var h)) continue;
            TransferDirection direction;
            int? target;
            string rule;
            if (c.Primary is { } manager && managers.ContainsKey(manager) && Consecutive(h, o.MonthsBelowToMoveDown, v => v < down))
            {
                direction = TransferDirection.ToOfficer;
                target = null;
                rule = $"MADA below {Fen.Format(down)} for {o.MonthsBelowToMoveDown} consecutive month(s)";
            }
            else if (c.Primary is null && Consecutive(h, o.MonthsAboveToMoveUp, v => v >= up))
            {
                direction = TransferDirection.ToManager;
                target = ChooseManager(c, managers.Values.Select(m => (m.Id, m.BranchId, m.ClientCapacity)), book, arrivals, roundRobin);
                rule = target is null
                    ? $"MADA at or above {Fen.Format(up)} for {o.MonthsAboveToMoveUp} month(s), but no manager of the branch has room"
                    : $"MADA at or above {Fen.Format(up)} for {o.MonthsAboveToMoveUp} consecutive month(s)";
            }
            else
            {
                continue;
            }

            var item = new TransferItem(plan.Id, c.ClientId, direction, c.Primary, target, rule, History(months, h), Fen.ToYuan(h[0] ?? 0));
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

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await using (var writer = await BulkWriter.StartAsync(db, "TransferItems",
                ["PlanId", "ClientId", "Direction", "FromStaffId", "ToStaffId", "Rule", "MadaHistory", "LatestMada", "Status", "WeComState", "Version"], null, ct))
            {
                foreach (var i in items)
                {
                    await writer.AddAsync([i.PlanId, i.ClientId, i.Direction.ToString(), i.FromStaffId, i.ToStaffId, i.Rule, i.MadaHistory, Fen.FromYuan(i.LatestMada), i.Status.ToString(), nameof(WeComTransferState.NotNeeded), 0], ct);
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

    private async IAsyncEnumerable<Candidate> Candidates([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var kept = DutyScopes.KeptByManager;
        var q = from c in db.Clients.AsNoTracking()
                join p in db.ClientServicers on c.Id equals p.ClientId
                where p.IsPrimary && !c.IsIncomplete
                select new
                {
                    c.Id,
                    p.StaffId,
                    Previous = db.ClientServicers.Where(s => s.ClientId == c.Id && !s.IsPrimary && s.StaffId != null && (s.Duties & kept) == kept).Select(s => s.StaffId).FirstOrDefault(),
                    c.BranchId,
                    c.DevelopingManagerId,
                    c.OpenedOn,
                    c.IsProfessionalInvestor,
                };
        await foreach (var r in q.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return new Candidate(r.Id, r.StaffId, r.Previous, r.BranchId, r.DevelopingManagerId, r.OpenedOn, r.IsProfessionalInvestor);
        }
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

    private static int? ChooseManager(Candidate c, IEnumerable<(int Id, int? BranchId, int? Capacity)> managers, Dictionary<int, int> book, Dictionary<int, int> arrivals, Dictionary<int, int> roundRobin)
    {
        int Load(int id) => book.GetValueOrDefault(id) + arrivals.GetValueOrDefault(id);
        bool HasRoom((int Id, int? BranchId, int? Capacity) m) => m.Capacity is null || Load(m.Id) < m.Capacity;
        var all = managers.ToList();
        if (c.PreviousManager is { } previous && all.FirstOrDefault(m => m.Id == previous) is { Id: > 0 } prev && HasRoom(prev)) return previous;
        var branch = all.Where(m => m.BranchId == c.BranchId && HasRoom(m)).OrderBy(m => m.Id).ToList();
        if (branch.Count == 0) return null;
        // Most room first; ties go round the branch so arrivals spread evenly.
        var best = branch.Max(m => m.Capacity is { } cap ? cap - Load(m.Id) : int.MaxValue);
        var tied = branch.Where(m => (m.Capacity is { } cap ? cap - Load(m.Id) : int.MaxValue) == best).ToList();
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

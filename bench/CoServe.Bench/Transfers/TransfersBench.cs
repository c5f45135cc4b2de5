using System.Diagnostics;
using System.Globalization;
using CoServe.Bench.Core;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Transfers;
using CoServe.Platform.Auth;
using CoServe.Platform.Storage;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CoServe.Bench.Transfers;

/// <summary>
/// Issue 7's performance items on an embedded (SQLite) store:
/// <list type="bullet">
/// <item><c>transfers plan --clients 1000000</c>: a book of N clients with two months of segments (MADA spread
/// over 316 to 3,160,000 yuan, 20% above the line, each client's MADA moving by an independent -20%..+25% between
/// the months, so pool clients cross the line upwards too; clients above the line in the first month served by
/// 200 managers, below by the service officer pool except 10% still with their manager; exemptions: 3% of
/// manager-served clients opened by their manager within the year, 2% professional investors, 0.2% pinned),
/// then <see cref="PlanTransfers.PlanAsync"/> for the second month, timed.</item>
/// <item><c>transfers execute --moves 100000 [--batch-size B]</c>: N manager-served clients below the line for two months, each a
/// WeCom contact of his manager in the WeCom simulator (in this process, over loopback HTTP); plan, approve,
/// and <see cref="ExecuteTransfers.ExecuteAsync"/> (servicer change, timeline event, notice through the
/// outbound gate, WeCom transfer requests of 100 customers per call to the officer accounts with room).</item>
/// </list>
/// </summary>
internal static class TransfersBench
{
    private const int Managers = 200;
    private const int Branches = 10;
    private static readonly CalendarMonth Month = new(2024, 4);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; {CoreBench.Load()}");
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        if (what is "all" or "plan") await PlanAsync(a.Get("--clients", 1_000_000), work, a.Has("--fresh"));
        if (what is "all" or "execute") await ExecuteAsync(a.Get("--moves", 100_000), a.Get("--batch-size"), work);
        return 0;
    }

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>
    /// Seconds this process's threads spent runnable but waiting for a core (the second field of each thread's
    /// /proc schedstat): with the measured work on one thread at a time, wall ~ CPU + this + time blocked on I/O.
    /// </summary>
    private static double RunQueueWait()
    {
        long ns = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                ns += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }
        return ns / 1e9;
    }

    private static IHost BuildHost(string dataDir, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Security:FieldProtection:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
            ["Security:FieldProtection:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
        };
        if (extra is not null) foreach (var (k, v) in extra) settings[k] = v;
        return BenchHost.Build(dataDir, settings);
    }

    /// <summary>A uniform draw in [0, 1) per client and purpose (SplitMix64), independent across salts.</summary>
    private static double Unit(long i, uint salt)
    {
        var z = unchecked((ulong)i * 0x9E3779B97F4A7C15UL + (salt * 0xD1B54A32D192ED03UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (z ^ (z >> 31)) / 18446744073709551616.0;
    }

    // ------------------------------------------------------------------ plan

    private static async Task PlanAsync(int clients, string work, bool fresh)
    {
        var dataDir = Path.Combine(work, $"transfers-plan-{clients}");
        var marker = Path.Combine(dataDir, "populated");
        if (fresh && Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        using var host = BuildHost(dataDir);
        if (!File.Exists(marker))
        {
            var sw = Stopwatch.StartNew();
            await PopulateBookAsync(host.Services, clients);
            Console.WriteLine($"populated {clients:N0} clients and two months of segments in {sw.Elapsed.TotalSeconds:F0} s; {CoreBench.Load()}");
            await File.WriteAllTextAsync(marker, "ok");
        }
        var ops = await OpsAsync(host.Services);
        // Earlier runs' plans are cancelled so the month can be planned again.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            await db.TransferPlans.Where(p => p.Status != TransferPlanStatus.Cancelled).ExecuteUpdateAsync(p => p.SetProperty(x => x.Status, TransferPlanStatus.Cancelled));
        }
        for (var run = 1; run <= 2; run++)
        {
            var load = CoreBench.Load();
            var cpu0 = Cpu();
            var sw = Stopwatch.StartNew();
            PlanResult result;
            await using (var scope = host.Services.CreateAsyncScope())
            {
                result = await scope.ServiceProvider.GetRequiredService<PlanTransfers>().PlanAsync(ops, Month, CancellationToken.None);
            }
            sw.Stop();
            var cpu = Cpu() - cpu0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"plan {Month} over {clients:N0} clients (run {run}): {sw.Elapsed.TotalSeconds:F1} s wall, {cpu:F1} CPU-s; {result.ToOfficer:N0} to the service officer, {result.ToManager:N0} to managers, {result.Exempted:N0} exempted; {load} -> {CoreBench.Load()}"));
            await using var cancel = host.Services.CreateAsyncScope();
            var db = cancel.ServiceProvider.GetRequiredService<CoServeDb>();
            await db.TransferPlans.Where(p => p.Id == result.PlanId).ExecuteUpdateAsync(p => p.SetProperty(x => x.Status, TransferPlanStatus.Cancelled));
        }
    }

    private static async Task<CurrentStaff> OpsAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        return CurrentStaff.From(await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "ops"));
    }

    private static async Task<List<(int Id, int BranchId)>> StaffAsync(CoServeDb db, int managers, Func<int, string?> weComUserId, CancellationToken ct)
    {
        var branches = Enumerable.Range(1, Branches).Select(b => new Branch($"B{b:D2}", $"第{b}营业部", "95500")).ToList();
        db.Branches.AddRange(branches);
        await db.SaveChangesAsync(ct);
        db.Staff.Add(new StaffMember("ops", "运营", StaffRole.DigitalOps, null));
        for (var m = 1; m <= managers; m++) db.Staff.Add(new StaffMember($"cm{m:D4}", $"客户经理{m}", StaffRole.ClientManager, branches[m % Branches].Id, weComUserId(m)));
        await db.SaveChangesAsync(ct);
        return await db.Staff.Where(s => s.Role == StaffRole.ClientManager).OrderBy(s => s.Id).Select(s => new ValueTuple<int, int>(s.Id, s.BranchId!.Value)).ToListAsync(ct);
    }

    private static async Task PopulateBookAsync(IServiceProvider services, int clients)
    {
        var ct = CancellationToken.None;
        await services.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);
        var managers = await StaffAsync(db, Managers, _ => null, ct);
        var branchIds = managers.Select(m => m.BranchId).Distinct().Order().ToList();
        var byBranch = managers.GroupBy(m => m.BranchId).ToDictionary(g => g.Key, g => g.Select(m => m.Id).ToArray());
        const long threshold = 50_000_000; // fen
        long Prev(long i) => (long)(Math.Pow(10, 2.5 + (4.0 * Unit(i, 1))) * 100);
        long Cur(long i) => (long)(Prev(i) * (0.8 + (0.45 * Unit(i, 2))));

        bool WithManager(long i) => Prev(i) >= threshold || Unit(i, 3) < 0.1;
        int ManagerOf(long i)
        {
            // A manager of the client's branch.
            var inBranch = byBranch[branchIds[(int)(i % branchIds.Count)]];
            return inBranch[(int)(Unit(i, 4) * inBranch.Length) % inBranch.Length];
        }
        // Exemptions: 3% of manager-served clients opened by their manager within the year, 2% professional
        // investors, 0.2% pinned (half of them at the client's request).
        bool Developed(long i) => WithManager(i) && Unit(i, 5) < 0.03;
        var opsId = await db.Staff.Where(s => s.Login == "ops").Select(s => s.Id).SingleAsync(ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "Clients",
            ["ClientNo", "BranchId", "DevelopingManagerId", "OpenedOn", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            for (var i = 1; i <= clients; i++)
            {
                var developed = Developed(i);
                await writer.AddAsync([CoreBench.ClientNo(i), branchIds[i % branchIds.Count], developed ? ManagerOf(i) : null, developed ? "2023-10-01" : "2015-01-01",
                    false, Unit(i, 6) < 0.02, now, now, 0], ct);
            }
            await writer.CompleteAsync(ct);
        }
        var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "ClientServicers", ["ClientId", "StaffId", "IsPrimary", "Duties", "Since"], null, ct))
        {
            for (var n = 0; n < ids.Count; n++)
            {
                var i = n + 1L;
                var manager = ManagerOf(i);
                if (WithManager(i))
                {
                    await writer.AddAsync([ids[n], manager, true, (int)DutyScopes.PrimaryManager, now], ct);
                }
                else
                {
                    await writer.AddAsync([ids[n], null, true, (int)DutyScopes.ServiceOfficer, now], ct);
                    await writer.AddAsync([ids[n], manager, false, (int)DutyScopes.KeptByManager, now], ct);
                }
            }
            await writer.CompleteAsync(ct);
        }
        await BenchHost.FillServicerClientNosAsync(db, ct);
        await using (var writer = await BulkWriter.StartAsync(db, "TransferPins", ["ClientId", "ClientRequest", "Reason", "ApprovedByStaffId", "CreatedAt", "ExpiresAt", "RemovedAt"], null, ct))
        {
            for (var n = 0; n < ids.Count; n++)
            {
                if (Unit(n + 1L, 7) >= 0.002) continue;
                var request = Unit(n + 1L, 8) < 0.5;
                await writer.AddAsync([ids[n], request, request ? "客户要求保留客户经理" : "重点维护客户", opsId, now, null, null], ct);
            }
            await writer.CompleteAsync(ct);
        }
        foreach (var (month, mada) in new (CalendarMonth, Func<long, long>)[] { (Month.AddMonths(-1), Prev), (Month, Cur) })
        {
            var baseCount = 0;
            await using (var writer = await BulkWriter.StartAsync(db, "MonthlySegments", ["Month", "ClientId", "Mada", "Tier", "ReportingTier", "Mode", "ComputedAt"], null, ct))
            {
                for (var n = 0; n < ids.Count; n++)
                {
                    var v = mada(n + 1L);
                    var tier = v < threshold ? AssetTier.Base : AssetTier.HighEnd;
                    if (tier == AssetTier.Base) baseCount++;
                    await writer.AddAsync([month.Key, ids[n], v, tier.ToString(), null, MadaMode.Natural.ToString(), now], ct);
                }
                await writer.CompleteAsync(ct);
            }
            db.SegmentationRuns.Add(new SegmentationRun(month.Key, MadaMode.Natural, 500_000m, clients, baseCount, now));
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
    }

    // ------------------------------------------------------------------ execute

    private static async Task ExecuteAsync(int moves, string? batchSize, string work)
    {
        var managers = 100;
        var perManager = (moves + managers - 1) / managers;
        var simOptions = new SimulatorOptions { StaffUsers = managers, ContactsPerUser = perManager };
        await using var sim = await WeComSimulator.StartAsync(simOptions);
        var accounts = (moves / 20_000) + 2;
        for (var a = 1; a <= accounts; a++) sim.State.AddContacts($"so{a:D2}", 0);
        var extra = new Dictionary<string, string?>
        {
            ["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom:Apps:main:CorpId"] = simOptions.CorpId,
            ["WeCom:Apps:main:Token"] = simOptions.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = simOptions.EncodingAesKey,
            ["WeCom:Apps:main:Secret"] = simOptions.Secret,
        };
        // Transfers:BatchSize (items per transaction) stays the product's default unless --batch-size is given.
        if (batchSize is not null) extra["Transfers:BatchSize"] = batchSize;
        for (var a = 1; a <= accounts; a++)
        {
            extra[$"Transfers:OfficerWeComAccounts:{a - 1}:UserId"] = $"so{a:D2}";
            extra[$"Transfers:OfficerWeComAccounts:{a - 1}:Capacity"] = "20000";
        }
        var dataDir = Path.Combine(work, "transfers-execute-" + Guid.NewGuid().ToString("N")[..8]);
        using var host = BuildHost(dataDir, extra);
        var ct = CancellationToken.None;
        var sw = Stopwatch.StartNew();
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct))
        {
            await host.Services.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            var staff = await StaffAsync(db, managers, SimulatorState.StaffUserId, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await using (var writer = await BulkWriter.StartAsync(db, "Clients", ["ClientNo", "BranchId", "WeComExternalUserId", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
            {
                for (var i = 0; i < moves; i++)
                {
                    var m = i % managers;
                    var contact = string.Create(CultureInfo.InvariantCulture, $"wmSim{SimulatorState.StaffUserId(m + 1)}x{i / managers:000000}");
                    await writer.AddAsync([CoreBench.ClientNo(i + 1), staff[m].BranchId, contact, false, false, now, now, 0], ct);
                }
                await writer.CompleteAsync(ct);
            }
            var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
            await using (var writer = await BulkWriter.StartAsync(db, "ClientServicers", ["ClientId", "StaffId", "IsPrimary", "Duties", "Since"], null, ct))
            {
                for (var n = 0; n < ids.Count; n++) await writer.AddAsync([ids[n], staff[n % managers].Id, true, (int)DutyScopes.PrimaryManager, now], ct);
                await writer.CompleteAsync(ct);
            }
            await BenchHost.FillServicerClientNosAsync(db, ct);
            foreach (var month in new[] { Month.AddMonths(-1), Month })
            {
                await using (var writer = await BulkWriter.StartAsync(db, "MonthlySegments", ["Month", "ClientId", "Mada", "Tier", "ReportingTier", "Mode", "ComputedAt"], null, ct))
                {
                    for (var n = 0; n < ids.Count; n++) await writer.AddAsync([month.Key, ids[n], 10_000_000L + n, AssetTier.Base.ToString(), null, MadaMode.Natural.ToString(), now], ct);
                    await writer.CompleteAsync(ct);
                }
                db.SegmentationRuns.Add(new SegmentationRun(month.Key, MadaMode.Natural, 500_000m, moves, moves, now));
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        }
        Console.WriteLine($"store: {moves:N0} manager-served clients below the line, WeCom contacts of {managers} managers in the simulator, {accounts} officer accounts; {sw.Elapsed.TotalSeconds:F0} s");

        var ops = await OpsAsync(host.Services);
        PlanResult plan;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            plan = await scope.ServiceProvider.GetRequiredService<PlanTransfers>().PlanAsync(ops, Month, ct);
            await scope.ServiceProvider.GetRequiredService<ReviewTransfers>().ApproveAsync(ops, plan.PlanId, null, null, ct);
        }
        var load = CoreBench.Load();
        var cpu0 = Cpu();
        var wait0 = RunQueueWait();
        sw.Restart();
        ExecutionReport report;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            report = await scope.ServiceProvider.GetRequiredService<ExecuteTransfers>().ExecuteAsync(ops, plan.PlanId, ct);
        }
        sw.Stop();
        var calls = sim.State.CallCount("externalcontact/transfer_customer");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"execute {plan.ToOfficer:N0} moves: {sw.Elapsed.TotalSeconds:F1} s wall, {Cpu() - cpu0:F1} CPU-s (this process, simulator included), {RunQueueWait() - wait0:F1} s waiting for a core (all threads); moved {report.Moved:N0}, skipped {report.Skipped:N0}, "
            + $"WeCom requested {report.WeComRequested:N0} in {calls:N0} transfer_customer calls, WeCom skipped {report.WeComSkipped:N0}, remaining {report.Remaining:N0}; "
            + $"simulator limit {simOptions.RateLimitPerMinute:N0}/min per API; {load} -> {CoreBench.Load()}"));
    }
}

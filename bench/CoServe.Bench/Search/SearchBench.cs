using System.Diagnostics;
using System.Globalization;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CoServe.Bench.Search;

/// <summary>
/// Client list search over a large book: fills an embedded store with N clients (names, mobiles and ID
/// numbers encrypted with the real FieldProtector, blind indexes, a primary servicer each and co-servicers
/// for some, one month of segments), then times <see cref="ClientQueries.SearchAsync"/> as an Admin (whole
/// book) and as a client manager (his clients only), for client_no prefixes and exact mobiles.
/// </summary>
internal static class SearchBench
{
    private const int Managers = 200;
    private const int Branches = 10;
    private const int Month = 202404;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var clients = a.Get("--clients", 1_000_000);
        var searches = a.Get("--searches", 2_000);
        var warmup = a.Get("--warmup", 50);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, $"search-{clients}");
        var marker = Path.Combine(dataDir, "populated");
        if (a.Has("--fresh") && Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);

        using var host = BuildHost(dataDir, a.Has("--sql"));
        await host.Services.GetRequiredService<StoreMigrations>().MigrateAsync(CancellationToken.None);
        if (!File.Exists(marker))
        {
            var sw = Stopwatch.StartNew();
            await PopulateAsync(host.Services, clients);
            Console.WriteLine($"populated {clients:N0} clients in {sw.Elapsed.TotalSeconds:0.0} s");
            await File.WriteAllTextAsync(marker, clients.ToString(CultureInfo.InvariantCulture));
        }

        StaffMember admin, manager;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            admin = await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "admin");
            manager = await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "cm007");
        }
        var managerClients = Enumerable.Range(1, clients).Where(i => PrimaryManagerOf(i) == 7 || CoManagerOf(i) == 7).ToArray();
        Console.WriteLine($"manager cm007 serves {managerClients.Length:N0} clients; {MachineLoad()}");

        var results = new List<(string Scenario, double P50, double P99, double Max, double Mean)>();
        var random = new Random(42);
        foreach (var (scope, staff, pool) in new[] { ("Admin", admin, Enumerable.Range(1, clients).ToArray()), ("ClientManager", manager, managerClients) })
        {
            foreach (var kind in new[] { "client_no prefix", "exact mobile", "exact client_no", "no query (first page)" })
            {
                string Query()
                {
                    var i = pool[random.Next(pool.Length)];
                    return kind switch
                    {
                        "client_no prefix" => ClientNo(i)[..random.Next(2, 9)],
                        "exact mobile" => Mobile(i),
                        "exact client_no" => ClientNo(i),
                        _ => "",
                    };
                }
                var current = CurrentStaff.From(staff);
                for (var w = 0; w < warmup; w++) await SearchAsync(host.Services, current, Query());
                var times = new double[kind.StartsWith("no query", StringComparison.Ordinal) ? Math.Min(searches, 500) : searches];
                for (var n = 0; n < times.Length; n++)
                {
                    var q = Query();
                    var sw = Stopwatch.StartNew();
                    var page = await SearchAsync(host.Services, current, q);
                    times[n] = sw.Elapsed.TotalMilliseconds;
                    if (kind == "exact mobile" && page.Items.Count == 0) throw new InvalidOperationException("a mobile search found nothing");
                }
                Array.Sort(times);
                var r = ($"{scope}, {kind}", Percentile(times, 0.50), Percentile(times, 0.99), times[^1], times.Average());
                results.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Item1}: p50 {r.Item2:0.0} ms, p99 {r.Item3:0.0} ms, max {r.Item4:0.0} ms ({times.Length} searches)"));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"{clients:N0} clients; {MachineLoad()}");
        Console.WriteLine("| Scope, query | p50 | p99 | max | mean |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (scenario, p50, p99, max, mean) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {scenario} | {p50:0.0} ms | {p99:0.0} ms | {max:0.0} ms | {mean:0.0} ms |"));
        }
        return 0;
    }

    private static async Task<ClientPage> SearchAsync(IServiceProvider services, CurrentStaff staff, string query)
    {
        // One scope per search, as one web request has.
        await using var scope = services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<ClientQueries>();
        return await queries.SearchAsync(staff, new ClientSearchRequest(Query: query), CancellationToken.None);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string MachineLoad() => MonthClose.MonthCloseBench.Load();

    public static string ClientNo(int i) => "C" + i.ToString("D8", CultureInfo.InvariantCulture);

    private static string Mobile(int i) => (13_000_000_000L + ((long)i * 7919 % 6_000_000_000L)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Every 10th client is served by the service officer pool (0); others by one of the managers 1..200.</summary>
    private static int PrimaryManagerOf(int i) => i % 10 == 0 ? 0 : 1 + (int)((uint)(i * 2654435761u) % Managers);

    /// <summary>Every 4th client also has a co-servicing manager (AML duty).</summary>
    private static int CoManagerOf(int i)
    {
        if (i % 4 != 0) return -1;
        var m = 1 + (int)((uint)(i * 40503u) % Managers);
        return m == PrimaryManagerOf(i) ? -1 : m;
    }

    private static IHost BuildHost(string dataDir, bool logSql) => BenchHost.Build(dataDir, logSql: logSql);

    private static async Task PopulateAsync(IServiceProvider services, int clients)
    {
        var ct = CancellationToken.None;
        var protector = services.GetRequiredService<FieldProtector>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);

        var branches = Enumerable.Range(1, Branches).Select(b => new Branch($"B{b:D2}", $"第{b}营业部", "95500")).ToList();
        db.Branches.AddRange(branches);
        await db.SaveChangesAsync(ct);
        db.Staff.Add(new StaffMember("admin", "管理员", StaffRole.Admin, null));
        for (var m = 1; m <= Managers; m++) db.Staff.Add(new StaffMember($"cm{m:D3}", $"客户经理{m}", StaffRole.ClientManager, branches[m % Branches].Id));
        await db.SaveChangesAsync(ct);
        var managerIds = await db.Staff.Where(s => s.Role == StaffRole.ClientManager).ToDictionaryAsync(s => int.Parse(s.Login[2..], CultureInfo.InvariantCulture), s => s.Id, ct);

        // Encryption and blind indexes are the slow part: computed on every core, written in order.
        var rows = new object?[clients][];
        Parallel.For(1, clients + 1, i =>
        {
            var name = Surnames[i % Surnames.Length] + Given[i / Surnames.Length % Given.Length] + Given[i / 7 % Given.Length];
            var mobile = Mobile(i);
            var id = ResidentId(i);
            rows[i - 1] =
            [
                ClientNo(i),
                protector.Encrypt(ProtectedField.Name, name), protector.BlindIndex(ProtectedField.Name, name),
                protector.Encrypt(ProtectedField.Mobile, mobile), protector.BlindIndex(ProtectedField.Mobile, mobile),
                protector.Encrypt(ProtectedField.IdNumber, id), protector.BlindIndex(ProtectedField.IdNumber, id),
                branches[i % Branches].Id, false, false, now, now, 0,
            ];
        });

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "Clients",
            ["ClientNo", "NameCipher", "NameIndex", "MobileCipher", "MobileIndex", "IdNumberCipher", "IdNumberIndex", "BranchId", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            foreach (var row in rows) await writer.AddAsync(row, ct);
            await writer.CompleteAsync(ct);
        }
        rows = null;
        var ids = new Dictionary<string, long>(clients);
        await foreach (var c in db.Clients.AsNoTracking().Select(c => new { c.Id, c.ClientNo }).AsAsyncEnumerable()) ids[c.ClientNo] = c.Id;

        await using (var writer = await BulkWriter.StartAsync(db, "ClientServicers", ["ClientId", "StaffId", "IsPrimary", "Duties", "Since"], null, ct))
        {
            var values = new object?[5];
            for (var i = 1; i <= clients; i++)
            {
                var clientId = ids[ClientNo(i)];
                var primary = PrimaryManagerOf(i);
                values[0] = clientId;
                values[1] = primary == 0 ? null : managerIds[primary];
                values[2] = true;
                values[3] = (int)(primary == 0 ? DutyScopes.ServiceOfficer : DutyScopes.PrimaryManager);
                values[4] = now;
                await writer.AddAsync(values, ct);
                if (CoManagerOf(i) is var co and > 0)
                {
                    values[1] = managerIds[co];
                    values[2] = false;
                    values[3] = (int)DutyScope.Aml;
                    await writer.AddAsync(values, ct);
                }
            }
            await writer.CompleteAsync(ct);
        }
        await BenchHost.FillServicerClientNosAsync(db, ct);

        var baseCount = 0;
        await using (var writer = await BulkWriter.StartAsync(db, "MonthlySegments", ["Month", "ClientId", "Mada", "Tier", "ReportingTier", "Mode", "ComputedAt"], null, ct))
        {
            var values = new object?[7];
            foreach (var (no, clientId) in ids.OrderBy(x => x.Value))
            {
                var mada = (long)(Math.Pow(10, 2.5 + (4.0 * ((clientId * 2654435761L) % 1000 / 1000.0))) * 100);
                var tier = mada < 50_000_000 ? AssetTier.Base : AssetTier.HighEnd;
                if (tier == AssetTier.Base) baseCount++;
                values[0] = Month;
                values[1] = clientId;
                values[2] = mada;
                values[3] = tier.ToString();
                values[4] = null;
                values[5] = MadaMode.Natural.ToString();
                values[6] = now;
                await writer.AddAsync(values, ct);
            }
            await writer.CompleteAsync(ct);
        }
        db.SegmentationRuns.Add(new SegmentationRun(Month, MadaMode.Natural, 500_000m, clients, baseCount, now));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
    }

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];

    private static readonly string[] Given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚"];

    private static string ResidentId(int i)
    {
        var first17 = "110101" + new DateOnly(1950, 1, 1).AddDays(i % 19000).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (i % 1000).ToString("D3", CultureInfo.InvariantCulture);
        return first17 + PersonalDataFormat.ResidentIdCheckDigit(first17);
    }
}

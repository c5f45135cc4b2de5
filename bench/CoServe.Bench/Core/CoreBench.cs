using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CoServe.Bench.Core;

/// <summary>
/// The co-service core under load (issue 3's performance section):
/// <list type="bullet">
/// <item><c>core throughput</c>: the real web app in a child process; inbound client messages over real HTTP
/// on loopback (POST /api/channels/webchat/messages) -> idempotency check, timeline write, conversation state,
/// officer work item -> the real service officer's reply stored -> outbox delivered and pushed live. Closed
/// loop for the maximum rate, an open loop at a fixed rate for latency, every message sent three times
/// concurrently for duplicates, and a bare Kestrel endpoint (child process too) for the framework's own limit.</item>
/// <item><c>core latest</c>: a store bulk-filled with N timeline events (10,000,000 by default) over many
/// clients with a skewed distribution; p50/p99 of <see cref="TimelineQueries.PageAsync"/> for the latest 50.</item>
/// </list>
/// Options: --store sqlite|postgres, --pg CONNECTION (admin connection; a throwaway database is created),
/// --work DIR, --clients N, --messages N, --concurrency C, --rate R, --seconds S, --warmup N (messages before measuring, default 2,000), --triples N, --events N, --queries N,
/// --app-env NAME=VALUE,... (extra environment of the web app only).
/// </summary>
internal static class CoreBench
{
    private const string ChannelKey = "bench-channel-key-0123456789";
    private const string Channel = "webchat";

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var what = args.FirstOrDefault(x => !x.StartsWith("--", StringComparison.Ordinal) && Array.IndexOf(args, x) is var i && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))) ?? "all";
        var store = a.Get("--store", "sqlite");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; store {store}; {Load()}"));
        if (what is "all" or "throughput") await ThroughputAsync(a, store);
        if (what is "all" or "latest") await LatestAsync(a, store);
        return 0;
    }

    /// <summary>(child process of core) a Kestrel endpoint that reads the body and answers 202, nothing else.</summary>
    public static async Task<int> BareAsync(string[] args)
    {
        var port = new BenchArgs(args).Get("--port", 0);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Bench", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        app.MapPost("/bare", async (HttpRequest request) =>
        {
            var local = new byte[4096];
            while (await request.Body.ReadAsync(local) > 0)
            {
            }
            return Results.Accepted();
        });
        await app.RunAsync();
        return 0;
    }

    internal static string Load() => "loadavg " + File.ReadAllText("/proc/loadavg").Trim();

    private static double OwnCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    // ------------------------------------------------------------------ stores

    /// <summary>A throughput run's store is not reused (unlike the 10,000,000-event one): its directory goes when the run ends.</summary>
    private sealed class ScratchDirectory(string path) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException e)
            {
                Console.WriteLine($"could not delete {path}: {e.Message}");
            }
        }
    }

    private sealed record BenchStore(string Provider, Dictionary<string, string?> Settings, string? AdminConnection, string? Database) : IAsyncDisposable
    {
        public IEnumerable<string> CommandLine() => Settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}");

        public async ValueTask DisposeAsync()
        {
            if (AdminConnection is null || Database is null) return;
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(AdminConnection);
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {Database} WITH (FORCE)";
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task<BenchStore> CreateStoreAsync(string provider, string dataDir, string? pgAdmin, string? reuseDatabase = null)
    {
        Directory.CreateDirectory(dataDir);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDir,
            ["Security:FieldProtection:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
            ["Security:FieldProtection:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
            ["Demo:SeedWhenEmpty"] = "false",
        };
        if (provider == "sqlite")
        {
            settings["Database:Provider"] = "sqlite";
            return new BenchStore(provider, settings, null, null);
        }
        var admin = pgAdmin ?? throw new InvalidOperationException("--pg CONNECTION is needed for --store postgres");
        var database = reuseDatabase ?? "coserve_bench_" + Guid.NewGuid().ToString("N")[..12];
        if (reuseDatabase is null)
        {
            await using var conn = new NpgsqlConnection(admin);
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {database}";
            await cmd.ExecuteNonQueryAsync();
        }
        settings["Database:Provider"] = "postgres";
        settings["ConnectionStrings:CoServe"] = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 64 }.ToString();
        return new BenchStore(provider, settings, reuseDatabase is null ? admin : null, database);
    }

    private static IHost BuildHost(BenchStore store) => BenchHost.Build(store.Settings);

    public static string ClientNo(int i) => "C" + i.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Branches, a service officer team and client managers, and N clients each with a primary servicer.</summary>
    private static async Task PopulateClientsAsync(IServiceProvider services, int clients)
    {
        var ct = CancellationToken.None;
        await services.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
        var protector = services.GetRequiredService<FieldProtector>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);
        var branches = Enumerable.Range(1, 4).Select(b => new Branch($"B{b:D2}", $"第{b}营业部", "95500")).ToList();
        db.Branches.AddRange(branches);
        await db.SaveChangesAsync(ct);
        db.Staff.Add(new StaffMember("admin", "管理员", StaffRole.Admin, null));
        for (var m = 1; m <= 5; m++) db.Staff.Add(new StaffMember($"ops{m}", $"运营{m}", StaffRole.DigitalOps, null));
        for (var m = 1; m <= 40; m++) db.Staff.Add(new StaffMember($"cm{m:D3}", $"客户经理{m}", StaffRole.ClientManager, branches[m % branches.Count].Id));
        await db.SaveChangesAsync(ct);
        var managers = await db.Staff.Where(s => s.Role == StaffRole.ClientManager).Select(s => s.Id).ToListAsync(ct);

        // Names are synthetic and few: encrypted once each, the cipher reused (the reads never decrypt them here).
        var nameCiphers = Enumerable.Range(0, 64).Select(i => protector.Encrypt(ProtectedField.Name, "客户" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "Clients", ["ClientNo", "NameCipher", "NameIndex", "BranchId", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            for (var i = 1; i <= clients; i++)
            {
                await writer.AddAsync([ClientNo(i), nameCiphers[i % nameCiphers.Length], null, branches[i % branches.Count].Id, false, false, now, now, 0], ct);
            }
            await writer.CompleteAsync(ct);
        }
        var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "ClientServicers", ["ClientId", "StaffId", "IsPrimary", "Duties", "Since"], null, ct))
        {
            for (var n = 0; n < ids.Count; n++)
            {
                // Every other client is with the service officer team, with the manager kept as co-servicer (duties).
                var manager = managers[n % managers.Count];
                if (n % 2 == 0)
                {
                    await writer.AddAsync([ids[n], null, true, (int)DutyScopes.ServiceOfficer, now], ct);
                    await writer.AddAsync([ids[n], manager, false, (int)(DutyScope.Commission | DutyScope.Aml | DutyScope.Complaint), now], ct);
                }
                else
                {
                    await writer.AddAsync([ids[n], manager, true, (int)DutyScopes.PrimaryManager, now], ct);
                }
            }
            await writer.CompleteAsync(ct);
        }
        await BenchHost.FillServicerClientNosAsync(db, ct);
        await tx.CommitAsync(ct);
    }

    // ------------------------------------------------------------------ throughput

    private static readonly string[] Questions =
    [
        "请问开户需要准备什么材料？", "交易密码忘了怎么重置", "你们营业部几点下班", "新股申购额度怎么计算", "银证转账有手续费吗",
        "怎么查看我的佣金费率", "融资融券开通条件是什么", "手机上怎么修改联系地址", "国债逆回购在哪里买", "资金什么时候可以取出",
        "科创板权限怎么开", "我想了解一下理财产品", "港股通需要什么条件", "账户被冻结了怎么办", "分红什么时候到账",
    ];

    private static byte[] Body(int i, string prefix, int clients, int salt)
    {
        var client = 1 + (int)((uint)((i + salt) * 2654435761u) % (uint)clients);
        // One message in 50 asks for a human (a routed handoff with its ticket, notification and holding message).
        var text = i % 50 == 49 ? "我要投诉你们的服务" : Questions[i % Questions.Length];
        return JsonSerializer.SerializeToUtf8Bytes(new { clientNo = ClientNo(client), text, idempotencyKey = $"{prefix}-{i}" });
    }

    private sealed record LoadResult(int Requests, double Seconds, double P50Ms, double P99Ms, double MaxMs, int Errors, long[] EventIds)
    {
        public double PerSecond => Requests / Seconds;
    }

    private static async Task ThroughputAsync(BenchArgs a, string provider)
    {
        var clients = a.Get("--clients", 20_000);
        var messages = a.Get("--messages", 30_000);
        var concurrency = a.Get("--concurrency", 32);
        var rate = a.Get("--rate", 1_000);
        var seconds = a.Get("--seconds", 20);
        var triples = a.Get("--triples", 3_000);
        // The JIT keeps optimising hot code long after 2,000 messages; a longer warm-up gives the sustained figures.
        var warmup = a.Get("--warmup", 2_000);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, "core-throughput-" + Guid.NewGuid().ToString("N")[..8]);
        // Declared first, so disposed last: after the app processes and the store.
        using var scratch = new ScratchDirectory(dataDir);
        await using var store = await CreateStoreAsync(provider, dataDir, a.Get("--pg"));
        using (var setup = BuildHost(store))
        {
            var sw = Stopwatch.StartNew();
            await PopulateClientsAsync(setup.Services, clients);
            Console.WriteLine($"store: {clients:N0} clients in {sw.Elapsed.TotalSeconds:0.0} s");
        }
        using var host = BuildHost(store);

        var port = AppProcess.FreePort();
        var appArgs = store.CommandLine().Concat([
            $"--urls=http://127.0.0.1:{port}", $"--Channels:{Channel}:Key={ChannelKey}", "--Logging:LogLevel:Default=Warning",
            "--Database:MigrateOnStart=false",
        ]).ToList();
        await using var app = await AppProcess.StartAsync(AppProcess.WebAppDll(), appArgs, port, "/health", TimeSpan.FromMinutes(3),
            AppEnvironment(a.Get("--app-env")));
        var barePort = AppProcess.FreePort();
        await using var bare = await AppProcess.StartAsync(typeof(CoreBench).Assembly.Location, ["core-bare", "--port", barePort.ToString(CultureInfo.InvariantCulture)], barePort, "/health", TimeSpan.FromMinutes(1));
        Console.WriteLine($"web app pid {app.Pid} at {app.BaseAddress}, bare Kestrel pid {bare.Pid}; {Load()}");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var ingest = new Uri(app.BaseAddress, $"/api/channels/{Channel}/messages");

        // Warm-up: JIT, connection pool, officer snapshot, SQLite page cache.
        var warm = Enumerable.Range(0, warmup).Select(i => Body(i, "warm", clients, 7)).ToArray();
        await ClosedLoopAsync(http, ingest, warm, concurrency);
        await DrainAsync(host.Services, TimeSpan.FromMinutes(5));
        await ClosedLoopAsync(http, new Uri(bare.BaseAddress, "/bare"), warm, concurrency);

        // The digital team clears its queue before each measured phase, as operators do: otherwise the warm-up's
        // handoffs leave conversations waiting for a human, where the AI stays silent, and the phases measure
        // fewer officer decisions the longer the warm-up was.
        Console.WriteLine($"digital team: closed {await CloseHandedOffAsync(host.Services):N0} conversations waiting for or held by a human after the warm-up");

        // 1. Bare Kestrel, same bodies, same client.
        var bodies = Enumerable.Range(0, messages).Select(i => Body(i, "max", clients, 11)).ToArray();
        var load0 = Load();
        var bareCpu0 = bare.CpuSeconds();
        var own0 = OwnCpu();
        var bareResult = await ClosedLoopAsync(http, new Uri(bare.BaseAddress, "/bare"), bodies, concurrency);
        var bareCpu = bare.CpuSeconds() - bareCpu0;
        var bareOwn = OwnCpu() - own0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bare Kestrel: {bareResult.PerSecond:N0}/s, p50 {bareResult.P50Ms:F2} ms, p99 {bareResult.P99Ms:F2} ms, errors {bareResult.Errors}; server {bareCpu:F1} CPU-s, load generator {bareOwn:F1} CPU-s; {load0}"));

        // 2. Closed loop through the real path: acknowledged rate, and the rate until every AI reply is stored and delivered.
        load0 = Load();
        var cpu0 = app.CpuSeconds();
        var written0 = app.WrittenBytes();
        own0 = OwnCpu();
        var total = Stopwatch.StartNew();
        var max = await ClosedLoopAsync(http, ingest, bodies, concurrency);
        var ackCpu = app.CpuSeconds() - cpu0;
        var drained = await DrainAsync(host.Services, TimeSpan.FromMinutes(30));
        total.Stop();
        var fullCpu = app.CpuSeconds() - cpu0;
        var written = app.WrittenBytes() - written0;
        var ownCpu = OwnCpu() - own0;
        var load1 = Load();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"full path, closed loop ({concurrency} connections, {messages:N0} messages): acknowledged {max.PerSecond:N0}/s (p50 {max.P50Ms:F1} ms, p99 {max.P99Ms:F1} ms, errors {max.Errors}), "
            + $"{ackCpu:F1} CPU-s in the app while acknowledging; all AI replies stored and delivered after {total.Elapsed.TotalSeconds:F1} s = {messages / total.Elapsed.TotalSeconds:N0} messages/s end to end "
            + $"({fullCpu:F1} CPU-s app, {ownCpu:F1} CPU-s load generator + store poller; drained: {drained}); ratio acknowledged/bare {max.PerSecond / bareResult.PerSecond:P1}; "
            + $"the app wrote {written / messages / 1024:F1} KB per message to storage; {load0} -> {load1}"));
        await OutcomesAsync(host.Services, "max-");

        Console.WriteLine($"digital team: closed {await CloseHandedOffAsync(host.Services):N0} conversations waiting for or held by a human after the closed loop");

        // 3. Open loop at a fixed rate: latency from the scheduled send time (no coordinated omission).
        var count = rate * seconds;
        var paced = Enumerable.Range(0, count).Select(i => Body(i, "paced", clients, 13)).ToArray();
        load0 = Load();
        cpu0 = app.CpuSeconds();
        var firstPaced = await MaxEventIdAsync(host.Services);
        var open = await OpenLoopAsync(http, ingest, paced, rate);
        var openCpu = app.CpuSeconds() - cpu0;
        await DrainAsync(host.Services, TimeSpan.FromMinutes(10));
        var lag = await ReplyLagAsync(host.Services, firstPaced);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"open loop at {rate:N0}/s for {seconds} s ({count:N0} messages, achieved {open.PerSecond:N0}/s): acknowledgement p50 {open.P50Ms:F2} ms, p99 {open.P99Ms:F2} ms, max {open.MaxMs:F1} ms, errors {open.Errors}; "
            + $"message stored -> AI reply stored p50 {lag.P50:F0} ms, p99 {lag.P99:F0} ms (store clock, ms resolution); {openCpu:F1} CPU-s app while sending = {openCpu / seconds:F2} cores; {load0}"));

        // 4. Every message three times at once: one event, one id, one work item.
        var dupBodies = Enumerable.Range(0, triples).Select(i => Body(i, "dup", clients, 17)).ToArray();
        var tripled = dupBodies.SelectMany(b => new[] { b, b, b }).ToArray();
        var dup = await ClosedLoopAsync(http, ingest, tripled, concurrency, grouped: 3);
        await DrainAsync(host.Services, TimeSpan.FromMinutes(10));
        var sameIds = Enumerable.Range(0, triples).Count(i => dup.EventIds[3 * i] > 0 && dup.EventIds[3 * i] == dup.EventIds[(3 * i) + 1] && dup.EventIds[3 * i] == dup.EventIds[(3 * i) + 2]);
        var (stored, duplicated, workItems) = await DuplicatesAsync(host.Services, "dup-");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"three concurrent deliveries of {triples:N0} messages ({tripled.Length:N0} requests, errors {dup.Errors}): {sameIds:N0} answered with one id three times; "
            + $"{stored:N0} stored events, {duplicated} keys stored more than once, {workItems:N0} officer work items"));
    }

    /// <summary>
    /// Closes, as the digital team's supervisor and through the same control service as the console, every conversation
    /// a human holds or is waiting for (its ticket resolved), so that the next client message goes to the AI again.
    /// </summary>
    private static async Task<int> CloseHandedOffAsync(IServiceProvider services)
    {
        List<long> ids;
        CurrentStaff supervisor;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            supervisor = CurrentStaff.From(await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "admin"));
            ids = await db.Conversations.AsNoTracking()
                .Where(c => c.State == ConversationState.WaitingForHuman || c.State == ConversationState.HumanActive)
                .Select(c => c.Id).ToListAsync();
        }
        var closed = 0;
        foreach (var id in ids)
        {
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<ConversationControl>().CloseAsync(supervisor, id, "bench: queue cleared", 0, CancellationToken.None);
            if (result.Status == ControlStatus.Done) closed++;
        }
        return closed;
    }

    private static async Task<LoadResult> ClosedLoopAsync(HttpClient http, Uri url, byte[][] bodies, int concurrency, int grouped = 1)
    {
        var latencies = new long[bodies.Length];
        var ids = new long[bodies.Length];
        var next = -1;
        var errors = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int g;
            while ((g = Interlocked.Increment(ref next)) < bodies.Length / grouped)
            {
                // A group (one message sent `grouped` times) goes out at once, concurrently.
                await Task.WhenAll(Enumerable.Range(g * grouped, grouped).Select(async i =>
                {
                    var start = Stopwatch.GetTimestamp();
                    var (ok, id) = await SendAsync(http, url, bodies[i]);
                    latencies[i] = Stopwatch.GetTimestamp() - start;
                    ids[i] = id;
                    if (!ok) Interlocked.Increment(ref errors);
                }));
            }
        }));
        sw.Stop();
        return Summarise(latencies, sw.Elapsed.TotalSeconds, errors, ids);
    }

    private static async Task<LoadResult> OpenLoopAsync(HttpClient http, Uri url, byte[][] bodies, int rate)
    {
        var latencies = new long[bodies.Length];
        var errors = 0;
        var start = Stopwatch.GetTimestamp();
        var tasks = new List<Task>(bodies.Length);
        for (var i = 0; i < bodies.Length; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                var (ok, _) = await SendAsync(http, url, bodies[index]);
                latencies[index] = Stopwatch.GetTimestamp() - due;
                if (!ok) Interlocked.Increment(ref errors);
            }));
        }
        await Task.WhenAll(tasks);
        return Summarise(latencies, (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency, errors, []);
    }

    private static async Task<(bool Ok, long EventId)> SendAsync(HttpClient http, Uri url, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-CoServe-Channel-Key", ChannelKey);
        try
        {
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted) return (false, 0);
            if (response.Content.Headers.ContentLength is 0 or null && !url.AbsolutePath.Contains("/messages", StringComparison.Ordinal)) return (true, 0);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (bytes.Length == 0) return (true, 0);
            using var doc = JsonDocument.Parse(bytes);
            return (true, doc.RootElement.TryGetProperty("eventId", out var e) ? e.GetInt64() : 0);
        }
        catch (HttpRequestException)
        {
            return (false, 0);
        }
        catch (TaskCanceledException)
        {
            // No answer within the client's timeout: counted as an error, not acknowledged.
            return (false, 0);
        }
    }

    private static LoadResult Summarise(long[] latencies, double seconds, int errors, long[] ids)
    {
        var sorted = (long[])latencies.Clone();
        Array.Sort(sorted);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return new LoadResult(latencies.Length, seconds, Ms(sorted[sorted.Length / 2]), Ms(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)]), Ms(sorted[^1]), errors, ids);
    }

    /// <summary>Waits until no officer work item and no outbox message is pending.</summary>
    private static async Task<string> DrainAsync(IServiceProvider services, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
            var work = await db.OfficerWorkItems.CountAsync(w => w.ProcessedAt == null && w.Attempts < 3);
            var outbox = await db.Outbox.CountAsync(o => o.Status == Features.Channels.OutboxStatus.Pending);
            if (work == 0 && outbox == 0) return "yes";
            await Task.Delay(100);
        }
        return "NO (timed out)";
    }

    private static async Task<long> MaxEventIdAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
        return await db.TimelineEvents.MaxAsync(e => (long?)e.Id) ?? 0;
    }

    private static async Task<(double P50, double P99)> ReplyLagAsync(IServiceProvider services, long afterEventId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
        var rows = await db.OfficerWorkItems.AsNoTracking().Where(w => w.ClientMessageEventId > afterEventId && w.ProcessedAt != null)
            .Select(w => new { w.CreatedAt, w.ProcessedAt }).ToListAsync();
        var lags = rows.Select(r => (r.ProcessedAt!.Value - r.CreatedAt).TotalMilliseconds).Order().ToArray();
        if (lags.Length == 0) return (double.NaN, double.NaN);
        return (lags[lags.Length / 2], lags[Math.Min(lags.Length - 1, (int)Math.Ceiling(lags.Length * 0.99) - 1)]);
    }

    private static async Task OutcomesAsync(IServiceProvider services, string keyPrefix)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
        var key = Channel + ":" + keyPrefix;
        var outcomes = await db.OfficerWorkItems.AsNoTracking()
            .Where(w => w.ClientMessage!.IdempotencyKey!.StartsWith(key))
            .GroupBy(w => w.Outcome).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var failed = await db.OfficerWorkItems.CountAsync(w => w.ProcessedAt == null);
        Console.WriteLine("  officer outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Count).Select(o => $"{o.Key ?? "pending"} {o.Count:N0}")) + $"; unprocessed {failed}");
    }

    private static async Task<(int Stored, int Duplicated, int WorkItems)> DuplicatesAsync(IServiceProvider services, string keyPrefix)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
        var key = Channel + ":" + keyPrefix;
        var events = db.TimelineEvents.AsNoTracking().Where(e => e.Kind == TimelineKind.ClientMessage && e.IdempotencyKey!.StartsWith(key));
        var stored = await events.CountAsync();
        var duplicated = await events.GroupBy(e => e.IdempotencyKey).CountAsync(g => g.Count() > 1);
        var work = await db.OfficerWorkItems.CountAsync(w => w.ClientMessage!.IdempotencyKey!.StartsWith(key));
        return (stored, duplicated, work);
    }

    /// <summary>
    /// The web app's environment: production, server GC, plus any `--app-env NAME=VALUE,NAME=VALUE` (runtime knobs
    /// such as DOTNET_GCgen0size tried on the app alone, not on the load generator).
    /// </summary>
    private static Dictionary<string, string> AppEnvironment(string? extra)
    {
        var env = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_gcServer"] = "1" };
        foreach (var pair in (extra ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"--app-env: '{pair}' is not NAME=VALUE");
            env[pair[..eq]] = pair[(eq + 1)..];
        }
        return env;
    }

    // ------------------------------------------------------------------ latest 50 of one client

    private static async Task LatestAsync(BenchArgs a, string provider)
    {
        var events = a.Get("--events", 10_000_000);
        var clients = a.Get("--clients", 200_000);
        var queries = a.Get("--queries", 2_000);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, $"core-latest-{provider}-{events}-{clients}");
        var marker = Path.Combine(dataDir, "populated");
        string? reuse = null;
        if (File.Exists(marker)) reuse = (await File.ReadAllTextAsync(marker)).Trim() is { Length: > 0 } db ? db : null;
        // Not disposed: a filled PostgreSQL database is kept for later runs (dropped with --drop).
        var store = await CreateStoreAsync(provider, dataDir, a.Get("--pg"), provider == "postgres" ? reuse : null);
        using var host = BuildHost(store);
        if (!File.Exists(marker))
        {
            var load0 = Load();
            var sw = Stopwatch.StartNew();
            var cpu0 = OwnCpu();
            await PopulateClientsAsync(host.Services, clients);
            await FillTimelineAsync(host.Services, events, clients);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"filled {events:N0} timeline events over {clients:N0} clients in {sw.Elapsed.TotalSeconds:F0} s ({OwnCpu() - cpu0:F0} CPU-s in the bench process); {load0} -> {Load()}"));
            await File.WriteAllTextAsync(marker, store.Database ?? "");
        }

        StaffMember admin;
        List<(long Id, string No, int Count)> heavy;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            admin = await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "admin");
            heavy = [];
            for (var i = 1; i <= 100; i++)
            {
                var no = ClientNo(i);
                var id = await db.Clients.Where(c => c.ClientNo == no).Select(c => c.Id).SingleAsync();
                heavy.Add((id, no, 0));
            }
            var sizes = await db.TimelineEvents.CountAsync(e => e.ClientId == heavy[0].Id);
            var total = await db.TimelineEvents.CountAsync();
            Console.WriteLine($"store: {total:N0} timeline events; the heaviest client has {sizes:N0}; {Load()}");
        }
        var staff = CurrentStaff.From(admin);
        var random = new Random(42);
        foreach (var (label, pick) in new (string, Func<string>)[]
                 {
                     ("any client (uniform)", () => ClientNo(1 + random.Next(clients))),
                     ("the 100 heaviest clients", () => heavy[random.Next(heavy.Count)].No),
                 })
        {
            for (var w = 0; w < 100; w++) await PageAsync(host.Services, staff, pick());
            var times = new double[queries];
            var cpu0 = OwnCpu();
            var load0 = Load();
            var returned = 0L;
            for (var n = 0; n < queries; n++)
            {
                var no = pick();
                var sw = Stopwatch.StartNew();
                var page = await PageAsync(host.Services, staff, no);
                times[n] = sw.Elapsed.TotalMilliseconds;
                returned += page?.Items.Count ?? throw new InvalidOperationException("client not found: " + no);
            }
            Array.Sort(times);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"latest 50, {label}, {provider}: p50 {times[times.Length / 2]:F2} ms, p99 {times[(int)Math.Ceiling(times.Length * 0.99) - 1]:F2} ms, max {times[^1]:F1} ms, "
                + $"mean {returned / (double)queries:F1} events per page; {OwnCpu() - cpu0:F1} CPU-s for {queries:N0} queries; {load0}"));
        }
        if (a.Has("--drop"))
        {
            await new BenchStore(provider, store.Settings, a.Get("--pg"), store.Database).DisposeAsync();
            File.Delete(marker);
        }
    }

    /// <summary>The table's indexes other than its primary key, as (name, CREATE statement) from the store's catalogue.</summary>
    private static async Task<List<(string Name, string Sql)>> SecondaryIndexesAsync(CoServeDb db, string table, CancellationToken ct)
    {
        var sql = db.IsSqlite
            ? $"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL"
            : $"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{table}' AND indexname <> 'PK_{table}'";
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var found = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add((reader.GetString(0), reader.GetString(1)));
        return found;
    }

    private static async Task<TimelinePage?> PageAsync(IServiceProvider services, CurrentStaff staff, string clientNo)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TimelineQueries>().PageAsync(staff, clientNo, new TimelineFilter(), null, 50, CancellationToken.None);
    }

    /// <summary>
    /// Events in time order (ids ascending, one every ~3 s over about a year), each for a client drawn with
    /// density ~ x^-2/3: client C00000001 gets ~2% of all events, most clients a few dozen; kinds as a
    /// conversation has them (client and officer messages, staff replies, internal notes, control changes).
    /// Texts are 256 distinct messages encrypted once each by the real FieldProtector (ciphers reused).
    /// Like any bulk load, the table's secondary indexes are dropped for the load and built once afterwards (the
    /// same definitions, read from the store), and SQLite gets a 1 GiB page cache for it: inserting 10,000,000
    /// rows into three random-order indexes through a 2 MB cache does not finish in useful time.
    /// </summary>
    private static async Task FillTimelineAsync(IServiceProvider services, int events, int clients)
    {
        var ct = CancellationToken.None;
        var protector = services.GetRequiredService<FieldProtector>();
        var ciphers = Enumerable.Range(0, 256).Select(i => protector.Encrypt(ProtectedField.MessageText, Questions[i % Questions.Length] + "（" + i.ToString(CultureInfo.InvariantCulture) + "）")).ToArray();
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        if (db.IsSqlite) await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -1048576", ct);
        var indexes = await SecondaryIndexesAsync(db, "TimelineEvents", ct);
        foreach (var (name, _) in indexes)
        {
            var drop = "DROP INDEX \"" + name + "\""; // a name read from the store's own catalogue
            await db.Database.ExecuteSqlRawAsync(drop, ct);
        }
        var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToArrayAsync(ct);
        var start = new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(7);
        const int batch = 1_000_000;
        for (var from = 0; from < events; from += batch)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await using (var writer = await BulkWriter.StartAsync(db, "TimelineEvents",
                ["ClientId", "Kind", "Actor", "ActorStaffId", "Channel", "Visibility", "At", "TextCipher", "Details", "ConversationId", "TicketId", "CorrelationId", "IdempotencyKey", "Mentions"], null, ct))
            {
                var values = new object?[14];
                for (var n = from; n < Math.Min(events, from + batch); n++)
                {
                    var client = ids[Math.Min(clients - 1, (int)(clients * Math.Pow(random.NextDouble(), 3)))];
                    var roll = random.Next(100);
                    var (kind, actor, visibility) = roll switch
                    {
                        < 45 => (TimelineKind.ClientMessage, ActorKind.Client, EventVisibility.ClientVisible),
                        < 88 => (TimelineKind.OfficerMessage, ActorKind.Officer, EventVisibility.ClientVisible),
                        < 94 => (TimelineKind.StaffMessage, ActorKind.Staff, EventVisibility.ClientVisible),
                        < 97 => (TimelineKind.Note, ActorKind.Staff, EventVisibility.Internal),
                        _ => (TimelineKind.ControlChange, ActorKind.System, EventVisibility.Internal),
                    };
                    values[0] = client;
                    values[1] = (short)kind;
                    values[2] = (short)actor;
                    values[3] = actor == ActorKind.Staff ? 2 : null;
                    values[4] = Channel;
                    values[5] = (short)visibility;
                    values[6] = start.AddSeconds(n * 3.1);
                    values[7] = kind == TimelineKind.ControlChange ? null : ciphers[n & 255];
                    values[8] = kind == TimelineKind.OfficerMessage ? "{\"engine\":\"bench\",\"confidence\":0.9}" : kind == TimelineKind.ControlChange ? "{\"to\":\"HumanActive\"}" : null;
                    values[9] = null;
                    values[10] = null;
                    values[11] = null;
                    values[12] = kind == TimelineKind.ClientMessage ? "webchat:f" + n.ToString(CultureInfo.InvariantCulture) : null;
                    values[13] = null;
                    await writer.AddAsync(values, ct);
                }
                await writer.CompleteAsync(ct);
            }
            await tx.CommitAsync(ct);
            Console.WriteLine($"  {Math.Min(events, from + batch):N0} events; {Load()}");
        }
        foreach (var (name, sql) in indexes)
        {
            var sw = Stopwatch.StartNew();
            await db.Database.ExecuteSqlRawAsync(sql, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  index {name} built in {sw.Elapsed.TotalSeconds:F0} s; {Load()}"));
        }
        if (db.IsSqlite) await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        else await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE \"TimelineEvents\"", ct);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Platform.Storage;
using CoServe.Platform.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CoServe.Bench.WeCom;

/// <summary>
/// `dotnet run -c Release --project bench/CoServe.Bench -- wecom [callbacks|contacts] [--requests N] [--warmup N] [--concurrency C] [--stored]`:
/// callback verify+decrypt+enqueue over real HTTP on loopback against a bare Kestrel endpoint, and a
/// 100,000-contact sync from the simulator within its rate limits.
/// </summary>
internal static class WeComBench
{
    private sealed class CountingSink : IInboundMessageSink
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);

        public Task<InboundResult> AcceptAsync(InboundClientMessage message, CancellationToken ct)
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult(new InboundResult(InboundOutcome.Stored, null, null));
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var what = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
        var requests = Option(args, "--requests", 100_000);
        var concurrency = Option(args, "--concurrency", 16);
        var contacts = Option(args, "--contacts", 100_000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInfo()}; server GC {System.Runtime.GCSettings.IsServerGC}"));
        // --stored: the web app's own inbox (callbacks kept in the SQLite store until processed, as deployed)
        // instead of the in-memory queue of a WeCom-only host.
        var stored = args.Contains("--stored");
        // --trace-tail DIR: each callback's start and latency, and the runtime's GC, thread-pool and JIT events, for finding the tail.
        var i = Array.IndexOf(args, "--trace-tail");
        var traceDir = i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        // --warmup N: callbacks sent before measuring (default a fifth of --requests, at most 10,000).
        var warmup = Option(args, "--warmup", Math.Min(10_000, requests / 5));
        if (what is "all" or "callbacks") await CallbacksAsync(requests, warmup, concurrency, stored, traceDir);
        if (what is "all" or "contacts") await ContactsAsync(contacts);
        if (what is "steps") Steps(requests);
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + " " + System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    // ------------------------------------------------------------------ callbacks

    private static async Task CallbacksAsync(int requests, int warmup, int concurrency, bool stored, string? traceDir)
    {
        var dataDir = stored ? Path.Combine(Path.GetTempPath(), "coserve-bench-wecom-" + Guid.NewGuid().ToString("N")[..8]) : null;
        try
        {
            await CallbacksAsync(requests, warmup, concurrency, dataDir, traceDir);
        }
        finally
        {
            if (dataDir is not null) BenchHost.DeleteStore(dataDir);
        }
    }

    private static async Task CallbacksAsync(int requests, int warmup, int concurrency, string? dataDir, string? traceDir)
    {
        using var trace = traceDir is null ? null : new TailTrace(traceDir);
        var stored = dataDir is not null;
        var sim = new SimulatorOptions();
        var sink = new CountingSink();
        await using var coserve = await StartCoServeAsync(sim, "http://127.0.0.1:9/", sink, dataDir);
        await using var bare = await StartBareAsync();
        var coserveBase = coserve.Urls.First();
        var bareBase = bare.Urls.First();

        var crypto = new WeComCrypto(sim.Token, sim.EncodingAesKey, sim.CorpId);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"preparing {requests + warmup:N0} signed, encrypted callbacks..."));
        var payloads = Enumerable.Range(0, requests + warmup).Select(i => Payload(crypto, sim, i)).ToArray();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false, AutomaticDecompression = DecompressionMethods.None });
        await LoadAsync(http, bareBase + "/bare", payloads[..warmup], concurrency, perRequestUrl: false);
        var bareCpu = Cpu();
        var bareGc = GcFigures.Now();
        var bareResult = await LoadAsync(http, bareBase + "/bare", payloads[warmup..], concurrency, perRequestUrl: false);
        bareCpu = Cpu() - bareCpu;
        bareGc = GcFigures.Now() - bareGc;
        await LoadAsync(http, coserveBase + "/api/wecom/callback/main", payloads[..warmup], concurrency, perRequestUrl: true);
        var until = Environment.TickCount64 + 30_000;
        while (sink.Count < warmup && Environment.TickCount64 < until) await Task.Delay(10);
        var oursCpu = Cpu();
        var gcBefore = GcFigures.Now();
        trace?.MarkZero();
        using var walWatch = dataDir is null ? null : new WalWatch(Path.Combine(dataDir, "coserve.db-wal"));
        var ours = await LoadAsync(http, coserveBase + "/api/wecom/callback/main", payloads[warmup..], concurrency, perRequestUrl: true, trace);
        walWatch?.Stop();

        // CPU until the worker has handed on the last callback: the stable figure on a shared machine.
        until = Environment.TickCount64 + 30_000;
        while (sink.Count < requests + warmup && Environment.TickCount64 < until) await Task.Delay(10);
        oursCpu = Cpu() - oursCpu;
        var gc = GcFigures.Now() - gcBefore;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"callbacks over loopback HTTP/1.1, {concurrency} concurrent connections, {requests:N0} requests each; inbox: {(stored ? "stored (SQLite)" : "in memory")}; process CPU {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s"));
        Print("bare Kestrel endpoint (200)", bareResult);
        Print("WeCom callback (verify+decrypt+dedup+enqueue)", ours);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio callback/bare throughput: {ours.PerSecond / bareResult.PerSecond:P0}; messages handed to the sink by the worker: {sink.Count:N0} of {requests + warmup:N0}; non-200 answers: {ours.Errors}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"process CPU per request (load generator included): bare {bareCpu.TotalMilliseconds / requests:F3} ms, callback {oursCpu.TotalMilliseconds / requests:F3} ms (worker included), {oursCpu.TotalMilliseconds / bareCpu.TotalMilliseconds:F1}x bare"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GC during the callbacks: {gc.Allocated / (double)requests / 1024:F1} KiB allocated per callback (load generator included), collections gen0 {gc.Gen0} gen1 {gc.Gen1} gen2 {gc.Gen2}, pauses {gc.Pause.TotalMilliseconds:F0} ms in all; bare endpoint {bareGc.Allocated / (double)requests / 1024:F1} KiB per request"));
    }

    /// <summary>
    /// The write-ahead log's file size sampled every 20 ms while the callbacks run: how far the log grows before it
    /// starts again from the beginning (SQLite reuses the file, so its size is the largest the log has been).
    /// </summary>
    private sealed class WalWatch : IDisposable
    {
        private readonly Timer _timer;
        private readonly string _file;
        private long _start = -1, _max;

        public WalWatch(string file)
        {
            _file = file;
            _timer = new Timer(_ => Sample(), null, 0, 20);
        }

        private void Sample()
        {
            var length = File.Exists(_file) ? new FileInfo(_file).Length : 0;
            if (_start < 0) _start = length;
            if (length > _max) _max = length;
        }

        public void Stop()
        {
            _timer.Dispose();
            Sample();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"write-ahead log file: {_start / 1048576.0:F1} MB when measuring began, {_max / 1048576.0:F1} MB at most, {(File.Exists(_file) ? new FileInfo(_file).Length : 0) / 1048576.0:F1} MB at the end"));
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>The process's GC totals, to tell allocation and GC pauses apart from the rest of the CPU and the tail.</summary>
    private readonly record struct GcFigures(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause)
    {
        public static GcFigures Now() => new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

        public static GcFigures operator -(GcFigures a, GcFigures b) => new(a.Allocated - b.Allocated, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Pause - b.Pause);
    }

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private sealed record Load(double PerSecond, double P50Ms, double P99Ms, double MaxMs, int Errors);

    private static void Print(string name, Load l) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {name,-48} {l.PerSecond,10:N0}/s  p50 {l.P50Ms:F2} ms  p99 {l.P99Ms:F2} ms  max {l.MaxMs:F1} ms  errors {l.Errors}"));

    private static (string Query, byte[] Body) Payload(WeComCrypto crypto, SimulatorOptions sim, int i)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        var xml = WeComCallbackXml.Write(
        [
            new("ToUserName", sim.CorpId), new("FromUserName", "wmBench" + (i % 5000).ToString(CultureInfo.InvariantCulture)),
            new("CreateTime", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)), new("MsgType", "text"),
            new("Content", "请问我的账户今天可以转账吗？"), new("MsgId", (8_000_000_000_000_000_000L + i).ToString(CultureInfo.InvariantCulture)),
            new("AgentID", sim.AgentId),
        ]);
        var encrypted = crypto.Encrypt(xml);
        var ts = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = (100_000 + i).ToString(CultureInfo.InvariantCulture);
        var body = WeComCallbackXml.Write([new("ToUserName", sim.CorpId), new("Encrypt", encrypted), new("AgentID", sim.AgentId)]);
        return ($"?msg_signature={crypto.Sign(ts, nonce, encrypted)}&timestamp={ts}&nonce={nonce}", Encoding.UTF8.GetBytes(body));
    }

    private static async Task<Load> LoadAsync(HttpClient http, string url, (string Query, byte[] Body)[] payloads, int concurrency, bool perRequestUrl, TailTrace? trace = null)
    {
        var latencies = new long[payloads.Length];
        var starts = trace is null ? null : new long[payloads.Length];
        var next = -1;
        var errors = 0;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < payloads.Length)
            {
                var (query, body) = payloads[i];
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/xml");
                var start = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(perRequestUrl ? url + query : url, content);
                latencies[i] = Stopwatch.GetTimestamp() - start;
                if (starts is not null) starts[i] = start;
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
            }
        }));
        total.Stop();
        if (starts is not null) trace!.Write(starts, latencies);
        Array.Sort(latencies);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return new Load(payloads.Length / total.Elapsed.TotalSeconds, Ms(latencies[latencies.Length / 2]),
            Ms(latencies[(int)(latencies.Length * 0.99)]), Ms(latencies[^1]), errors);
    }

    private static async Task<WebApplication> StartCoServeAsync(SimulatorOptions sim, string apiBase, IInboundMessageSink sink, string? dataDir)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Bench", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WeCom:ApiBaseAddress"] = apiBase,
            ["WeCom:Apps:main:CorpId"] = sim.CorpId,
            ["WeCom:Apps:main:Token"] = sim.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = sim.EncodingAesKey,
            ["WeCom:Apps:main:Secret"] = sim.Secret,
            ["WeCom:Apps:main:OpenKfId"] = sim.OpenKfId,
            ["WeCom:CallbackQueueCapacity"] = "200000",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        if (dataDir is null)
        {
            builder.Services.AddSingleton(sink);
            builder.Services.AddWeCom(builder.Configuration);
        }
        else
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = dataDir,
                ["Demo:SeedWhenEmpty"] = "false",
                ["Security:FieldProtection:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
                ["Security:FieldProtection:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
            });
            // Settings from the environment win (e.g. Database__SqliteCheckpoint__RestartPages=0 for an A/B run).
            builder.Configuration.AddEnvironmentVariables();
            builder.Services.AddCoServeCore(builder.Configuration);
            builder.Services.Replace(ServiceDescriptor.Scoped(_ => sink));
        }
        var app = builder.Build();
        if (dataDir is not null) await app.Services.GetRequiredService<StoreMigrations>().MigrateAsync(CancellationToken.None);
        app.MapWeCom();
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartBareAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Bench", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/bare", async (HttpRequest request) =>
        {
            // Reads the body like the callback endpoint does, so the comparison is the work, not the I/O.
            var local = new byte[4096];
            while (await request.Body.ReadAsync(local) > 0)
            {
            }
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }

    // ------------------------------------------------------------------ steps

    /// <summary>
    /// `wecom steps`: each step of the callback path alone on one thread, time and bytes allocated per call, with the
    /// hardened XmlReader beside the plain reader the endpoint uses (the envelope and the decrypted message).
    /// </summary>
    private static void Steps(int calls)
    {
        var sim = new SimulatorOptions();
        var crypto = new WeComCrypto(sim.Token, sim.EncodingAesKey, sim.CorpId);
        var (query, body) = Payload(crypto, sim, 1);
        var q = System.Web.HttpUtility.ParseQueryString(query);
        var (signature, timestamp, nonce) = (q["msg_signature"]!, q["timestamp"]!, q["nonce"]!);
        const int max = 1 << 20;
        var encrypted = WeComCallbackXml.ReadFields(body, max)!["Encrypt"];
        var plain = new byte[WeComCrypto.MaxDecryptedBytes(encrypted)];
        crypto.TryDecrypt(encrypted, plain, out var range);
        var message = plain[range];
        Step("envelope, XmlReader", calls, () => _ = WeComCallbackXml.ReadFields(new MemoryStream(body, writable: false), max));
        Step("envelope, plain reader", calls, () => _ = WeComCallbackXml.ReadFields(body, max));
        Step("envelope, ciphertext only", calls, () => _ = WeComCallbackXml.FindPlainField(body, max, "Encrypt"u8, out _));
        Step("signature", calls, () => _ = crypto.VerifySignature(signature, timestamp, nonce, encrypted));
        Step("decryption", calls, () => _ = crypto.TryDecrypt(encrypted, plain, out _));
        var key = WeComCrypto.DecodeAesKey(sim.EncodingAesKey)!;
        Step("(a new AES instance)", calls, () =>
        {
            using var aes = System.Security.Cryptography.Aes.Create();
            aes.Key = key;
        });
        Step("message, XmlReader", calls, () => _ = WeComCallbackXml.ReadFields(new MemoryStream(message, writable: false), max));
        Step("message, plain reader", calls, () => _ = WeComCallbackXml.ReadFields(message, max));
    }

    private static void Step(string name, int calls, Action step)
    {
        for (var i = 0; i < Math.Min(calls, 20_000); i++) step();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++) step();
        sw.Stop();
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-24} {sw.Elapsed.TotalMilliseconds * 1000 / calls,8:F2} us  {bytes / (double)calls,8:F0} bytes per call"));
    }

    // ------------------------------------------------------------------ contacts

    private static async Task ContactsAsync(int total)
    {
        const int staff = 100;
        var simOptions = new SimulatorOptions { StaffUsers = staff, ContactsPerUser = total / staff };
        await using var sim = await WeComSimulator.StartAsync(simOptions);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom:Apps:main:CorpId"] = simOptions.CorpId,
            ["WeCom:Apps:main:Token"] = simOptions.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = simOptions.EncodingAesKey,
            ["WeCom:Apps:main:Secret"] = simOptions.Secret,
        }).Build();
        await using var sp = new ServiceCollection().AddLogging().AddWeCom(config).BuildServiceProvider();
        var sync = sp.GetRequiredService<WeComContactSync>();
        var users = Enumerable.Range(1, staff).Select(SimulatorState.StaffUserId).ToList();
        var sw = Stopwatch.StartNew();
        var report = await sync.SyncAsync("main", users, CancellationToken.None);
        sw.Stop();
        var calls = sim.State.CallCount("externalcontact/batch/get_by_user");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"contact sync: {report.Contacts:N0} contacts ({report.NewContacts:N0} new) in {sw.Elapsed.TotalSeconds:F1} s, {report.Pages:N0} pages, {calls:N0} get_by_user calls "
            + $"(every call answered, no 45009 retry: {calls == report.Pages}); simulator limit {simOptions.RateLimitPerMinute:N0}/min per API"));
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Llm;
using Microsoft.Extensions.Options;

namespace CoServe.Bench.ServiceOfficer;

/// <summary>
/// What the grounded LLM mode adds on top of the model's own latency: the seed knowledge base, the held-out FAQ
/// questions (every client consented), a local OpenAI-compatible server (HttpListener) that answers after
/// <c>--model-ms</c> with a grounded reply. Prints end-to-end latency per message minus the server's own time.
/// Run: <c>dotnet run -c Release --project bench/CoServe.Bench -- llm [--messages N] [--model-ms M]</c>.
/// </summary>
internal static class LlmModeBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new BenchArgs(argv);
        var messages = args.Get("--messages", 2_000);
        var modelMs = args.Get("--model-ms", 0);
        var seedDir = ServiceOfficerSetup.DefaultSeedDirectory;
        var seed = new SeedKnowledgeSource(seedDir).Load();
        var questions = Directory.GetFiles(seedDir, "eval-faq-*.jsonl").SelectMany(f => SeedFiles.ReadLabelled(f)).Select(q => q.Text).ToArray();
        var snapshot = KnowledgeSnapshot.Build(seed, new ServiceOfficerOptions(), new DateOnly(2026, 12, 1));
        using var engine = new ServiceOfficerEngine(new ServiceOfficerOptions(), TimeProvider.System, snapshot);

        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        long serverTicks = 0;
        using var stop = new CancellationTokenSource();
        var reply = JsonSerializer.Serialize(new { status = "answer", sources = new[] { 1 }, reply = "{客户称呼}您好，请参考以下说明办理，如有疑问可致电{营业部电话}。" });
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            id = "chatcmpl-bench", @object = "chat.completion", created = 1_764_000_000, model = "bench",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = reply }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
        }));
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext ctx;
                try { ctx = await listener.GetContextAsync(); }
                catch (HttpListenerException) { break; }
                catch (ObjectDisposedException) { break; }
                var started = Stopwatch.GetTimestamp();
                using (var sink = new MemoryStream()) await ctx.Request.InputStream.CopyToAsync(sink);
                if (modelMs > 0) await Task.Delay(modelMs);
                // Counted before the reply is written: once it is, the client may already be done with this message.
                Interlocked.Add(ref serverTicks, Stopwatch.GetTimestamp() - started);
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
                ctx.Response.Close();
            }
        });

        var options = new LlmOptions { Enabled = true, Endpoint = $"http://127.0.0.1:{port}/v1", Model = "bench", TimeoutSeconds = 30, BreakerFailures = 1000 };
        var officer = new LlmServiceOfficer(engine, Options.Create(options), LlmSetup.CreateChatClient(options), TimeProvider.System);
        var client = new OfficerClientContext("C000001", "王先生", "上海浦东营业部", "021-50001234", CoServe.Features.Clients.SuitabilityLevel.C3, false, false, true,
            new Dictionary<string, string>());
        OfficerRequest Request(int i) => new(client, questions[i % questions.Length] + (i % 3 == 0 ? "，我手机13812345678" : ""), [], "bench");

        for (var i = 0; i < Math.Min(200, messages); i++) await officer.RespondAsync(Request(i), CancellationToken.None);

        var retrieval = new long[messages];
        for (var i = 0; i < messages; i++)
        {
            var t = Stopwatch.GetTimestamp();
            engine.Respond(snapshot, Request(i));
            retrieval[i] = Stopwatch.GetTimestamp() - t;
        }

        var total = new long[messages];
        var overhead = new long[messages];
        var modes = new Dictionary<string, int>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            var server = Interlocked.Read(ref serverTicks);
            var t = Stopwatch.GetTimestamp();
            var d = await officer.RespondAsync(Request(i), CancellationToken.None);
            total[i] = Stopwatch.GetTimestamp() - t;
            overhead[i] = total[i] - (Interlocked.Read(ref serverTicks) - server);
            var mode = d.Explanations.LastOrDefault(e => e.StartsWith("mode: ", StringComparison.Ordinal)) ?? "engine only";
            modes[mode] = modes.GetValueOrDefault(mode) + 1;
            if (d.Explanations.LastOrDefault(e => e.StartsWith("llm: ", StringComparison.Ordinal)) is { } why && mode != "mode: llm")
            {
                var key = why.Split(':', 4) is { Length: 4 } parts ? parts[1].Trim() + ": " + parts[2].Trim() + ": " + parts[3].Split(' ', 3)[0] : why;
                reasons[key] = reasons.GetValueOrDefault(key) + 1;
            }
        }
        wall.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await stop.CancelAsync();
        listener.Stop();
        try { await serving; } catch (HttpListenerException) { }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"seed KB {snapshot.Entries.Count} entries; {messages} held-out FAQ questions (every third with a mobile to redact), model delay {modelMs} ms, one at a time");
        Console.WriteLine("modes: " + string.Join("; ", modes.OrderByDescending(m => m.Value).Select(m => $"{m.Key} {m.Value}")));
        Console.WriteLine("why not the model: " + string.Join("; ", reasons.OrderByDescending(m => m.Value).Select(m => $"{m.Key} {m.Value}")));
        Console.WriteLine($"retrieval engine alone:           {Percentiles(retrieval)}");
        Console.WriteLine($"LLM mode end to end:              {Percentiles(total)}");
        Console.WriteLine($"LLM mode minus the server's time: {Percentiles(overhead)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall {wall.Elapsed.TotalSeconds:0.00} s, process CPU {cpu.TotalSeconds:0.00} s (includes the in-process server), {cpu.TotalMilliseconds / messages:0.000} ms CPU per message"));
        return 0;
    }

    private static string Percentiles(long[] ticks)
    {
        var sorted = ticks.Order().ToArray();
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {Ms(sorted[sorted.Length / 2]):0.000} ms, p99 {Ms(sorted[(int)(sorted.Length * 0.99)]):0.000} ms, max {Ms(sorted[^1]):0.000} ms");
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

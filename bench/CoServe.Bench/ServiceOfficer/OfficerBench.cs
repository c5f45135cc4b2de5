using System.Diagnostics;
using System.Globalization;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Evaluation;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Retrieval;

namespace CoServe.Bench.ServiceOfficer;

/// <summary>
/// The default engine in-process: messages/s and latency percentiles on one thread with a synthetic
/// 2,000-question knowledge base, a reload under load, and memory with 10,000 questions.
/// Run: <c>dotnet run -c Release --project bench/CoServe.Bench -- officer [messages]</c>; <c>--set Name=Value</c>
/// (repeatable) overrides an engine option, <c>--dev-quality</c> also scores the dev half of the FAQ eval set on the
/// 2,000-question knowledge base (never the test half).
/// </summary>
internal static class OfficerBench
{
    // Topic words put in front of copies of the seed entries so that each copy is a distinct question.
    private static readonly string[] Topics =
    [
        "沪市", "深市", "北交所", "科创板", "创业板", "港股通", "主板", "基金", "债券", "可转债", "期权", "两融", "信用账户", "普通账户",
        "个人", "机构", "老年客户", "新客户", "手机", "电脑", "柜台", "App", "网上", "周末", "节假日", "月底", "年底", "夜间", "开盘前", "收盘后",
    ];

    public static int Run(string[] args)
    {
        var messages = args.Length > 0 && char.IsAsciiDigit(args[0][0]) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
        var seedDir = ServiceOfficerSetup.DefaultSeedDirectory;
        var seed = new SeedKnowledgeSource(seedDir).Load();
        var evalItems = Directory.GetFiles(seedDir, "eval-faq-*.jsonl").SelectMany(f => SeedFiles.ReadLabelled(f)).ToList();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformationText()}, server GC {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"seed: {seed.Entries.Count} entries, {evalItems.Count} held-out questions");

        var overrides = args.Select((a, i) => (a, i)).Where(x => x.a == "--set" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
        var options = ServiceOfficerOptions.WithOverrides(overrides);
        if (new ServiceOfficerOptionsValidator().Validate(null, options) is { Failed: true } invalid) throw new ArgumentException(invalid.FailureMessage);
        if (overrides.Count > 0) Console.WriteLine($"options: {string.Join(", ", overrides)}");
        var today = new DateOnly(2026, 12, 1);
        var (set2k, queries) = Synthesize(seed, evalItems, 2_000);
        var watch = Stopwatch.StartNew();
        var snapshot = KnowledgeSnapshot.Build(set2k, options, today);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"2,000-question KB: {snapshot.Version}; built in {watch.Elapsed.TotalSeconds:0.0} s (ranker {(snapshot.Ranker.IsTrained ? "trained" : "untrained")}, entry classifier {(snapshot.Ranker.HasClassifier ? "on" : "off above " + options.MaxClassifierEntries + " entries")})"));
        using var engine = new ServiceOfficerEngine(options, TimeProvider.System, snapshot);

        if (args.Contains("--dev-quality")) DevQuality(engine, snapshot, seedDir);
        var requests = queries.Select(q => EvalRunner.Request(q.Text, q.Context)).ToArray();
        if (ArgValue(args, "--decisions") is { } decisionsPath)
        {
            WriteDecisions(engine, snapshot, requests, decisionsPath);
            Console.WriteLine($"decisions of {requests.Length} distinct messages written to {decisionsPath}");
        }
        // Warm-up: JIT, tiered compilation, per-thread scratch buffers.
        for (var i = 0; i < Math.Min(20_000, messages); i++) engine.Respond(snapshot, requests[i % requests.Length]);

        // Where the time goes, per stage (same requests, one thread).
        var texts = requests.Take(5_000).Select(r => r.Text).ToArray();
        var analyzed = texts.Select(t => snapshot.Analyzer.Analyze(t)).ToArray();
        Stage("analyze (normalise, segment, synonyms)", texts.Length, i => snapshot.Analyzer.Analyze(texts[i]));
        Stage("intent rules", texts.Length, i => snapshot.Rules.Match(analyzed[i].Normalized));
        var prepared = analyzed.Select(a => snapshot.Index.Prepare(a)).ToArray();
        Stage("BM25 prepare", texts.Length, i => snapshot.Index.Prepare(analyzed[i]));
        Stage("BM25 search (prepared)", texts.Length, i => snapshot.Index.Search(prepared[i], new Candidate[options.Candidates]));
        Stage("intent model", texts.Length, i => snapshot.Intents?.Top(analyzed[i]));
        Stage("BM25 prepare + search", texts.Length, i => snapshot.Index.Search(snapshot.Index.Prepare(analyzed[i]), new Candidate[options.Candidates]));
        Stage("BM25 + learned ranker", texts.Length, i => snapshot.Ranker.Rank(snapshot.Index, snapshot.Index.Prepare(analyzed[i]), analyzed[i], options.Candidates));
        Stage("guardrails on an answer", texts.Length, i => snapshot.Guardrails.Check(snapshot.Entries[i % snapshot.Entries.Count].Answer));

        var latencies = new long[messages];
        var kinds = new int[3];
        var byKind = new[] { new List<long>(), new List<long>(), new List<long>() };
        GC.Collect();
        var gcBefore = GC.CollectionCount(0);
        var cpuBefore = ThreadCpuNanoseconds();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        watch.Restart();
        for (var i = 0; i < messages; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var d = engine.Respond(snapshot, requests[i % requests.Length]);
            latencies[i] = Stopwatch.GetTimestamp() - start;
            var kind = d switch { OfficerAnswer => 0, OfficerClarification => 1, _ => 2 };
            kinds[kind]++;
            byKind[kind].Add(latencies[i]);
        }
        var elapsed = watch.Elapsed;
        var cpu = ThreadCpuNanoseconds() - cpuBefore;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Array.Sort(latencies);
        double Us(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one thread, {messages:N0} messages: {messages / elapsed.TotalSeconds:N0} msgs/s; p50 {Us(latencies[messages / 2]):0.0} µs, p99 {Us(latencies[(int)(messages * 0.99)]):0.0} µs, max {Us(latencies[^1]):0.0} µs; gen0 GCs {GC.CollectionCount(0) - gcBefore}, {allocated / 1024.0 / messages:0.0} KB allocated per message"));
        if (cpu > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  on-CPU time of the serving thread: {cpu / 1e9:0.00} s = {cpu / 1e3 / messages:0.0} µs per message = {messages / (cpu / 1e9):N0} msgs per CPU-second (wall {elapsed.TotalSeconds:0.00} s)"));
        }
        Console.WriteLine($"decisions: {kinds[0]} answers, {kinds[1]} clarifications, {kinds[2]} handoffs");
        foreach (var (name, list) in new[] { ("answers", byKind[0]), ("clarifications", byKind[1]), ("handoffs", byKind[2]) })
        {
            if (list.Count == 0) continue;
            list.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: p50 {Us(list[list.Count / 2]):0.0} µs, p99 {Us(list[(int)(list.Count * 0.99)]):0.0} µs"));
        }
        if (args.Contains("--throughput-only")) return 0;

        // Reload under load: a second thread swaps in a freshly built snapshot while the first keeps answering.
        var failures = 0;
        var served = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    engine.RespondAsync(requests[i++ % requests.Length], CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    served++;
                }
                catch (Exception)
                {
                    failures++;
                }
            }
        });
        watch.Restart();
        engine.Swap(KnowledgeSnapshot.Build(set2k, options, today));
        Thread.Sleep(200);
        stop.Cancel();
        load.Wait();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reload under load: new snapshot swapped after {watch.Elapsed.TotalSeconds:0.0} s; {served:N0} messages served meanwhile, {failures} failed"));

        // Memory: a 10,000-question knowledge base (entries x wordings), measured as managed heap after a full GC.
        snapshot = null!;
        engine.Swap(null!);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var (set10k, _) = Synthesize(seed, evalItems, 10_000);
        watch.Restart();
        var big = KnowledgeSnapshot.Build(set10k, options, today);
        var buildTime = watch.Elapsed;
        set10k = null!;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"10,000-question KB: {big.Version}; built in {buildTime.TotalSeconds:0.0} s; snapshot holds {(after - baseline) / 1e6:0.0} MB managed (jieba dictionary shared, {baseline / 1e6:0.0} MB before); process working set {Environment.WorkingSet / 1e6:0} MB"));
        GC.KeepAlive(big);
        return 0;
    }

    /// <summary>
    /// Copies of the seed entries, each copy's wordings prefixed with a topic word so that the copies differ, until
    /// <paramref name="questions"/> standard questions exist; queries are the held-out questions with the same prefixes.
    /// </summary>
    private static (KnowledgeSet Set, List<LabelledText> Queries) Synthesize(KnowledgeSet seed, List<LabelledText> evalItems, int questions)
    {
        var entries = new List<KnowledgeEntry>(questions);
        var queries = new List<LabelledText>();
        var copy = 0;
        while (entries.Count < questions)
        {
            var prefix = copy == 0 ? "" : Topics[(copy - 1) % Topics.Length] + (copy > Topics.Length ? ((copy - 1) / Topics.Length).ToString(CultureInfo.InvariantCulture) : "");
            foreach (var e in seed.Entries)
            {
                if (entries.Count >= questions) break;
                var id = copy == 0 ? e.Id : $"{e.Id}-{copy}";
                entries.Add(e with { Id = id, Question = prefix + e.Question, Paraphrases = e.Paraphrases.Select(p => prefix + p).ToList() });
            }
            if (copy < 8) queries.AddRange(evalItems.Select(q => q with { Text = prefix + q.Text, Label = copy == 0 ? q.Label : $"{q.Label}-{copy}" }));
            copy++;
        }
        return (seed with { Entries = entries }, queries);
    }

    /// <summary>
    /// FAQ figures of the dev half of the eval files on the 2,000-question knowledge base, each question asked with the
    /// prefixes of the first eight copies (as the throughput queries are): where the search budgets bind, unlike on the seed.
    /// </summary>
    private static void DevQuality(ServiceOfficerEngine engine, KnowledgeSnapshot snapshot, string seedDir)
    {
        var dev = Directory.GetFiles(seedDir, "eval-faq-*.jsonl").Order(StringComparer.Ordinal)
            .SelectMany(f => EvalSplits.Select(SeedFiles.ReadLabelled(f), EvalSplit.Dev)).ToList();
        var items = new List<LabelledText>();
        for (var copy = 0; copy < 8; copy++)
        {
            var prefix = copy == 0 ? "" : Topics[copy - 1];
            items.AddRange(dev.Select(q => q with { Text = prefix + q.Text, Label = copy == 0 ? q.Label : $"{q.Label}-{copy}" }));
        }
        var m = new EvalRunner(engine, snapshot).Faq(items);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dev half on the 2,000-question KB: {m.Items} questions ({dev.Count} x 8 prefixes); top-1 {m.Top1Accuracy:P1} ({m.Top1Correct}), top-3 {m.Top3Accuracy:P1}, in candidates {m.CandidateRecall:P1}; answered {m.AnswerRate:P1} ({m.Answered}), right when answering {m.AccuracyOnAnswered:P1} ({m.AnsweredCorrect}); clarified {m.Clarified}, handed off {m.HandedOff}"));
    }

    private static string? ArgValue(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>
    /// Every decision of the distinct messages in full precision (kind, entry, confidence, the ranked candidates
    /// with their retrieval evidence, the explanations), to diff two builds of the engine: a speed change must
    /// leave this file byte-identical.
    /// </summary>
    private static void WriteDecisions(ServiceOfficerEngine engine, KnowledgeSnapshot snapshot, OfficerRequest[] requests, string path)
    {
        using var w = new StreamWriter(path);
        static string R(float f) => f.ToString("R", CultureInfo.InvariantCulture);
        for (var i = 0; i < requests.Length; i++)
        {
            var d = engine.Respond(snapshot, requests[i]);
            var head = d switch
            {
                OfficerAnswer a => $"answer {a.KnowledgeEntryId} {a.Confidence.ToString("R", CultureInfo.InvariantCulture)} {a.Text}",
                OfficerClarification c => $"clarify {string.Join(",", c.OptionEntryIds)} {c.Text}",
                OfficerHandoff h => $"handoff {h.Reason} {h.HoldingMessage}",
                _ => d.GetType().Name,
            };
            w.WriteLine($"#{i} {head}");
            w.WriteLine("  " + string.Join(" | ", d.Explanations));
            var analyzed = snapshot.Analyzer.Analyze(requests[i].Text);
            if (analyzed.Normalized.Length == 0) continue;
            var u = engine.Understand(snapshot, requests[i], analyzed, []);
            w.WriteLine($"  intent {u.Intent} {u.IntentConfidence.ToString("R", CultureInfo.InvariantCulture)} followup {u.FollowUp} confidence {R(u.Match.Confidence)}");
            foreach (var r in u.Match.Ranked)
            {
                var c = r.Retrieval;
                w.WriteLine($"  {r.Entry} p={R(r.Probability)} doc={c.BestDoc} w={R(c.WordScore)} b={R(c.BigramScore)} best={R(c.Best)} second={R(c.Second)} n={c.MatchedTexts} ans={R(c.AnswerScore)} s={R(c.Score)}");
            }
        }
    }

    private static void Stage(string name, int n, Action<int> step)
    {
        for (var i = 0; i < n; i++) step(i);
        var cpu = ThreadCpuNanoseconds();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) step(i);
        var wall = watch.Elapsed.TotalMicroseconds / n;
        cpu = ThreadCpuNanoseconds() - cpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stage {name,-42} {wall,8:0.0} µs wall {(cpu > 0 ? $"{cpu / 1e3 / n,8:0.0} µs on CPU" : "")}"));
    }

    /// <summary>
    /// Time the calling thread spent on a CPU (Linux /proc/thread-self/schedstat, nanoseconds; 0 elsewhere). On a
    /// shared machine the wall clock also counts the time other processes held the core; this does not.
    /// </summary>
    private static long ThreadCpuNanoseconds()
    {
        try
        {
            var text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + " " + System.Runtime.InteropServices.RuntimeInformation.OSDescription;
}

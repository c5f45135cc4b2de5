using System.Diagnostics;
using System.Globalization;
using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Platform.Auth;
using CoServe.Platform.Storage;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CoServe.Bench.Outreach;

/// <summary>
/// The outbound gate's speed, in three layers: (1) the pure <see cref="GateRules"/> decision over prepared
/// facts; (2) what the gate computes in memory per message (text sketch, de-duplication against a week's
/// ledger, rules); (3) the full <see cref="OutboundGate"/> decision over an embedded SQLite store (per-client
/// lock, reads, decision record and ledger row, commit). Then a campaign planned for the whole book
/// (<see cref="CampaignPlanner"/>: audience plus a gate decision each), in a child process so its peak
/// memory is measured from the outside.
/// </summary>
internal static class GateBench
{
    /// <summary>10:00 in Shanghai: outside quiet hours, so deferrals come only from the data.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    private const string VariantA = "【新品发行】稳健增利3号集合资产管理计划12月1日起发售，业绩比较基准年化3.2%，起购金额10万元，产品风险等级R3，详情请咨询服务官。";
    private const string VariantB = "稳健增利3号集合资管计划将于12月1日开始发售：业绩比较基准年化3.2%，10万元起购，风险等级R3。如需了解请回复本消息。";
    private const string ParaphraseA = "稳健增利3号集合资产管理计划12月1日发售，业绩比较基准3.2%（年化），10万元起购，风险等级R3，欢迎咨询服务官。";

    private static readonly string[] Unrelated =
    [
        "【市场资讯】11月24日沪深两市成交额1.2万亿元，上证指数收涨0.8%，北向资金净流入35亿元。",
        "【投教】什么是ETF？交易型开放式指数基金可以像股票一样在交易所买卖，费率较低，适合长期定投。",
        "【服务通知】您的账户将于11月30日进行系统升级，届时暂停网上交易2小时，给您带来不便敬请谅解。",
        "【研报摘要】新能源汽车11月销量同比增长28%，渗透率首次突破50%，关注产业链上游材料环节。",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var clients = a.Get("--clients", 1_000_000);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, $"gate-{clients}");
        if (a.Has("--plan-child")) return await PlanChildAsync(dataDir, a.Get("--runs", 2));

        Console.WriteLine($"gate bench; {Environment.ProcessorCount} cores; {Load()}");
        RulesOnly(a.Get("--decisions", 1_000_000));
        InMemoryGate(a.Get("--decisions", 1_000_000) / 10);
        if (a.Has("--in-memory")) return 0;

        var marker = Path.Combine(dataDir, "populated");
        if (a.Has("--fresh") && Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        if (!File.Exists(marker))
        {
            using var host = BuildHost(dataDir);
            var sw = Stopwatch.StartNew();
            await PopulateAsync(host.Services, clients);
            Console.WriteLine($"populated {clients:N0} clients in {sw.Elapsed.TotalSeconds:0.0} s; {Load()}");
            await File.WriteAllTextAsync(marker, clients.ToString(CultureInfo.InvariantCulture));
        }

        if (!a.Has("--skip-plan"))
        {
            var bench = typeof(GateBench).Assembly.Location;
            Console.WriteLine($"planning a campaign for {clients:N0} clients in a child process; {Load()}");
            var run = await ChildProcess.RunAsync("plan", "dotnet", [bench, "gate", "--plan-child", "--clients", clients.ToString(CultureInfo.InvariantCulture), "--work", work]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"plan child: wall {run.Wall.TotalSeconds:0.00} s (host start, EF warm-up and every run), peak RSS {run.PeakMiB} MiB, CPU {run.CpuSeconds:0.0} s, exit {run.ExitCode}"));
        }

        var storeDecisions = a.Get("--store-decisions", 2_000);
        if (storeDecisions > 0) await StoreDecisionsAsync(dataDir, clients, storeDecisions);
        return 0;
    }

    // ---- 1. Pure rules -------------------------------------------------------------------------------

    private sealed record Scenario(OutboundCandidate Candidate, ClientGateFacts Facts, PreviousSend? Duplicate, CapCounts Counts);

    private static GateRules Rules() => new(new GateOptions(), 24, GroupMessageCapMode.DaysInMonthPerMonth);

    /// <summary>A mix of senders, purposes and client situations: every rule fires for some of them.</summary>
    private static Scenario[] Scenarios(int n)
    {
        var random = new Random(7);
        var purposes = new[] { OutboundPurpose.ConversationReply, OutboundPurpose.Marketing, OutboundPurpose.Research, OutboundPurpose.ServiceNotice };
        var senders = new[] { OutboundSender.Officer, OutboundSender.Staff, OutboundSender.Campaign, OutboundSender.System };
        var similarity = new TextSimilarity(true, 1, 1, true);
        var today = BusinessTime.DateOf(Now);
        var result = new Scenario[n];
        for (var i = 0; i < n; i++)
        {
            var sender = senders[random.Next(senders.Length)];
            var purpose = purposes[random.Next(purposes.Length)];
            var risk = random.Next(3) == 0 ? "R" + random.Next(1, 6).ToString(CultureInfo.InvariantCulture) : null;
            var candidate = new OutboundCandidate(i, random.Next(5) == 0 ? OutreachChannels.WeComGroup : OutreachChannels.WebChat, sender,
                sender == OutboundSender.Staff ? 7 : null, purpose, VariantA, risk, random.Next(20) == 0)
            { Personalised = random.Next(4) == 0, Title = "稳健增利3号" };
            var facts = new ClientGateFacts(
                random.Next(200) != 0,
                (SuitabilityLevel)random.Next(1, 6),
                random.Next(10) == 0 ? today.AddMonths(-30) : today.AddMonths(-random.Next(1, 20)),
                random.Next(100) == 0,
                random.Next(10) != 0,
                random.Next(20) != 0,
                random.Next(3) switch { 0 => null, 1 => true, _ => false },
                random.Next(50) == 0 ? OptOutPurposes.Marketing : OptOutPurposes.None,
                random.Next(100) == 0,
                random.Next(35));
            var duplicate = random.Next(10) == 0 ? new PreviousSend(OutboundSender.Officer, null, Now.AddDays(-2), "稳健增利3号", similarity) : null;
            var counts = new CapCounts(random.Next(2), random.Next(4), random.Next(9));
            result[i] = new Scenario(candidate, facts, duplicate, counts);
        }
        return result;
    }

    private static void RulesOnly(int decisions)
    {
        var rules = Rules();
        var scenarios = Scenarios(4096);
        var mask = scenarios.Length - 1;
        for (var i = 0; i < 200_000; i++)
        {
            var s = scenarios[i & mask];
            rules.Decide(s.Candidate, s.Facts, s.Duplicate, s.Counts, Now);
        }

        // Throughput without the timer in the loop.
        var verdicts = new int[5];
        var gen0 = GC.CollectionCount(0);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < decisions; i++)
        {
            var s = scenarios[i & mask];
            verdicts[(int)rules.Decide(s.Candidate, s.Facts, s.Duplicate, s.Counts, Now).Verdict]++;
        }
        sw.Stop();
        var perDecisionBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)decisions;
        var collections = GC.CollectionCount(0) - gen0;

        // Latency of each decision on its own.
        var times = new long[decisions];
        for (var i = 0; i < decisions; i++)
        {
            var s = scenarios[i & mask];
            var t0 = Stopwatch.GetTimestamp();
            rules.Decide(s.Candidate, s.Facts, s.Duplicate, s.Counts, Now);
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(1) GateRules.Decide over prepared facts: {decisions:N0} decisions, {decisions / sw.Elapsed.TotalSeconds / 1e6:0.00} M/s, {perDecisionBytes:0} B allocated per decision, {collections} gen0 GCs; " +
            $"allow {verdicts[1]:N0}, defer {verdicts[2]:N0}, block {verdicts[3]:N0}, warn {verdicts[4]:N0}"));
        Console.WriteLine("    " + Latency(times));
    }

    // ---- 2. In memory: sketch + de-duplication + rules ----------------------------------------------

    private static void InMemoryGate(int decisions)
    {
        var rules = Rules();
        var scenarios = Scenarios(1024);
        var texts = new[] { VariantA, VariantB, ParaphraseA }.Concat(Unrelated).ToArray();
        // Every (scenario, text) pair prepared up front, so the loop times the gate and not the bench's copies.
        var candidates = Enumerable.Range(0, scenarios.Length * texts.Length)
            .Select(i => (Scenario: scenarios[i % scenarios.Length], Candidate: scenarios[i % scenarios.Length].Candidate with { Text = texts[i % texts.Length] }))
            .ToArray();
        // A client's week: 20 earlier messages, one of them the paraphrase.
        var ledger = Enumerable.Range(0, 20).Select(i =>
        {
            var text = i == 13 ? ParaphraseA : Unrelated[i % Unrelated.Length] + i.ToString(CultureInfo.InvariantCulture);
            var sk = TextSketch.Of(text);
            return new RecentSend(OutboundSender.Officer, null, Now.AddHours(-i * 7), "t", sk.Fingerprint, sk.NumbersHash, sk.Shingles, sk.SketchBytes);
        }).ToList();
        PreviousSend? Decide(int i)
        {
            var (s, candidate) = candidates[i % candidates.Length];
            var sketch = TextSketch.Of(candidate.Text);
            var duplicate = rules.DeduplicationApplies(candidate, sketch) ? rules.FindDuplicate(sketch, ledger, Now) : null;
            rules.Decide(candidate, s.Facts, duplicate, s.Counts, Now);
            return duplicate;
        }
        // Warm-up in two rounds with pauses: on a busy machine the background JIT needs time to install the
        // optimised code, and a count alone would time part of the run at tier 0.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 50_000; i++) Decide(i);
            Thread.Sleep(500);
        }

        var times = new long[decisions];
        var duplicates = 0;
        var gen0 = GC.CollectionCount(0);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < decisions; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (Decide(i) is not null) duplicates++;
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        sw.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var perDecisionBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)decisions;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(2) in memory, TextSketch.Of + FindDuplicate over a 20-message week + Decide: {decisions:N0} decisions ({duplicates:N0} duplicates found), {decisions / sw.Elapsed.TotalSeconds:N0}/s, " +
            $"{perDecisionBytes:0} B allocated per decision, {GC.CollectionCount(0) - gen0} gen0 GCs, {cpuSeconds:0.00} CPU-s in {sw.Elapsed.TotalSeconds:0.00} s; {Load()}"));
        Console.WriteLine("    " + Latency(times));

        // Its two parts on their own: the sketch of a new text, and the search of the week.
        for (var i = 0; i < decisions; i++)
        {
            var text = texts[i % texts.Length];
            var t0 = Stopwatch.GetTimestamp();
            TextSketch.Of(text);
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        Console.WriteLine("    (2a) TextSketch.Of alone: " + Latency(times));
        var sketches = texts.Select(TextSketch.Of).ToArray();
        for (var i = 0; i < decisions; i++)
        {
            var sketch = sketches[i % sketches.Length];
            var t0 = Stopwatch.GetTimestamp();
            rules.FindDuplicate(sketch, ledger, Now);
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        Console.WriteLine("    (2b) FindDuplicate over the week alone: " + Latency(times));
    }

    // ---- 3. The full gate over the store ------------------------------------------------------------

    private static async Task StoreDecisionsAsync(string dataDir, int clients, int decisions)
    {
        using var host = BuildHost(dataDir);
        var random = new Random(11);
        var ids = await IdsAsync(host.Services);
        async Task<GateVerdict> OneAsync(int i)
        {
            // One scope per decision, as one request or one campaign step has; the caller saves the send.
            await using var scope = host.Services.CreateAsyncScope();
            var gate = scope.ServiceProvider.GetRequiredService<OutboundGate>();
            var text = Unrelated[i % Unrelated.Length] + "（第" + i.ToString(CultureInfo.InvariantCulture) + "期）";
            var candidate = new OutboundCandidate(ids[random.Next(ids.Length)], OutreachChannels.WebChat, i % 3 == 0 ? OutboundSender.Staff : OutboundSender.System,
                i % 3 == 0 ? 1 : null, i % 3 == 0 ? OutboundPurpose.ConversationReply : OutboundPurpose.ServiceNotice, text, null, false) { Title = "bench" };
            var result = await gate.DecideAsync(candidate, CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<CoServeDb>().SaveChangesAsync();
            return result.Outcome.Verdict;
        }
        for (var i = 0; i < 200; i++) await OneAsync(i);
        var times = new long[decisions];
        var verdicts = new int[5];
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < decisions; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            verdicts[(int)await OneAsync(i)]++;
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        sw.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(3) OutboundGate.DecideAsync on SQLite ({clients:N0} clients; lock, reads, decision record, ledger row, commit; one DI scope each): {decisions:N0} decisions, {decisions / sw.Elapsed.TotalSeconds:N0}/s; allow {verdicts[1]:N0}, block {verdicts[3]:N0}, warn {verdicts[4]:N0}; {Load()}"));
        Console.WriteLine("    " + Latency(times));

        // The same decisions inside a caller's transaction that is rolled back: lock, reads and writes, no commit (no fsync).
        async Task UncommittedAsync(int i)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var text = Unrelated[i % Unrelated.Length] + "（第" + i.ToString(CultureInfo.InvariantCulture) + "期）";
            await scope.ServiceProvider.GetRequiredService<OutboundGate>().DecideAsync(
                new OutboundCandidate(ids[random.Next(ids.Length)], OutreachChannels.WebChat, OutboundSender.System, null, OutboundPurpose.ServiceNotice, text, null, false), CancellationToken.None);
            await tx.RollbackAsync();
        }
        for (var i = 0; i < 200; i++) await UncommittedAsync(i);
        for (var i = 0; i < decisions; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await UncommittedAsync(i);
            times[i] = Stopwatch.GetTimestamp() - t0;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(3b) the same in a caller's transaction, rolled back (store reads and writes without the commit): {decisions:N0} decisions; {Load()}"));
        Console.WriteLine("    " + Latency(times));
    }

    // ---- 4. Planning a campaign for the whole book -------------------------------------------------

    private static async Task<int> PlanChildAsync(string dataDir, int runs)
    {
        using var host = BuildHost(dataDir);
        var now = Now;
        CurrentStaff admin;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            admin = CurrentStaff.From(await db.Staff.AsNoTracking().SingleAsync(s => s.Login == "admin"));
        }
        var (a, b) = Contents();
        async Task<(CampaignPlan Plan, double Seconds)> PlanAsync(AudienceFilter filter)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var planner = scope.ServiceProvider.GetRequiredService<CampaignPlanner>();
            IReadOnlyList<PlannedVariant> variants =
            [
                PlannedVariant.Of(1, "A", 50, a, OutreachChannels.WebChat, OutboundPurpose.Marketing, false, filter.IsPersonalised),
                PlannedVariant.Of(1, "B", 50, b, OutreachChannels.WebChat, OutboundPurpose.Marketing, false, filter.IsPersonalised),
            ];
            var sw = Stopwatch.StartNew();
            var plan = await planner.PlanAsync(admin, filter, variants, CancellationToken.None);
            return (plan, sw.Elapsed.TotalSeconds);
        }

        // Warm-up: EF compiles the planner's queries on an audience that matches nobody.
        await PlanAsync(new AudienceFilter { BranchIds = [-1] });
        for (var r = 1; r <= runs; r++)
        {
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (plan, seconds) = await PlanAsync(new AudienceFilter());
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var allocatedMiB = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / 1024.0;
            var summary = plan.Summarise();
            var heapMiB = GC.GetGCMemoryInfo().HeapSizeBytes / 1024.0 / 1024.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"(4) plan run {r}: {plan.Count:N0} clients in {seconds:0.00} s ({cpuSeconds:0.0} CPU s), {allocatedMiB:N0} MiB allocated, managed heap after {heapMiB:N0} MiB; " +
                $"would send {summary.WouldSend:N0}, defer {summary.Deferred:N0}, block {summary.Blocked:N0}; {Load()}"));
            Console.WriteLine("    held back by: " + string.Join(", ", summary.HeldBackBy.Select(h => $"{h.Rule} {h.Clients:N0}")));
            GC.KeepAlive(plan);
        }
        return 0;
    }

    /// <summary>The campaign's two variants: a product launch (R3) and its rewording.</summary>
    private static (ContentVersion A, ContentVersion B) Contents()
    {
        var item = new ContentItem(ContentKind.ProductLaunch, 1, Now);
        var today = BusinessTime.DateOf(Now);
        ContentVersion Version(string body) =>
            new(item, 1, new ContentDraft("稳健增利3号", body, ProductRisk.R3, ["bench"], today.AddDays(-1), today.AddDays(30), null, null, false), 1, Now);
        return (Version(VariantA), Version(VariantB));
    }

    // ---- Store -------------------------------------------------------------------------------------

    private static async Task<long[]> IdsAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CoServeDb>().Clients.AsNoTracking().Select(c => c.Id).ToArrayAsync();
    }

    /// <summary>
    /// A book of N clients with what the planner reads: suitability (10% expired, 1% professional), consents
    /// (85% marketing granted, 5% refused, service notices for all), opt-outs (1%), marketing cap counters for
    /// the current day/week/month (10%), and a week of sends (3% got variant A already, 2% a paraphrase, 30%
    /// something unrelated). Personal fields are left empty: the planner never reads them.
    /// </summary>
    private static async Task PopulateAsync(IServiceProvider services, int clients)
    {
        var ct = CancellationToken.None;
        await services.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);
        var branches = Enumerable.Range(1, 10).Select(b => new Branch($"G{b:D2}", $"第{b}营业部", "95500")).ToList();
        db.Branches.AddRange(branches);
        await db.SaveChangesAsync(ct);
        db.Staff.Add(new StaffMember("admin", "管理员", StaffRole.Admin, null));
        await db.SaveChangesAsync(ct);
        var today = BusinessTime.DateOf(Now);
        var random = new Random(3);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "Clients",
            ["ClientNo", "BranchId", "SuitabilityLevel", "SuitabilityAssessedOn", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            var values = new object?[9];
            for (var i = 1; i <= clients; i++)
            {
                values[0] = "G" + i.ToString("D8", CultureInfo.InvariantCulture);
                values[1] = branches[i % branches.Count].Id;
                values[2] = "C" + (1 + (i % 5)).ToString(CultureInfo.InvariantCulture);
                values[3] = (i % 10 == 0 ? today.AddMonths(-30) : today.AddDays(-(i % 600))).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                values[4] = false;
                values[5] = i % 100 == 0;
                values[6] = Now;
                values[7] = Now;
                values[8] = 0;
                await writer.AddAsync(values, ct);
            }
            await writer.CompleteAsync(ct);
        }
        var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToArrayAsync(ct);

        await using (var writer = await BulkWriter.StartAsync(db, "ClientConsents", ["ClientId", "Purpose", "Granted", "Source", "ChangedAt"], null, ct))
        {
            var values = new object?[5];
            foreach (var id in ids)
            {
                values[0] = id;
                values[1] = nameof(ConsentPurpose.ServiceMessages);
                values[2] = true;
                values[3] = "bench";
                values[4] = Now.AddDays(-400);
                await writer.AddAsync(values, ct);
                var roll = random.Next(100);
                if (roll < 90)
                {
                    values[1] = nameof(ConsentPurpose.Marketing);
                    values[2] = roll < 85;
                    await writer.AddAsync(values, ct);
                }
            }
            await writer.CompleteAsync(ct);
        }

        await using (var writer = await BulkWriter.StartAsync(db, "OutreachOptOuts", ["ClientId", "Channel", "Purposes", "Source", "ChangedAt"], null, ct))
        {
            var values = new object?[5];
            foreach (var id in ids.Where(id => id % 100 == 7))
            {
                values[0] = id;
                values[1] = id % 200 == 7 ? OutreachChannels.AllChannels : OutreachChannels.WebChat;
                values[2] = (int)OptOutPurposes.Marketing;
                values[3] = "bench";
                values[4] = Now.AddDays(-30);
                await writer.AddAsync(values, ct);
            }
            await writer.CompleteAsync(ct);
        }

        await using (var writer = await BulkWriter.StartAsync(db, "GateCounters", ["ClientId", "Category", "Period", "PeriodStart", "Count"], null, ct))
        {
            var values = new object?[5];
            foreach (var id in ids.Where(id => id % 10 == 3))
            {
                var day = (int)(id % 20 == 3 ? 1 : 0);
                foreach (var (period, count) in new[] { (CapPeriod.Day, day), (CapPeriod.Week, day + 1), (CapPeriod.Month, day + 2) })
                {
                    values[0] = id;
                    values[1] = (short)OutboundCategory.Marketing;
                    values[2] = (short)period;
                    values[3] = GateCounters.PeriodStart(period, today);
                    values[4] = count;
                    await writer.AddAsync(values, ct);
                }
            }
            await writer.CompleteAsync(ct);
        }

        // What 3% already received is exactly variant A's message; 2% got a paraphrase of it.
        var sketches = new[] { Contents().A.MessageText(), ParaphraseA }.Concat(Unrelated).Select(TextSketch.Of).ToArray();
        await using (var writer = await BulkWriter.StartAsync(db, "OutboundSends",
            ["ClientId", "At", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "NumbersHash", "Shingles", "Sketch", "ContentVersionId", "CampaignId", "Title", "Warned"], null, ct))
        {
            var values = new object?[14];
            foreach (var id in ids)
            {
                var roll = random.Next(100);
                var which = roll < 3 ? 0 : roll < 5 ? 1 : roll < 35 ? 2 + random.Next(Unrelated.Length) : -1;
                if (which < 0) continue;
                var s = sketches[which];
                values[0] = id;
                values[1] = Now.AddHours(-random.Next(1, 24 * 10));
                values[2] = OutreachChannels.WebChat;
                values[3] = (short)(which == 0 ? OutboundSender.Campaign : OutboundSender.Officer);
                values[4] = null;
                values[5] = (short)(which == 0 ? OutboundPurpose.Marketing : OutboundPurpose.ConversationReply);
                values[6] = s.Fingerprint;
                values[7] = s.NumbersHash;
                values[8] = s.Shingles;
                values[9] = s.SketchBytes;
                values[10] = null;
                values[11] = null;
                values[12] = which == 0 ? "稳健增利3号" : null;
                values[13] = false;
                await writer.AddAsync(values, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
    }

    private static IHost BuildHost(string dataDir) =>
        BenchHost.Build(dataDir, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FixedClock(Now))));

    private static string Latency(long[] ticks)
    {
        Array.Sort(ticks);
        double Us(double p) => ticks[Math.Min(ticks.Length - 1, (int)Math.Ceiling(p * ticks.Length) - 1)] * 1e6 / Stopwatch.Frequency;
        var mean = ticks.Average() * 1e6 / Stopwatch.Frequency;
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {Us(0.50):0.00} µs, p99 {Us(0.99):0.00} µs, p99.9 {Us(0.999):0.00} µs, max {ticks[^1] * 1e6 / Stopwatch.Frequency:0.0} µs, mean {mean:0.00} µs");
    }

    private static string Load() => MonthClose.MonthCloseBench.Load();

    /// <summary>The bench's fixed "now" (10:00 in Shanghai), so quiet hours and periods do not depend on when it runs.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

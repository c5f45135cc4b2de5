using System.Diagnostics;
using System.Globalization;
using System.Net;
using CoServe.Bench.Core;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Platform.Auth;
using CoServe.Platform.Storage;
using CoServe.Platform.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CoServe.Bench.Outreach;

/// <summary>
/// A campaign executed end to end: the real <see cref="CampaignWorker"/> (throttle, recipients claimed, decided by
/// the gate and written with their Push events and outbox rows in batches) and the real <see cref="OutboxDispatcher"/> delivering
/// over HTTP to a loopback channel in a child process that accepts a known rate (a token bucket; 429 with
/// Retry-After above it). Reports the rate achieved against the throttle, CoServe's CPU per message, and which
/// of the two was the bound. The loopback channel stands in for the web chat channel, which delivers in process.
/// </summary>
internal static class CampaignBench
{
    private const string Invitation = "本周六下午2点在北区营业部举办投资者交流会，主题为ETF资产配置，欢迎您报名参加。";

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var recipients = a.Get("--recipients", 100_000);
        var throttle = a.Get("--throttle", 60_000);
        var channelRate = a.Get("--channel-rate", Math.Max(1, throttle / 60));
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, "campaign-" + Guid.NewGuid().ToString("N")[..8]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"campaign bench: {recipients:N0} recipients, campaign throttle {throttle:N0}/min ({throttle / 60.0:0.#}/s), loopback channel {channelRate:N0}/s; {Environment.ProcessorCount} cores; {CoreBench.Load()}"));

        var port = AppProcess.FreePort();
        await using var channel = await AppProcess.StartAsync(typeof(CampaignBench).Assembly.Location,
            ["campaign-channel", "--port", port.ToString(CultureInfo.InvariantCulture), "--rate", channelRate.ToString(CultureInfo.InvariantCulture)],
            port, "/health", TimeSpan.FromSeconds(60));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = channel.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var settings = new Dictionary<string, string?>
        {
            [$"{StorageOptions.Section}:DataDirectory"] = dataDir,
            // The campaign's own throttle is the subject; quiet hours would make the run depend on the time of day.
            ["Outreach:Gate:QuietHours:Enabled"] = "false",
            ["Outreach:Campaigns:PollSeconds"] = "1",
        };
        using var host = BenchHost.Build(settings, s =>
        {
            s.RemoveAll<IOutboundChannel>();
            s.AddSingleton<IOutboundChannel>(new LoopbackChannel(http));
            s.AddSingleton<OutboxDispatcher>();
            s.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
            s.AddOutreachWorkers();
        });
        try
        {
            var sw = Stopwatch.StartNew();
            var (admin, compliance) = await PopulateAsync(host.Services, recipients);
            Console.WriteLine($"store: {recipients:N0} clients with marketing consent in {sw.Elapsed.TotalSeconds:0.0} s; {CoreBench.Load()}");
            var campaignId = await CreateCampaignAsync(host.Services, admin, compliance, throttle);

            await host.StartAsync();
            var load0 = CoreBench.Load();
            var cpu0 = OwnCpu();
            var channelCpu0 = channel.CpuSeconds();
            sw.Restart();
            await using (var scope = host.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<Campaigns>().ScheduleAsync(admin, campaignId, null, CancellationToken.None);
            }
            var progress = await WatchAsync(host.Services, campaignId, http, sw);
            var wall = sw.Elapsed.TotalSeconds;
            var cpu = OwnCpu() - cpu0;
            var channelCpu = channel.CpuSeconds() - channelCpu0;
            var end = OwnCpu();
            await host.StopAsync();

            var stats = await StatsAsync(http);
            var sendSeconds = progress.SteadySeconds;
            var achieved = progress.SteadyDelivered / Math.Max(0.001, sendSeconds);
            var target = Math.Min(throttle / 60.0, channelRate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"a tenth delivered after {progress.SteadyFrom:0.0} s; {progress.Sent:N0} sent, {progress.HeldBack:N0} held back by the gate; {stats.Delivered:N0} delivered to the channel ({stats.Refused:N0} refused by its rate limit)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wall {wall:0.0} s from schedule to the last delivery; steady state (after the first tenth) {progress.SteadyDelivered:N0} delivered in {sendSeconds:0.0} s = {achieved:0.0}/s against a throttle of {target:0.0}/s ({achieved / target:P0})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"CoServe CPU {cpu:0.0} s ({cpu / wall:P0} of one core; {cpu * 1000 / Math.Max(1, progress.Sent):0.00} ms per message sent), loopback channel CPU {channelCpu:0.0} s; load {load0} -> {CoreBench.Load()}"));
            // Stages: until the campaign completes the executor runs (the dispatcher delivering alongside); after
            // that only the dispatcher drains the outbox, which gives its own CPU per delivery.
            var e = progress.Executed;
            var tailDelivered = Math.Max(1, progress.Sent - e.Delivered);
            var dispatchPerMessage = (end - e.Cpu) / tailDelivered;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stages: executor done after {e.At:0.0} s ({progress.Sent / e.At:0.0} recipients/s from schedule, {e.Delivered:N0} delivered by then, CPU {e.Cpu - cpu0:0.0} s); dispatcher alone afterwards {tailDelivered:N0} in {wall - e.At:0.0} s, {dispatchPerMessage * 1000:0.00} CPU-ms per delivery; executor about {(e.Cpu - cpu0 - (dispatchPerMessage * e.Delivered)) * 1000 / Math.Max(1, progress.Sent):0.00} CPU-ms per recipient"));
            // Below 95% of the throttle with refusals from the channel means pacing (bursts above its limit and
            // their retries); without refusals, CoServe did not produce messages fast enough.
            Console.WriteLine(achieved >= target * 0.95 ? "bound: the throttle (CoServe kept up)"
                : stats.Refused > 0 ? string.Create(CultureInfo.InvariantCulture, $"bound: pacing, {achieved:0.0}/s of {target:0.0}/s with {stats.Refused:N0} refusals retried")
                : string.Create(CultureInfo.InvariantCulture, $"bound: CoServe, {achieved:0.0}/s of {target:0.0}/s"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    private sealed record Progress(double SteadyFrom, int Sent, int HeldBack, int SteadyDelivered, double SteadySeconds, Stage Executed);

    /// <summary>When the executor finished (the campaign completed): what was delivered by then and this process's CPU.</summary>
    private sealed record Stage(double At, int Delivered, double Cpu);

    /// <summary>Polls the store until every recipient is final and every outbox row delivered; prints a line every 10 s.</summary>
    private static async Task<Progress> WatchAsync(IServiceProvider services, long campaignId, HttpClient http, Stopwatch sw)
    {
        double? steadyFrom = null;
        var deliveredAtSteady = 0;
        Stage? executed = null;
        var lastPrint = 0.0;
        while (true)
        {
            await Task.Delay(500);
            await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync();
            var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId);
            var stats = await StatsAsync(http);
            // The steady state starts once a tenth is delivered: the first seconds are JIT and cold caches.
            if (steadyFrom is null && campaign.PlannedAt is not null && stats.Delivered >= campaign.Recipients / 10)
            {
                steadyFrom = sw.Elapsed.TotalSeconds;
                deliveredAtSteady = stats.Delivered;
            }
            var pending = await db.Outbox.CountAsync(o => o.Status == OutboxStatus.Pending);
            if (executed is null && campaign.Status == CampaignStatus.Completed) executed = new Stage(sw.Elapsed.TotalSeconds, stats.Delivered, OwnCpu());
            if (sw.Elapsed.TotalSeconds - lastPrint >= 10)
            {
                lastPrint = sw.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {lastPrint,6:0} s: {campaign.Status}, {stats.Delivered:N0} delivered, outbox pending {pending:N0}; {CoreBench.Load()}"));
            }
            if (campaign.Status == CampaignStatus.Completed && pending == 0)
            {
                var byStatus = await db.CampaignRecipients.AsNoTracking().Where(r => r.CampaignId == campaignId)
                    .GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
                var sent = byStatus.Where(s => s.Key == RecipientStatus.Sent).Sum(s => s.Count);
                var from = steadyFrom ?? 0;
                return new Progress(from, sent, byStatus.Sum(s => s.Count) - sent, stats.Delivered - deliveredAtSteady, sw.Elapsed.TotalSeconds - from, executed!);
            }
        }
    }

    private sealed record ChannelStats(int Delivered, int Refused);

    private static async Task<ChannelStats> StatsAsync(HttpClient http)
    {
        var parts = (await http.GetStringAsync(new Uri("/stats", UriKind.Relative))).Split(' ');
        return new ChannelStats(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static double OwnCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static async Task<(CurrentStaff Admin, CurrentStaff Compliance)> PopulateAsync(IServiceProvider services, int clients)
    {
        var ct = CancellationToken.None;
        await services.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
        await using var db = await services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContextAsync(ct);
        var branch = new Branch("G01", "第1营业部", "95500");
        db.Branches.Add(branch);
        var admin = new StaffMember("admin", "管理员", StaffRole.Admin, null);
        var compliance = new StaffMember("compliance", "合规", StaffRole.Compliance, null);
        db.Staff.AddRange(admin, compliance);
        await db.SaveChangesAsync(ct);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var assessed = BusinessTime.DateOf(now).AddMonths(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "Clients",
            ["ClientNo", "BranchId", "SuitabilityLevel", "SuitabilityAssessedOn", "IsIncomplete", "IsProfessionalInvestor", "CreatedAt", "UpdatedAt", "Version"], null, ct))
        {
            for (var i = 1; i <= clients; i++)
            {
                await writer.AddAsync(["G" + i.ToString("D8", CultureInfo.InvariantCulture), branch.Id, "C3", assessed, false, false, now, now, 0], ct);
            }
            await writer.CompleteAsync(ct);
        }
        var ids = await db.Clients.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToArrayAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "ClientConsents", ["ClientId", "Purpose", "Granted", "Source", "ChangedAt"], null, ct))
        {
            foreach (var id in ids)
            {
                await writer.AddAsync([id, nameof(ConsentPurpose.ServiceMessages), true, "bench", now.AddDays(-30)], ct);
                await writer.AddAsync([id, nameof(ConsentPurpose.Marketing), true, "bench", now.AddDays(-30)], ct);
            }
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        return (CurrentStaff.From(admin), CurrentStaff.From(compliance));
    }

    /// <summary>An event invitation written and approved through the content library, to the whole book over the web chat.</summary>
    private static async Task<long> CreateCampaignAsync(IServiceProvider services, CurrentStaff admin, CurrentStaff compliance, int throttle)
    {
        var ct = CancellationToken.None;
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var library = sp.GetRequiredService<ContentLibrary>();
        var today = BusinessTime.DateOf(sp.GetRequiredService<TimeProvider>().GetUtcNow());
        var draft = new ContentDraft("投资者交流会", Invitation, null, ["bench"], today.AddDays(-1), today.AddDays(30), null, null, false);
        var version = await library.CreateAsync(admin, ContentKind.EventInvitation, draft, ct);
        await library.ApproveAsync(compliance, version.Id, "bench", ct);
        return await sp.GetRequiredService<Campaigns>().CreateAsync(admin,
            new CampaignInput("bench campaign", WebChatChannel.Name, [new VariantInput("A", version.Id, 100)], null, new AudienceFilter(), throttle), ct);
    }

    /// <summary>Delivers over HTTP to the loopback channel: 200 delivered, 429 try again after its Retry-After.</summary>
    private sealed class LoopbackChannel(HttpClient http) : IOutboundChannel
    {
        public string Channel => WebChatChannel.Name;

        public async Task<DeliveryResult> DeliverAsync(OutboundMessage message, CancellationToken ct)
        {
            using var content = new StringContent(message.IdempotencyKey);
            using var response = await http.PostAsync(new Uri("/deliver", UriKind.Relative), content, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return new DeliveryResult(DeliveryStatus.Throttled, null, "rate limited", response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            }
            response.EnsureSuccessStatusCode();
            return new DeliveryResult(DeliveryStatus.Delivered, message.IdempotencyKey, null, null);
        }
    }

    /// <summary>
    /// (child process) The loopback channel: accepts deliveries at <c>--rate</c> per second (a token bucket
    /// holding one second's worth), refuses the rest with 429, counts distinct keys delivered.
    /// </summary>
    public static async Task<int> ChannelAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var port = a.Get("--port", 0);
        var rate = (double)a.Get("--rate", 1000);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Bench", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var gate = new Lock();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var refused = 0;
        var tokens = rate;
        var at = Stopwatch.GetTimestamp();
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/stats", () =>
        {
            lock (gate) return Results.Text(string.Create(CultureInfo.InvariantCulture, $"{keys.Count} {refused}"));
        });
        app.MapPost("/deliver", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var key = await reader.ReadToEndAsync();
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                tokens = Math.Min(rate, tokens + (Stopwatch.GetElapsedTime(at, now).TotalSeconds * rate));
                at = now;
                if (tokens < 1)
                {
                    refused++;
                    request.HttpContext.Response.Headers.RetryAfter = "1";
                    return Results.StatusCode(StatusCodes.Status429TooManyRequests);
                }
                tokens--;
                keys.Add(key);
            }
            return Results.Ok();
        });
        await app.RunAsync();
        return 0;
    }
}

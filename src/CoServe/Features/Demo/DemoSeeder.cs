using System.Diagnostics;
using System.Globalization;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Demo;

public sealed record DemoSeedReport(int Branches, int Staff, int Clients, int AssetMonths, IReadOnlyList<string> SegmentedMonths, TimeSpan Elapsed);

/// <summary>
/// Fills an empty store with a synthetic brokerage: three branches, thirty staff, clients with Chinese names,
/// daily assets that put about 80% of clients below the tier line, and servicing as it looks after the move
/// to the service officer (with some clients still waiting for their transfer).
/// </summary>
public sealed partial class DemoSeeder(
    IDbContextFactory<CoServeDb> dbFactory,
    FieldProtector protector,
    IPasswordHasher<StaffMember> hasher,
    SegmentMonth segmentMonth,
    IOptions<DemoOptions> options,
    IOptions<AssetsOptions> assetOptions,
    StaffDirectory directory,
    TimeProvider clock,
    ILogger<DemoSeeder> logger)
{
    private static readonly (string Code, string Name, string Hotline, string Key)[] DemoBranches =
    [
        ("BJ01", "北京金融街营业部", "400-000-0001", "bj"),
        ("SH01", "上海陆家嘴营业部", "400-000-0002", "sh"),
        ("SZ01", "深圳福田营业部", "400-000-0003", "sz"),
    ];

    public async Task<bool> IsStoreEmptyAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return !await db.Staff.AnyAsync(ct) && !await db.Clients.AnyAsync(ct);
    }

    public async Task<DemoSeedReport> SeedAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        if (!await IsStoreEmptyAsync(ct)) throw new InvalidOperationException("the store already has staff or clients; demo data goes only into an empty store");
        var o = options.Value;
        var random = new Random(o.RandomSeed);
        var people = new SyntheticPeople(random);
        var now = clock.GetUtcNow();
        var today = BusinessTime.Today(clock);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        var branches = DemoBranches.Select(b => new Branch(b.Code, b.Name, b.Hotline)).ToList();
        db.Branches.AddRange(branches);
        await db.SaveChangesAsync(ct);

        var staff = new List<StaffMember>();
        StaffMember Add(string login, StaffRole role, int? branchId, int? capacity = null)
        {
            var s = new StaffMember(login, people.Name(), role, branchId, login.Replace('.', '_')) { ClientCapacity = capacity };
            s.SetPasswordHash(hasher.HashPassword(s, o.Password));
            staff.Add(s);
            return s;
        }
        Add("admin", StaffRole.Admin, null);
        Add("compliance", StaffRole.Compliance, null);
        for (var i = 1; i <= 4; i++) Add($"ops{i}", StaffRole.DigitalOps, null);
        foreach (var (b, (_, _, _, key)) in branches.Zip(DemoBranches))
        {
            Add($"head.{key}", StaffRole.BranchHead, b.Id);
            Add($"adv.{key}", StaffRole.Advisor, b.Id);
            for (var i = 1; i <= 6; i++) Add($"cm.{key}{i}", StaffRole.ClientManager, b.Id, capacity: 600);
        }
        db.Staff.AddRange(staff);
        await db.SaveChangesAsync(ct);
        directory.Invalidate();

        var managersByBranch = staff.Where(s => s.Role == StaffRole.ClientManager).GroupBy(s => s.BranchId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var advisorByBranch = staff.Where(s => s.Role == StaffRole.Advisor).ToDictionary(s => s.BranchId!.Value);

        // Asset levels: log-normal with median 150,000 and sigma 1.43 puts ~80% below 500,000.
        var threshold = (double)assetOptions.Value.TierThreshold;
        var clients = new List<(Client Client, double Level, double Drift)>(o.Clients);
        for (var i = 0; i < o.Clients; i++)
        {
            var branch = branches[i % branches.Count];
            var managers = managersByBranch[branch.Id];
            var manager = managers[random.Next(managers.Count)];
            var c = new Client((3_100_000_001L + i).ToString(CultureInfo.InvariantCulture), now);
            c.SetName(protector, people.Name());
            c.SetMobile(protector, people.Mobile());
            c.SetIdNumber(protector, people.ResidentId());
            c.BranchId = branch.Id;
            c.DevelopingManagerId = manager.Id;
            c.OpenedOn = today.AddDays(-random.Next(30, 365 * 20));
            if (random.NextDouble() < 0.55) c.WeComExternalUserId = people.WeComExternalUserId();
            c.SuitabilityLevel = Pick(random, [(SuitabilityLevel.C1, 5), (SuitabilityLevel.C2, 25), (SuitabilityLevel.C3, 40), (SuitabilityLevel.C4, 20), (SuitabilityLevel.C5, 10)]);
            c.SuitabilityAssessedOn = today.AddDays(-random.Next(0, 365 * 3));
            c.AmlRiskLevel = Pick(random, [(AmlRiskLevel.Low, 80), (AmlRiskLevel.Medium, 17), (AmlRiskLevel.High, 3)]);
            c.SetConsent(ConsentPurpose.ServiceMessages, true, "account-opening", now);
            c.SetConsent(ConsentPurpose.Marketing, random.NextDouble() < 0.7, "account-opening", now);
            c.SetConsent(ConsentPurpose.PersonalisedPush, random.NextDouble() < 0.6, "account-opening", now);
            c.SetConsent(ConsentPurpose.ExternalModelProcessing, random.NextDouble() < 0.4, "account-opening", now);
            c.SetConsent(ConsentPurpose.ConversationArchive, random.NextDouble() < 0.5, "account-opening", now);
            c.MarkComplete();

            double level, drift;
            if (random.NextDouble() < 0.05)
            {
                // Rising clients just under the line: next month's up-moves and managers' leads.
                level = threshold * (0.7 + (0.25 * random.NextDouble()));
                drift = 0.04 + (0.05 * random.NextDouble());
            }
            else
            {
                level = Math.Exp(Math.Log(150_000) + (1.43 * Gaussian(random)));
                drift = 0.03 * Gaussian(random);
            }
            level = Math.Clamp(level, 100, 80_000_000);
            var isBase = level < threshold;
            if (isBase && random.NextDouble() > 0.08)
            {
                c.AssignPrimary(null, DutyScopes.ServiceOfficer, now);
                c.SetCoServicer(manager.Id, DutyScopes.KeptByManager, now);
            }
            else
            {
                c.AssignPrimary(manager.Id, DutyScopes.PrimaryManager, now);
                if (!isBase && random.NextDouble() < 0.1) c.SetCoServicer(advisorByBranch[branch.Id].Id, DutyScope.Advice, now);
                c.IsProfessionalInvestor = !isBase && level > 5_000_000 && random.NextDouble() < 0.3;
            }
            clients.Add((c, level, drift));
        }
        foreach (var chunk in clients.Chunk(2000))
        {
            db.Clients.AddRange(chunk.Select(x => x.Client));
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        // Due-diligence history, so that a few percent of reviews, KYC refreshes and ID documents are due now, as in
        // a book that has been looked after (a separate generator keeps the rest of the data unchanged).
        var aml = new Random(o.RandomSeed + 1);
        foreach (var chunk in clients.Chunk(2000))
        {
            db.AddRange(chunk.Select(x =>
            {
                var months = x.Client.AmlRiskLevel switch { AmlRiskLevel.High => 6, AmlRiskLevel.Medium => 12, _ => 36 };
                return new Duties.Aml.AmlProfile(x.Client.Id)
                {
                    LastReviewedOn = today.AddDays(-aml.Next(0, (int)(months * 30.4 * 1.04))),
                    KycUpdatedOn = today.AddDays(-aml.Next(0, 25 * 30)),
                    IdDocumentExpiresOn = today.AddDays(aml.Next(-20, 365 * 10)),
                };
            }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        var ops = staff.First(s => s.Role == StaffRole.DigitalOps);
        db.CannedReplies.AddRange(
            new Conversations.CannedReply("问候", "{客户称呼}您好，我是{我的名字}，很高兴为您服务。", ops.Id, now),
            new Conversations.CannedReply("投诉受理", "{客户称呼}您好，非常抱歉给您带来不便。您的问题我已记录并将在1个工作日内给您答复，如需帮助也可致电{营业部电话}。", ops.Id, now),
            new Conversations.CannedReply("稍后回复", "{客户称呼}，我正在为您核实，请稍候，核实后第一时间回复您。", ops.Id, now),
            new Conversations.CannedReply("结束语", "感谢您的耐心，如还有其他问题，随时在这里留言，服务官会继续为您服务。", ops.Id, now));
        await db.SaveChangesAsync(ct);

        var firstMonth = CalendarMonth.Of(today).AddMonths(-o.Months);
        var assetRows = await WriteAssetsAsync(db, clients, random, firstMonth, today.AddDays(-1), now, ct);

        var segmented = new List<string>();
        for (var m = firstMonth; m < CalendarMonth.Of(today); m = m.AddMonths(1))
        {
            await segmentMonth.RunAsync(m, null, null, ct);
            segmented.Add(m.ToString());
        }
        LogSeeded(logger, clients.Count, staff.Count, assetRows);
        return new DemoSeedReport(branches.Count, staff.Count, clients.Count, assetRows, segmented, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<int> WriteAssetsAsync(CoServeDb db, List<(Client Client, double Level, double Drift)> clients, Random random,
        CalendarMonth firstMonth, DateOnly lastDay, DateTimeOffset now, CancellationToken ct)
    {
        var tradingDays = new List<DateOnly>();
        for (var d = firstMonth.FirstDay; d <= lastDay; d = d.AddDays(1))
        {
            if (d.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday) tradingDays.Add(d);
        }
        var rows = 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "AssetMonths", ["Month", "ClientId", "DayMask", "Values", "UpdatedAt"], null, ct))
        {
            foreach (var (client, level, drift) in clients)
            {
                var series = new DailyAssetSeries();
                var month = CalendarMonth.Of(tradingDays[0]);
                var value = level;
                var cashShare = 0.1 + (0.3 * random.NextDouble());
                var productShare = random.NextDouble() < 0.4 ? 0.1 + (0.2 * random.NextDouble()) : 0;
                var marginNet = random.NextDouble() < 0.06 ? level * 0.1 : 0;
                foreach (var day in tradingDays)
                {
                    if (!month.Contains(day))
                    {
                        await writer.AddAsync([month.Key, client.Id, series.DayMask, series.Encode(), now], ct);
                        rows++;
                        series = new DailyAssetSeries();
                        month = CalendarMonth.Of(day);
                    }
                    value *= Math.Exp((drift / 21) + (0.012 * Gaussian(random)));
                    var totalFen = (long)Math.Round(value * 100);
                    var cash = (long)(totalFen * cashShare);
                    var products = (long)(totalFen * productShare);
                    var margin = (long)Math.Round(marginNet * 100);
                    var securities = totalFen - cash - products - margin;
                    series.Set(day.Day, new AssetSnapshot(totalFen, cash, securities, products, margin));
                }
                await writer.AddAsync([month.Key, client.Id, series.DayMask, series.Encode(), now], ct);
                rows++;
            }
            await writer.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
        return rows;
    }

    private static T Pick<T>(Random random, (T Value, int Weight)[] choices)
    {
        var roll = random.Next(choices.Sum(c => c.Weight));
        foreach (var (value, weight) in choices)
        {
            if (roll < weight) return value;
            roll -= weight;
        }
        return choices[^1].Value;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data seeded: {Clients} clients, {Staff} staff, {AssetRows} client-months of daily assets")]
    private static partial void LogSeeded(ILogger logger, int clients, int staff, int assetRows);
}

using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Transfers;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Transfers;

/// <summary>A small book with three segmented months (2026-08..10) to plan transfers for 2026-10.</summary>
public sealed class TransferScenario : IAsyncDisposable
{
    public static readonly CalendarMonth Month = new(2026, 10);
    private static readonly int[] Months = [202608, 202609, 202610];

    private TransferScenario(CoServiceScenario s) => S = s;

    public CoServiceScenario S { get; }
    public TestOrg Org => S.Org;

    public static async Task<TransferScenario> StartAsync(StoreKind kind = StoreKind.Sqlite, Action<Dictionary<string, string?>>? configure = null)
    {
        var s = await CoServiceScenario.StartAsync(kind, configure);
        await using var db = s.NewDb();
        foreach (var m in Months) db.SegmentationRuns.Add(new SegmentationRun(m, MadaMode.Natural, 500_000m, 0, 0, s.H.Clock.GetUtcNow()));
        await db.SaveChangesAsync();
        return new TransferScenario(s);
    }

    /// <summary>A client with MADA for Aug, Sep, Oct; primary = manager (or the pool with <paramref name="keeper"/> keeping duties).</summary>
    public async Task<long> ClientAsync(string no, StaffMember? primary, decimal[] mada, StaffMember? keeper = null, string? wecom = null,
        DateOnly? openedOn = null, StaffMember? developer = null, bool professional = false, Branch? branch = null)
    {
        await using var db = S.NewDb();
        var protector = S.H.Services.GetRequiredService<FieldProtector>();
        var now = S.H.Clock.GetUtcNow();
        var c = new Client(no, now);
        c.SetName(protector, "客户" + no);
        c.BranchId = (branch ?? Org.North).Id;
        c.OpenedOn = openedOn ?? new DateOnly(2015, 1, 1);
        c.DevelopingManagerId = developer?.Id;
        c.IsProfessionalInvestor = professional;
        c.WeComExternalUserId = wecom;
        c.MarkComplete();
        c.AssignPrimary(primary?.Id, primary is null ? DutyScopes.ServiceOfficer : DutyScopes.PrimaryManager, now);
        if (keeper is not null) c.SetCoServicer(keeper.Id, DutyScopes.KeptByManager, now);
        c.SetConsent(ConsentPurpose.ServiceMessages, true, "test", now);
        db.Clients.Add(c);
        await db.SaveChangesAsync();
        for (var i = 0; i < mada.Length; i++)
        {
            db.MonthlySegments.Add(new MonthlySegment(c.Id, Months[i], mada[i], mada[i] < 500_000m ? AssetTier.Base : AssetTier.HighEnd, null, MadaMode.Natural, now));
        }
        await db.SaveChangesAsync();
        return c.Id;
    }

    public Task<PlanResult> PlanAsync(StaffMember? by = null) =>
        S.H.RunAsync<PlanTransfers, PlanResult>(p => p.PlanAsync(TestOrg.As(by ?? Org.Ops), Month, CancellationToken.None));

    public async Task<TransferItem> ItemAsync(string clientNo)
    {
        await using var db = S.NewDb();
        return await db.TransferItems.AsNoTracking().Where(i => db.Clients.Any(c => c.Id == i.ClientId && c.ClientNo == clientNo)).OrderByDescending(i => i.Id).FirstAsync();
    }

    public async Task<(int? Primary, IReadOnlyList<(int? StaffId, DutyScope Duties)> Co)> ServicingAsync(string clientNo)
    {
        await using var db = S.NewDb();
        var c = await db.Clients.AsNoTracking().Include(x => x.Servicers).SingleAsync(x => x.ClientNo == clientNo);
        return (c.PrimaryServicer?.StaffId, c.Servicers.Where(s => !s.IsPrimary).Select(s => (s.StaffId, s.Duties)).ToList());
    }

    public CoServeDb NewDb() => S.NewDb();

    public ValueTask DisposeAsync() => S.DisposeAsync();
}

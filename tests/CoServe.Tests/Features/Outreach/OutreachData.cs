using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Outreach;

/// <summary>Clients and content for outreach tests; each test creates its own.</summary>
internal static class OutreachData
{
    public static readonly DateOnly Assessed = new(2026, 3, 1);

    public static async Task<long> ClientAsync(
        IServiceProvider services,
        CoServeDb db,
        TestOrg org,
        string clientNo,
        StaffMember? primary = null,
        SuitabilityLevel level = SuitabilityLevel.C3,
        bool marketing = true,
        DateOnly? assessed = null,
        bool? personalised = null,
        string? weComId = null,
        Branch? branch = null)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var c = await TestOrg.AddClientAsync(db, services.GetRequiredService<FieldProtector>(), clientNo, branch ?? org.North, primary, now,
            coServicers: primary is null ? new[] { (org.Cm1, DutyScopes.KeptByManager) } : Array.Empty<(StaffMember, DutyScope)>());
        c.SuitabilityLevel = level;
        c.SuitabilityAssessedOn = assessed ?? Assessed;
        c.WeComExternalUserId = weComId;
        if (marketing) c.SetConsent(ConsentPurpose.Marketing, true, "test", now);
        if (personalised is { } p) c.SetConsent(ConsentPurpose.PersonalisedPush, p, "test", now);
        await db.SaveChangesAsync();
        return c.Id;
    }

    /// <summary>A content version written by the digital team and approved by Compliance.</summary>
    public static async Task<long> ApprovedContentAsync(CoreHarness h, TestOrg org, ContentKind kind, string title, string body, ProductRisk? risk = null, bool urgent = false)
    {
        var today = BusinessTime.Today(h.Clock);
        var draft = new ContentDraft(title, body, risk, ["test"], today.AddDays(-1), today.AddDays(30),
            ContentItem.NeedsSource(kind) ? "研究所晨会纪要" : null, ContentItem.NeedsSource(kind) ? today.AddDays(-1) : null, urgent);
        var version = await h.RunAsync<ContentLibrary, ContentVersionView>(l => l.CreateAsync(TestOrg.As(org.Ops), kind, draft, CancellationToken.None));
        await h.RunAsync<ContentLibrary, ContentVersionView>(l => l.ApproveAsync(TestOrg.As(org.Compliance), version.Id, "ok", CancellationToken.None));
        return version.Id;
    }

    public static async Task<GateResult> DecideAndSaveAsync(CoreHarness h, OutboundCandidate candidate)
    {
        await using var scope = h.Services.CreateAsyncScope();
        var gate = scope.ServiceProvider.GetRequiredService<OutboundGate>();
        var result = await gate.DecideAsync(candidate, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<CoServeDb>().SaveChangesAsync();
        return result;
    }

    public static async Task<long> IdOfAsync(CoreHarness h, string clientNo)
    {
        await using var db = h.NewDb();
        return await db.Clients.Where(c => c.ClientNo == clientNo).Select(c => c.Id).SingleAsync();
    }
}

using CoServe.Features.Channels.WeCom;
using CoServe.Features.Coverage;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Coverage;

/// <summary>Linking external contacts to clients (never guessed), contact events, and coverage per servicer and branch.</summary>
public class CoverageTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private sealed record Setup(CoreHarness H, TestOrg Org);

    private static async Task<Setup> StartAsync(StoreKind kind)
    {
        var h = await CoreHarness.StartAsync(kind);
        await using var db = h.NewDb();
        var org = await TestOrg.CreateAsync(db);
        var p = h.Services.GetRequiredService<FieldProtector>();
        var now = h.Clock.GetUtcNow();
        await AddClientAsync(db, p, "A1", org.North, org.Cm1, now, mobile: "13800000001");
        await AddClientAsync(db, p, "A2", org.North, org.Cm1, now, mobile: "13800000002");
        await AddClientAsync(db, p, "A3", org.North, org.Cm1, now, mobile: "13800000003");
        await AddClientAsync(db, p, "B1", org.North, org.Cm2, now, mobile: "13800000009");
        await AddClientAsync(db, p, "B2", org.North, org.Cm2, now, mobile: "13800000009");
        await AddClientAsync(db, p, "S1", org.South, org.Cm3, now, mobile: "13800000010");
        return new Setup(h, org);
    }

    private static WeComExternalContact Contact(string follow, string ext, params string[] mobiles) =>
        new(ext, follow, null, 1, null, mobiles, [], null);

    private static async Task<string?> LinkOf(CoreHarness h, string clientNo)
    {
        await using var db = h.NewDb();
        return await db.Clients.Where(c => c.ClientNo == clientNo).Select(c => c.WeComExternalUserId).SingleAsync();
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task RemarkMobile_MatchingOneClient_Links_SharedMobile_GoesToWorklist_NeverGuessed(StoreKind kind)
    {
        var (h, org) = await StartAsync(kind);
        await using var _ = h;
        var book = h.Services.GetRequiredService<IWeComContactStore>();
        await book.UpsertAsync([
            Contact("wx_cm1", "wmA1", "+86 138-0000-0001"),
            Contact("wx_cm2", "wmB", "13800000009"),
            Contact("wx_cm1", "wmNone"),
            Contact("wx_cm1", "wmUnknown", "13999999999"),
        ], Ct);

        Assert.Equal("wmA1", await LinkOf(h, "A1"));
        Assert.Null(await LinkOf(h, "B1"));
        Assert.Null(await LinkOf(h, "B2"));
        await using (var db = h.NewDb())
        {
            var states = await db.WeComContactMatches.ToDictionaryAsync(m => m.ExternalUserId, m => m.State);
            Assert.Equal(ContactMatchState.Linked, states["wmA1"]);
            Assert.Equal(ContactMatchState.Ambiguous, states["wmB"]);
            Assert.Equal(ContactMatchState.NoRemarkMobile, states["wmNone"]);
            Assert.Equal(ContactMatchState.NoMatch, states["wmUnknown"]);
            var audit = await db.WeComLinkAudits.SingleAsync();
            Assert.Equal((true, LinkMethod.RemarkMobile, (int?)null), (audit.Linked, audit.Method, audit.StaffId));
        }
        // A second contact whose remark mobile is A1's too: A1 is linked already, so it is not re-linked but flagged.
        await book.UpsertAsync([Contact("wx_cm2", "wmA1bis", "13800000001")], Ct);
        Assert.Equal("wmA1", await LinkOf(h, "A1"));

        var q = h.Services.GetRequiredService<CoverageQueries>();
        var forCm2 = await q.AmbiguousAsync(As(org.Cm2), Ct);
        Assert.Equal(["B1", "B2"], Assert.Single(forCm2).CandidateClientNos.Order(StringComparer.Ordinal).ToArray());
        var forOps = await q.AmbiguousAsync(As(org.Ops), Ct);
        Assert.Equal(2, forOps.Count);
        Assert.Empty(await q.AmbiguousAsync(As(org.Cm3), Ct));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ManualLinkAndUnlink_AreAudited_RoleScoped_AndUnlinkIsNotUndoneByMatching(StoreKind kind)
    {
        var (h, org) = await StartAsync(kind);
        await using var _ = h;
        var book = h.Services.GetRequiredService<IWeComContactStore>();
        var linker = h.Services.GetRequiredService<WeComContactLinker>();
        await book.UpsertAsync([Contact("wx_cm2", "wmB1"), Contact("wx_cm1", "wmA2", "13800000002")], Ct);

        // cm1 cannot link cm2's client; compliance changes nothing; an unknown contact is refused.
        await Assert.ThrowsAsync<ArgumentException>(() => linker.LinkAsync(As(org.Cm1), "B1", "wmB1", null, Ct));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => linker.LinkAsync(As(org.Compliance), "B1", "wmB1", null, Ct));
        var unknown = await Assert.ThrowsAsync<LinkRuleException>(() => linker.LinkAsync(As(org.Cm2), "B1", "wmNobody", null, Ct));
        Assert.Contains("wmNobody", unknown.Message, StringComparison.Ordinal);
        // Already linked to A2 by its remark mobile: the same contact cannot go to a second client.
        await Assert.ThrowsAsync<LinkRuleException>(() => linker.LinkAsync(As(org.Head), "A3", "wmA2", null, Ct));

        await linker.LinkAsync(As(org.Cm2), "B1", "wmB1", "客户当面确认", Ct);
        Assert.Equal("wmB1", await LinkOf(h, "B1"));
        await linker.UnlinkAsync(As(org.Ops), "A2", "备注手机号有误", Ct);
        Assert.Null(await LinkOf(h, "A2"));
        // An edit event re-reads the contact: matching leaves a hand-unlinked contact alone.
        await book.UpsertAsync([Contact("wx_cm1", "wmA2", "13800000002")], Ct);
        Assert.Null(await LinkOf(h, "A2"));

        await using var db = h.NewDb();
        var audits = await db.WeComLinkAudits.OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(3, audits.Count);
        Assert.Equal((true, LinkMethod.Manual, org.Cm2.Id, "客户当面确认"), (audits[1].Linked, audits[1].Method, audits[1].StaffId!.Value, audits[1].Reason!));
        Assert.Equal((false, LinkMethod.Manual, org.Ops.Id), (audits[2].Linked, audits[2].Method, audits[2].StaffId!.Value));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Coverage_PerServicerAndBranch_AgainstTarget_ScopedByRole_WithUnlinkedWorklist(StoreKind kind)
    {
        var (h, org) = await StartAsync(kind);
        await using var _ = h;
        var book = h.Services.GetRequiredService<IWeComContactStore>();
        await book.UpsertAsync([Contact("wx_cm1", "wmA1", "13800000001"), Contact("wx_cm1", "wmA2", "13800000002"), Contact("wx_cm3", "wmS1", "13800000010")], Ct);
        var q = h.Services.GetRequiredService<CoverageQueries>();

        var all = await q.ReportAsync(As(org.Admin), Ct);
        Assert.Equal(90, all.TargetPercent);
        Assert.Equal((6, 3, 50.0m), (all.Total.Served, all.Total.Linked, all.Total.Percent));
        var cm1 = all.Managers.Single(m => m.Id == org.Cm1.Id);
        Assert.Equal((3, 2, 66.7m, true), (cm1.Served, cm1.Linked, cm1.Percent, cm1.BelowTarget));
        var cm3 = all.Managers.Single(m => m.Id == org.Cm3.Id);
        Assert.Equal((1, 1, 100m, false), (cm3.Served, cm3.Linked, cm3.Percent, cm3.BelowTarget));
        var north = all.Branches.Single(b => b.Id == org.North.Id);
        Assert.Equal((5, 2), (north.Served, north.Linked));

        var mine = await q.ReportAsync(As(org.Cm1), Ct);
        Assert.Equal(org.Cm1.Id, Assert.Single(mine.Managers).Id);
        var head = await q.ReportAsync(As(org.Head), Ct);
        Assert.Equal([org.Cm1.Id, org.Cm2.Id], head.Managers.Select(m => m.Id!.Value).Order().ToArray());

        var worklist = await q.UnlinkedAsync(As(org.Head), null, Ct);
        Assert.Equal(["A3", "B1", "B2"], worklist.Clients.Select(c => c.ClientNo).ToArray());
        Assert.Equal(["A3"], (await q.UnlinkedAsync(As(org.Ops), org.Cm1.Id, Ct)).Clients.Select(c => c.ClientNo).ToArray());
        Assert.Equal(["A3"], (await q.UnlinkedAsync(As(org.Cm1), null, Ct)).Clients.Select(c => c.ClientNo).ToArray());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ContactDeleted_LastFollower_Unlinks_ButDeletedByTransferKeepsTheLink(StoreKind kind)
    {
        var (h, _) = await StartAsync(kind);
        await using var __ = h;
        var book = h.Services.GetRequiredService<IWeComContactStore>();
        await book.UpsertAsync([Contact("wx_cm1", "wmA1", "13800000001"), Contact("wx_cm1", "wmA2", "13800000002")], Ct);
        var events = h.Services.GetRequiredService<IWeComContactEvents>();
        var at = h.Clock.GetUtcNow();
        await events.OnContactChangedAsync(new ExternalContactDeleted("main", "wx_cm1", "wmA1", at, "DELETE_BY_TRANSFER"), Ct);
        Assert.Equal("wmA1", await LinkOf(h, "A1"));
        await events.OnContactChangedAsync(new ExternalContactDeleted("main", "wx_cm1", "wmA2", at, null), Ct);
        Assert.Null(await LinkOf(h, "A2"));
        // The retry of the same event changes nothing more.
        await events.OnContactChangedAsync(new ExternalContactDeleted("main", "wx_cm1", "wmA2", at, null), Ct);
        await using var db = h.NewDb();
        var audit = await db.WeComLinkAudits.Where(a => !a.Linked).SingleAsync();
        Assert.Equal((LinkMethod.ContactDeleted, "wmA2"), (audit.Method, audit.ExternalUserId));
    }
}

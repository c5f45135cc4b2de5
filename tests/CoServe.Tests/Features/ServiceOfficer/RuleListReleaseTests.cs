using System.Net;
using System.Net.Http.Json;
using CoServe.Features.Notifications;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>
/// A build of CoServe whose shipped guardrail rules the test chooses: what a store sees when a release ships new
/// defaults (the real <see cref="GuardrailRulesInForce"/> ships the code's).
/// </summary>
internal sealed class ShippedGuardrails(IServiceScopeFactory scopes, TimeProvider clock, IReadOnlyList<GuardrailRuleData> shipped)
    : RulesInForce<GuardrailRuleData, GuardrailRuleSet>(scopes, clock)
{
    public override RuleListKind Kind => RuleListKind.Guardrail;

    protected override IReadOnlyList<GuardrailRuleData> DefaultRules => shipped;

    protected override string NoticeName => "合规护栏规则";

    public override string PagePath => "/guardrails";

    public override GuardrailRuleSet Compile(IReadOnlyList<GuardrailRuleData> rules, int version) => GuardrailRuleData.Compile(rules, version);

    public static ShippedGuardrails In(IServiceProvider services, IReadOnlyList<GuardrailRuleData> shipped) =>
        new(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<TimeProvider>(), shipped);
}

/// <summary>Release updates of the rule lists: new shipped defaults are offered to Compliance, never applied silently.</summary>
public sealed class RuleListReleaseTests
{
    private static GuardrailRuleData G(string id, string pattern, string? description = null, bool enabled = true) =>
        new(id, GuardrailKind.ReturnPromise, pattern, Description: description, Enabled: enabled);

    // ---- the comparison (unit) ----

    [Fact]
    public void Compare_OffersOnlyRulesTheBrokerageLeftAsShipped()
    {
        IReadOnlyList<GuardrailRuleData> baseline = [G("a", "甲"), G("b", "乙"), G("c", "丙"), G("d", "丁"), G("f", "戊"), G("g", "己")];
        IReadOnlyList<GuardrailRuleData> shipped = [G("a", "甲"), G("b", "乙乙"), G("e", "庚"), G("d", "丁丁"), G("f", "戊戊"), G("g", "己己"), G("h", "辛"), G("i", "壬")];
        IReadOnlyList<GuardrailRuleData> inForce =
        [
            G("a", "甲"), G("b", "乙"), G("c", "丙"),
            G("d", "丁", enabled: false), // disabled here: an edit
            // f deleted here
            G("g", "己己"), // the brokerage already made the release's change
            G("h", "我们自己的"), // a rule of ours with the id the release adds
            G("i", "壬"), // added here exactly as the release ships it
            G("x", "本地"),
        ];

        var items = ReleaseDiff.Compare(baseline, shipped, inForce).ToDictionary(i => i.RuleId);

        Assert.Equal((ReleaseChange.Changed, ReleaseOffer.Offered), (items["b"].Change, items["b"].Offer));
        Assert.Equal(["pattern"], items["b"].Fields);
        Assert.Equal((ReleaseChange.Added, ReleaseOffer.Offered), (items["e"].Change, items["e"].Offer));
        Assert.Equal((ReleaseChange.Retired, ReleaseOffer.Offered), (items["c"].Change, items["c"].Offer));
        Assert.Equal(ReleaseOffer.EditedLocally, items["d"].Offer);
        Assert.Equal(ReleaseOffer.DeletedLocally, items["f"].Offer);
        Assert.Equal(ReleaseOffer.AlreadyInForce, items["g"].Offer);
        Assert.Equal(ReleaseOffer.LocalRuleWithSameId, items["h"].Offer);
        Assert.Equal(ReleaseOffer.AlreadyInForce, items["i"].Offer);
        Assert.False(items.ContainsKey("a"));
        Assert.False(items.ContainsKey("x"));
        Assert.Equal("added e, h, i; changed b, d, f, g; retired c", ReleaseDiff.Describe(items.Values.OrderBy(i => i.RuleId, StringComparer.Ordinal)));
    }

    [Fact]
    public void Apply_ReplacesInPlace_RemovesRetired_PlacesAddedAfterItsShippedNeighbour()
    {
        IReadOnlyList<GuardrailRuleData> baseline = [G("a", "甲"), G("b", "乙"), G("c", "丙")];
        IReadOnlyList<GuardrailRuleData> shipped = [G("a", "甲甲"), G("n", "新"), G("b", "乙")];
        IReadOnlyList<GuardrailRuleData> inForce = [G("x", "本地"), G("a", "甲"), G("b", "乙"), G("c", "丙")];
        var items = ReleaseDiff.Compare(baseline, shipped, inForce);

        var all = ReleaseDiff.Apply(inForce, shipped, items);
        Assert.Equal(["x", "a", "n", "b"], all.Select(r => r.Id));
        Assert.Equal("甲甲", all[1].Pattern);

        var some = ReleaseDiff.Apply(inForce, shipped, items.Where(i => i.RuleId == "n"));
        Assert.Equal(["x", "a", "n", "b", "c"], some.Select(r => r.Id));
        Assert.Equal("甲", some[1].Pattern);

        var notOffered = ReleaseDiff.Compare(baseline, shipped, [G("a", "我们的")]).Single(i => i.RuleId == "a");
        Assert.Throws<ArgumentException>(() => ReleaseDiff.Apply(inForce, shipped, [notOffered]));
    }

    [Fact]
    public void Hash_IdentifiesTheShippedRules()
    {
        var a = RuleListJson.Serialize(new[] { G("a", "甲") });
        Assert.Equal(ReleaseDiff.Hash(a), ReleaseDiff.Hash(RuleListJson.Serialize(new[] { G("a", "甲") })));
        Assert.NotEqual(ReleaseDiff.Hash(a), ReleaseDiff.Hash(RuleListJson.Serialize(new[] { G("a", "甲", "changed") })));
        Assert.Equal(64, ReleaseDiff.Hash(a).Length);
    }

    // ---- the security names of a configured seed folder (unit) ----

    [Fact]
    public void ShippedIntentRules_ReadTheNamesOfTheConfiguredSeedFolder()
    {
        using var dir = new TempFolder();
        File.WriteAllText(Path.Combine(dir.Path, SecurityNames.FileName), "# our list\n测试股份\n\n示例科技\n");

        var rule = Assert.Single(ShippedIntentRules.For(dir.Path), r => r.Id == ShippedIntentRules.NamedSecurityRuleId);
        Assert.Equal(["测试股份", "示例科技"], rule.Keywords);
        Assert.Equal(IntentRuleSet.NamedSecurityPattern, rule.Pattern);
        // The shipped folder gives the code's list itself (what `coserve eval` measured before).
        Assert.Equal(
            IntentRuleSet.DefaultRules.Single(r => r.Id == ShippedIntentRules.NamedSecurityRuleId).Keywords,
            ShippedIntentRules.For(CoServe.Features.ServiceOfficer.ServiceOfficerSetup.DefaultSeedDirectory).Single(r => r.Id == ShippedIntentRules.NamedSecurityRuleId).Keywords);
        // Every other shipped rule is the code's, in the code's order.
        Assert.Equal(IntentRuleSet.DefaultRules.Select(r => r.Id), ShippedIntentRules.For(dir.Path).Select(r => r.Id));
        Assert.Contains(ShippedIntentRules.NamedSecurityRuleId, ShippedIntentRules.RuleSet(dir.Path).Match("测试股份能不能买").Select(f => f.Rule.Id));
        Assert.DoesNotContain(ShippedIntentRules.NamedSecurityRuleId, ShippedIntentRules.RuleSet(dir.Path).Match("贵州茅台能不能买").Select(f => f.Rule.Id));
    }

    [Fact]
    public void ShippedIntentRules_MissingOrMalformedNamesFile_IsAnErrorNamingFileAndLine()
    {
        using var dir = new TempFolder();
        var missing = Assert.Throws<FileNotFoundException>(() => ShippedIntentRules.For(dir.Path));
        Assert.Contains(SecurityNames.FileName, missing.Message, StringComparison.Ordinal);
        Assert.Contains("advice.named-security", missing.Message, StringComparison.Ordinal);

        var path = Path.Combine(dir.Path, SecurityNames.FileName);
        File.WriteAllText(path, "# names\n测试股份\n示例科技,另一家\n");
        var twoOnALine = Assert.Throws<SeedFormatException>(() => ShippedIntentRules.For(dir.Path));
        Assert.Contains(SecurityNames.FileName + ":3:", twoOnALine.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "测试股份\n" + new string('名', IntentRuleValidation.MaxKeyword + 1) + "\n");
        Assert.Contains(SecurityNames.FileName + ":2:", Assert.Throws<SeedFormatException>(() => ShippedIntentRules.For(dir.Path)).Message, StringComparison.Ordinal);

        File.WriteAllText(path, "# only comments\n");
        Assert.Contains("no names", Assert.Throws<SeedFormatException>(() => ShippedIntentRules.For(dir.Path)).Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task IntentVersion1_TakesTheSecurityNamesOfTheConfiguredSeedFolder(StoreKind kind)
    {
        using var dir = new TempFolder();
        foreach (var f in Directory.GetFiles(OfficerFixtures.Directory)) File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(dir.Path, SecurityNames.FileName), "测试股份\n示例科技\n");
        await using var h = await CoreHarness.StartAsync(kind, c => c["ServiceOfficer:SeedDirectory"] = dir.Path);
        var org = await KnowledgeBaseTests.OrgAsync(h);

        var v1 = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.InForceAsync(TestOrg.As(org.Compliance), default));
        Assert.Equal(["测试股份", "示例科技"], v1.Rules.Single(r => r.Id == ShippedIntentRules.NamedSecurityRuleId).Keywords);
        // The rules this build ships are what version 1 got: no release update to offer.
        var check = await h.Services.GetRequiredService<IntentRulesInForce>().CheckReleaseAsync(default);
        Assert.Equal((false, (long?)null), (check.Created, check.ReleaseId));
    }

    // ---- the workflow (integration) ----

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task NewShippedRules_AreOfferedNeverApplied_AcceptSome_Approve_DeclinedAndEditedNotOfferedAgain_Dismiss_Supersede(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var real = h.Services.GetRequiredService<GuardrailRulesInForce>();

        // The release that seeded this store.
        IReadOnlyList<GuardrailRuleData> r1 = [G("promise.a", "稳赚", "a"), G("promise.b", "保本", "b"), G("promise.c", "包赚", "c"), G("promise.old", "保底", "old")];
        var release1 = ShippedGuardrails.In(h.Services, r1);
        Assert.Equal(1, await release1.CurrentVersionAsync(default));
        Assert.Equal((false, (long?)null), ((await release1.CheckReleaseAsync(default)).Created, (await release1.CheckReleaseAsync(default)).ReleaseId));

        // Compliance edits promise.c here (v2).
        var d = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, d.Id, "promise.c", G("promise.c", "包赚|稳拿", "ours"), null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, d.Id, null, null, default));

        // Release 2 adds promise.new, changes promise.a, promise.b and promise.c, retires promise.old.
        IReadOnlyList<GuardrailRuleData> r2 = [G("promise.a", "稳赚|必赚", "a"), G("promise.new", "躺赚", "new"), G("promise.b", "保本|保息", "b"), G("promise.c", "包赚", "c2")];
        var release2 = ShippedGuardrails.In(h.Services, r2);
        // Two nodes start at the same moment: one release is recorded.
        var checks = await Task.WhenAll(Task.Run(() => release2.CheckReleaseAsync(default)), Task.Run(() => release2.CheckReleaseAsync(default)));
        Assert.Single(checks, c => c.Created);
        Assert.All(checks, c => Assert.Equal(checks[0].ReleaseId, c.ReleaseId));
        var again = await release2.CheckReleaseAsync(default);
        Assert.Equal((false, checks[0].ReleaseId, (RuleReleaseStatus?)RuleReleaseStatus.Pending, 4), (again.Created, again.ReleaseId, again.Status, again.Offered));
        // An older node restarting does not offer its own (older) rules back.
        Assert.False((await release1.CheckReleaseAsync(default)).Created);
        var releaseId = checks[0].ReleaseId!.Value;

        // Nothing changed in force; Compliance were told.
        Assert.Equal(2, await real.CurrentVersionAsync(default));
        var inForce = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.InForceAsync(compliance, default));
        Assert.Equal(["promise.a", "promise.b", "promise.c", "promise.old"], inForce.Rules.Select(r => r.Id));
        await using (var db = h.NewDb())
        {
            Assert.Equal(1, await db.Set<RuleListRelease>().CountAsync());
            var notice = Assert.Single(await db.StaffNotifications.Where(n => n.StaffId == org.Compliance.Id).ToListAsync());
            Assert.Equal((NotificationKind.DutyTask, "/guardrails/release"), (notice.Kind, notice.Link));
            Assert.Contains("4", notice.Text, StringComparison.Ordinal);
            Assert.Empty(await db.StaffNotifications.Where(n => n.StaffId == org.Ops.Id).ToListAsync());
        }

        var open = await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(TestOrg.As(org.Ops), default));
        Assert.NotNull(open);
        Assert.Equal(4, open.OfferedCount);
        Assert.Equal(ReleaseOffer.EditedLocally, open.Items.Single(i => i.RuleId == "promise.c").Offer);
        Assert.Equal(ReleaseChange.Retired, open.Items.Single(i => i.RuleId == "promise.old").Change);

        // Only Compliance accepts or dismisses; only offered rules can be accepted.
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(TestOrg.As(org.Ops), releaseId, null, null, default)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>>(e => e.DismissReleaseAsync(TestOrg.As(org.Admin), releaseId, "no", null, default)));
        var notOffered = await Assert.ThrowsAsync<ArgumentException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(compliance, releaseId, ["promise.c"], null, default)));
        Assert.Contains("promise.c", notOffered.Message, StringComparison.Ordinal);

        // Accept some: the new rule and the retirement; promise.a and promise.b are declined.
        var draft = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(compliance, releaseId, ["promise.new", "promise.old"], open.Revision, default));
        Assert.Equal(RuleListStatus.Draft, draft.Status);
        Assert.Equal(["promise.a", "promise.new", "promise.b", "promise.c"], draft.Rules.Select(r => r.Id));
        Assert.Equal("稳赚", draft.Rules[0].Pattern);
        Assert.Equal("ours", draft.Rules[3].Description);
        await Assert.ThrowsAsync<RuleViolationException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(compliance, releaseId, null, null, default)));
        Assert.Equal(2, await real.CurrentVersionAsync(default));

        var v3 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, draft.Id, "接受新规则", null, default));
        Assert.Equal(3, v3.Version);
        var applied = await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.ReleaseAsync(compliance, releaseId, default));
        Assert.Equal((RuleReleaseStatus.Applied, "compliance", (long?)draft.Id), (applied!.Status, applied.DecidedBy, applied.DraftListId));
        Assert.Null(await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(compliance, default)));
        Assert.False((await release2.CheckReleaseAsync(default)).Created);

        // Release 3 changes promise.a again (declined last time: not offered) and adds promise.z.
        IReadOnlyList<GuardrailRuleData> r3 = [G("promise.a", "稳赚|必赚|稳拿", "a"), G("promise.new", "躺赚", "new"), G("promise.b", "保本|保息", "b"), G("promise.c", "包赚", "c2"), G("promise.z", "兜底", "z")];
        var third = await ShippedGuardrails.In(h.Services, r3).CheckReleaseAsync(default);
        Assert.Equal((true, RuleReleaseStatus.Pending, 1), (third.Created, third.Status!.Value, third.Offered));
        var view3 = (await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(compliance, default)))!;
        Assert.Equal(["promise.z"], view3.Items.Where(i => i.IsOffered).Select(i => i.RuleId));
        Assert.Equal(ReleaseOffer.EditedLocally, view3.Items.Single(i => i.RuleId == "promise.a").Offer);

        // Release 4 arrives before a decision: it supersedes release 3 and its offer covers both.
        IReadOnlyList<GuardrailRuleData> r4 = [.. r3, G("promise.y", "旱涝保收", "y")];
        var fourth = await ShippedGuardrails.In(h.Services, r4).CheckReleaseAsync(default);
        Assert.Equal((true, 2), (fourth.Created, fourth.Offered));
        Assert.Equal(RuleReleaseStatus.Superseded, (await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.ReleaseAsync(compliance, third.ReleaseId!.Value, default)))!.Status);

        // Dismissed with a reason: recorded, audited, not offered again.
        await Assert.ThrowsAsync<ArgumentException>(() => h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>>(e => e.DismissReleaseAsync(compliance, fourth.ReleaseId!.Value, " ", null, default)));
        var dismissed = await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>>(e => e.DismissReleaseAsync(compliance, fourth.ReleaseId!.Value, "我司不使用这两条", null, default));
        Assert.Equal((RuleReleaseStatus.Dismissed, "我司不使用这两条"), (dismissed.Status, dismissed.Note));
        Assert.False((await ShippedGuardrails.In(h.Services, r4).CheckReleaseAsync(default)).Created);
        Assert.Null(await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(compliance, default)));
        Assert.Equal(3, await real.CurrentVersionAsync(default));

        var history = await h.RunAsync<GuardrailRuleEditor, IReadOnlyList<RuleReleaseSummary>>(e => e.ReleasesAsync(compliance, default));
        Assert.Equal([RuleReleaseStatus.Dismissed, RuleReleaseStatus.Superseded, RuleReleaseStatus.Applied], history.Select(r => r.Status));
        var audit = (await h.RunAsync<GuardrailRuleEditor, IReadOnlyList<RuleChangeView>>(e => e.ChangesAsync(compliance, null, default))).OrderBy(c => c.Id).ToList();
        Assert.Equal(
        [
            RuleListAction.Seeded, RuleListAction.DraftStarted, RuleListAction.RuleEdited, RuleListAction.Approved,
            RuleListAction.ReleaseFound, RuleListAction.ReleaseDrafted, RuleListAction.RuleAdded, RuleListAction.RuleDeleted, RuleListAction.Approved,
            RuleListAction.ReleaseFound, RuleListAction.ReleaseFound, RuleListAction.ReleaseDismissed,
        ], audit.Select(c => c.Action));
        Assert.Contains("declined changed promise.a, promise.b", audit.Single(c => c.Action == RuleListAction.ReleaseDrafted).Detail, StringComparison.Ordinal);
        Assert.Contains($"reconciles release update #{releaseId}", audit.Last(c => c.Action == RuleListAction.Approved).Detail, StringComparison.Ordinal);
        Assert.Contains("我司不使用这两条", audit.Last().Detail, StringComparison.Ordinal);
        Assert.Equal("compliance", audit.Last().Actor);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ReleaseDraftRejected_TheReleaseIsOfferedAgain(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        await ShippedGuardrails.In(h.Services, [G("promise.a", "稳赚")]).CurrentVersionAsync(default);
        var found = await ShippedGuardrails.In(h.Services, [G("promise.a", "稳赚"), G("promise.b", "保本")]).CheckReleaseAsync(default);

        var draft = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(compliance, found.ReleaseId!.Value, null, null, default));
        Assert.Equal(RuleReleaseStatus.Drafted, (await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(compliance, default)))!.Status);
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.RejectAsync(compliance, draft.Id, "先不上线", default));

        var reopened = (await h.RunAsync<GuardrailRuleEditor, RuleReleaseView<GuardrailRuleData>?>(e => e.OpenReleaseAsync(compliance, default)))!;
        Assert.Equal((RuleReleaseStatus.Pending, (long?)null, 1), (reopened.Status, reopened.DraftListId, reopened.OfferedCount));
        var second = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartReleaseDraftAsync(compliance, found.ReleaseId!.Value, ["promise.b"], reopened.Revision, default));
        Assert.Equal(["promise.a", "promise.b"], second.Rules.Select(r => r.Id));
    }

    [SkippableFact]
    public async Task Api_StartUpCheck_OpenRelease_CheckOnDemand_OnlyCompliance()
    {
        await using var s = await ApiScenario.StartAsync(configure: c =>
        {
            c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
            c["ServiceOfficer:CheckRuleReleasesOnStart"] = "true";
        });
        // The start-up check seeds both lists of an empty store from the shipped rules, and finds nothing to offer.
        for (var i = 0; i < 300; i++)
        {
            await using var db = s.NewDb();
            if (await db.RuleLists.CountAsync() == 2) break;
            await Task.Delay(100);
        }
        await using (var db = s.NewDb())
        {
            Assert.Equal(2, await db.RuleLists.CountAsync(l => l.Version == 1));
            Assert.Equal(0, await db.Set<RuleListRelease>().CountAsync());
        }

        var ops = await s.ClientAsAsync(s.Org.Ops);
        var compliance = await s.ClientAsAsync(s.Org.Compliance);
        Assert.Equal(HttpStatusCode.NoContent, (await ops.GetAsync("/api/guardrails/release")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsync("/api/intent-rules/releases/check", null)).StatusCode);
        var check = await compliance.PostAsync("/api/intent-rules/releases/check", null);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains("\"created\":false", await check.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A release with other shipped guardrail rules, as a new build would find it.
        var shipped = GuardrailRuleSet.DefaultRules.Select(GuardrailRuleData.From).Append(G("return-promise.release-test", "稳稳当当赚")).ToList();
        var found = await ShippedGuardrails.In(s.App.Services, shipped).CheckReleaseAsync(default);
        Assert.True(found.Created);
        var open = await ops.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/guardrails/release");
        Assert.Equal(1, open.GetProperty("offeredCount").GetInt32());
        Assert.Equal("return-promise.release-test", open.GetProperty("items")[0].GetProperty("ruleId").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync($"/api/guardrails/releases/{found.ReleaseId}/dismiss", new { reason = "x" })).StatusCode);
        var bad = await compliance.PostAsJsonAsync($"/api/guardrails/releases/{found.ReleaseId}/draft", new { acceptedRuleIds = new[] { "aml.tip-off" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var draft = await compliance.PostAsJsonAsync($"/api/guardrails/releases/{found.ReleaseId}/draft", new { });
        Assert.Equal(HttpStatusCode.OK, draft.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await compliance.PostAsJsonAsync($"/api/guardrails/releases/{found.ReleaseId}/dismiss", new { reason = "x" })).StatusCode);
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "coserve-tests", Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}

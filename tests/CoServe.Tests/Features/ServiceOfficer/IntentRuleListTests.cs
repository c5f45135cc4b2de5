using System.Net;
using System.Net.Http.Json;
using System.Text;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Features.ServiceOfficer.Text;
using CoServe.Platform.Csv;
using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>Stored, versioned intent rule lists: version 1 is the shipped rules, validation, preview, the Compliance workflow and the swap into the running engine.</summary>
public sealed class IntentRuleListTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static IntentRuleData Rule(string id, ClientIntent intent, params string[] keywords) => new(id, intent, keywords, Description: "test rule");

    private static OfficerRequest Ask(string text) => new(
        new OfficerClientContext("C1", "李女士", "北区营业部", "400-000-0101", null, false, false, false, new Dictionary<string, string>()),
        text, [], "test");

    /// <summary>An ordinary question that names a complaint platform the shipped rules do not know.</summary>
    private const string NewWordMessage = "国债逆回购在哪里买？黑猫上有人问过";

    // ---- the shipped rules as data (unit) ----

    [Fact]
    public void ShippedRules_RoundTripThroughTheStore_Unchanged_AndDecideEveryShippedUtteranceAlike()
    {
        var stored = RuleListJson.DeserializeList<IntentRuleData>(RuleListJson.Serialize(IntentRuleSet.DefaultRules.Select(IntentRuleData.From).ToList()));
        Assert.Equal(IntentRuleSet.DefaultRules.Count, stored.Count);
        foreach (var (code, data) in IntentRuleSet.DefaultRules.Zip(stored))
        {
            var back = data.ToRule();
            Assert.Equal((code.Id, code.Intent, code.Pattern, code.Unless, code.Negatable), (back.Id, back.Intent, back.Pattern, back.Unless, back.Negatable));
            Assert.Equal(code.Keywords, back.Keywords);
        }
        var shipped = IntentRuleSet.Default();
        var fromStore = IntentRuleData.Compile(stored, 1);
        var texts = IntentPreview.Corpus(OfficerFixtures.Directory).Select(c => c.Item.Text).Concat(SeedUtterances()).ToList();
        Assert.True(texts.Count > 3000);
        foreach (var text in texts)
        {
            var n = TextNormalizer.Normalize(text);
            Assert.Equal(shipped.Match(n).Select(f => (f.Rule.Id, f.Evidence)), fromStore.Match(n).Select(f => (f.Rule.Id, f.Evidence)));
        }
    }

    private static IEnumerable<string> SeedUtterances() => IntentPreview.Corpus(ServiceOfficerSetup.DefaultSeedDirectory).Select(c => c.Item.Text);

    [Fact]
    public void Validation_AcceptsTheShippedRules()
    {
        Assert.Empty(IntentRuleValidation.Problems([.. IntentRuleSet.DefaultRules.Select(IntentRuleData.From)]));
    }

    [Fact]
    public void Validation_NamesRuleAndField_ForEveryProblem()
    {
        var rules = new List<IntentRuleData>
        {
            Rule("complaint.hotline", ClientIntent.Complaint, "黑猫"),
            Rule("complaint.hotline", ClientIntent.Complaint, "12378"),
            Rule("Bad Id", ClientIntent.Complaint, "x"),
            Rule("faq.rule", ClientIntent.Faq, "开户"),
            Rule("no.words", ClientIntent.Complaint),
            Rule("upper.case", ClientIntent.Complaint, "ABC"),
            Rule("twice", ClientIntent.Complaint, "曝光", "曝光"),
            new("broken.pattern", ClientIntent.Complaint, [], Pattern: "投诉("),
            new("empty.unless", ClientIntent.Complaint, ["投诉"], Unless: "x?"),
            new("slow.pattern", ClientIntent.Complaint, [], Pattern: "(投+)+诉"),
            Rule("bad.intent", (ClientIntent)99, "x"),
        };
        var problems = IntentRuleValidation.Problems(rules);
        Assert.Contains(problems, p => p is { Rule: "complaint.hotline", Field: "id" } && p.Reason.Contains("same id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "Bad Id", Field: "id" });
        Assert.Contains(problems, p => p is { Rule: "faq.rule", Field: "intent" });
        Assert.Contains(problems, p => p is { Rule: "no.words", Field: "keywords" });
        Assert.Contains(problems, p => p is { Rule: "upper.case", Field: "keywords" } && p.Reason.Contains("'abc'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "twice", Field: "keywords" } && p.Reason.Contains("twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "broken.pattern", Field: "pattern" } && p.Reason.Contains("not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "empty.unless", Field: "unless" } && p.Reason.Contains("empty text", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "slow.pattern", Field: "pattern" } && p.Reason.Contains("catastrophic backtracking", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "bad.intent", Field: "intent" });
        Assert.DoesNotContain(problems, p => p.Rule == "complaint.hotline" && p.Field != "id");
        var e = Assert.Throws<RuleListException>(() => IntentRuleValidation.Validate(rules));
        Assert.Contains("rule broken.pattern pattern:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preview_ScoresBothListsPerIntent_AndListsTheUtterancesWhoseHandoffChanges()
    {
        var snapshot = OfficerFixtures.Snapshot;
        using var engine = new ServiceOfficerEngine(new ServiceOfficerOptions(), TimeProvider.System, snapshot);
        var corpus = IntentPreview.Corpus(OfficerFixtures.Directory);

        var same = IntentPreview.Compare(engine, snapshot, IntentRuleData.Compile([.. IntentRuleSet.DefaultRules.Select(IntentRuleData.From)], 0), corpus, "fixture");
        Assert.Empty(same.Changes);
        Assert.All(same.Scores, s => Assert.Equal(s.InForce, s.Draft));

        // A careless keyword: every question about reverse repos becomes a complaint.
        var draftRules = IntentRuleSet.DefaultRules.Select(IntentRuleData.From).Append(Rule("complaint.repo", ClientIntent.Complaint, "逆回购")).ToList();
        var r = IntentPreview.Compare(engine, snapshot, IntentRuleData.Compile(draftRules, 0), corpus, "fixture");
        Assert.Equal(corpus.Count, r.Utterances);
        Assert.NotEmpty(r.Changes);
        Assert.Equal(r.Changes.Count, r.ChangedTotal);
        Assert.All(r.Changes, c => Assert.Equal(ClientIntent.Complaint, c.Draft));
        Assert.Contains(r.Changes, c => c.Text == "逆回购怎么买" && c.Label == "Faq" && c.InForce is null && c.DraftRules.Contains("complaint.repo"));
        var complaint = r.Scores.Single(s => s.Intent == ClientIntent.Complaint);
        Assert.Equal(complaint.InForce.Predicted + r.Changes.Count, complaint.Draft.Predicted);
        Assert.Equal(complaint.InForce.TruePositives, complaint.Draft.TruePositives);
        Assert.True(complaint.Draft.Precision < complaint.InForce.Precision);
        var firing = r.Firing.Single(f => f.RuleId == "complaint.repo");
        Assert.True(firing.Fired >= r.Changes.Count);
        Assert.Equal(firing.Fired, firing.OnOtherLabels);
    }

    // ---- workflow (integration) ----

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task AddedComplaintWord_RoutesAnAnsweredMessageToComplaint_AfterApproval_WithoutRestart_Audited(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind, seed: true);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var engine = h.Services.GetRequiredService<ServiceOfficerEngine>();
        var reloader = h.Services.GetRequiredService<KnowledgeReloader>();
        await engine.EnsureLoadedAsync(default);
        Assert.Equal(1, engine.Current!.Rules.Version);
        Assert.IsType<OfficerAnswer>(await engine.RespondAsync(Ask(NewWordMessage), default));

        var v1 = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.InForceAsync(compliance, default));
        Assert.Equal((1, RuleListStatus.Approved, RuleListKind.Intent, "system"), (v1.Version!.Value, v1.Status, v1.Kind, v1.ReviewedBy!));
        Assert.Equal(IntentRuleSet.DefaultRules.Select(r => r.Id), v1.Rules.Select(r => r.Id));
        // The digital team and admins read; only Compliance edits and approves.
        Assert.Equal(v1.Id, (await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.InForceAsync(TestOrg.As(org.Ops), default))).Id);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.InForceAsync(TestOrg.As(org.Cm1), default)));
        foreach (var who in new[] { org.Ops, org.Admin, org.Cm1 })
        {
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.StartDraftAsync(TestOrg.As(who), null, default)));
        }

        // Compliance adds the word to the complaint keywords of a draft.
        var draft = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        var keywordRule = draft.Rules.Single(r => r.Id == "complaint.keyword");
        var bad = await Assert.ThrowsAsync<RuleListException>(() => h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e =>
            e.SaveRuleAsync(compliance, draft.Id, "complaint.keyword", keywordRule with { Keywords = [.. keywordRule.Keywords, "黑猫", "黑猫"] }, draft.Revision, default)));
        Assert.Contains(bad.Problems, p => p is { Rule: "complaint.keyword", Field: "keywords" });
        var edited = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e =>
            e.SaveRuleAsync(compliance, draft.Id, "complaint.keyword", keywordRule with { Keywords = [.. keywordRule.Keywords, "黑猫"] }, draft.Revision, default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.ApproveAsync(TestOrg.As(org.Ops), draft.Id, null, null, default)));

        // A draft changes nothing the engine decides with.
        Assert.False(await reloader.ReloadIfChangedAsync(default));
        Assert.IsType<OfficerAnswer>(await engine.RespondAsync(Ask(NewWordMessage), default));

        var v2 = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.ApproveAsync(compliance, draft.Id, "黑猫投诉平台", edited.Revision, default));
        Assert.Equal(2, v2.Version);
        var before = engine.Current;
        Assert.True(await reloader.ReloadIfChangedAsync(default));
        // The same engine, index and model; the new rules.
        Assert.Same(before.Index, engine.Current!.Index);
        Assert.Same(before.Intents, engine.Current.Intents);
        Assert.Equal(2, engine.Current.Rules.Version);
        var handoff = Assert.IsType<OfficerHandoff>(await engine.RespondAsync(Ask(NewWordMessage), default));
        Assert.Equal(HandoffReason.Complaint, handoff.Reason);
        Assert.Equal(nameof(ClientIntent.Complaint), handoff.Package.Intent);
        Assert.Contains(handoff.Explanations, x => x.Contains("complaint.keyword", StringComparison.Ordinal) && x.Contains("黑猫", StringComparison.Ordinal));
        // The guardrails stayed as they were.
        Assert.Equal(1, engine.Current.Guardrails.Version);

        var audit = (await h.RunAsync<IntentRuleEditor, IReadOnlyList<RuleChangeView>>(e => e.ChangesAsync(compliance, null, default))).OrderBy(c => c.Id).ToList();
        Assert.Equal([RuleListAction.Seeded, RuleListAction.DraftStarted, RuleListAction.RuleEdited, RuleListAction.Approved], audit.Select(c => c.Action));
        var change = audit[2];
        Assert.Equal(("compliance", "complaint.keyword"), (change.Actor, change.RuleId));
        Assert.Contains("keywords +黑猫", change.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("黑猫", change.Before!, StringComparison.Ordinal);
        Assert.Contains("黑猫", change.After!, StringComparison.Ordinal);
        Assert.Contains("complaint.keyword keywords +黑猫", audit[3].Detail, StringComparison.Ordinal);
        // The guardrail lists' audit does not see the intent lists.
        Assert.DoesNotContain(await h.RunAsync<GuardrailRuleEditor, IReadOnlyList<RuleChangeView>>(e => e.ChangesAsync(compliance, null, default)), c => c.ListId == draft.Id);
        await using var db = h.NewDb();
        Assert.Throws<InvalidOperationException>(() => db.RuleLists.Single(l => l.Kind == RuleListKind.Intent && l.Version == 2).ReplaceRules("[]", h.Clock.GetUtcNow()));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task TwoDraftsApprovedAtOnce_OneWins_TheOtherGetsAConflict(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind, seed: true);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var a = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        var b = await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.SaveRuleAsync(compliance, a.Id, null, Rule("complaint.a", ClientIntent.Complaint, "黑猫"), null, default));
        await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.SaveRuleAsync(compliance, b.Id, null, Rule("complaint.b", ClientIntent.Complaint, "12378"), null, default));

        var results = await Task.WhenAll(new[] { a.Id, b.Id }.Select(id => Task.Run(async () =>
        {
            try
            {
                await h.RunAsync<IntentRuleEditor, RuleListView<IntentRuleData>>(e => e.ApproveAsync(compliance, id, null, null, default));
                return null;
            }
            catch (RuleViolationException e)
            {
                return e.Message;
            }
        })));
        Assert.Single(results, r => r is null);
        Assert.Matches("approved since|changed by someone else|same moment", Assert.Single(results, r => r is not null)!);

        await using var db = h.NewDb();
        Assert.Equal(2, (await db.RuleLists.SingleAsync(l => l.Kind == RuleListKind.Intent && l.Status == RuleListStatus.Approved)).Version);
        Assert.Equal(1, await db.RuleLists.CountAsync(l => l.Kind == RuleListKind.Intent && l.Version == 2));
        // Each kind numbers its own versions: the guardrails are still at version 1.
        Assert.Equal(1, await h.Services.GetRequiredService<GuardrailRulesInForce>().CurrentVersionAsync(default));
    }

    [SkippableFact]
    public async Task Api_ReadersAndCompliance_BadRuleNamesRuleAndField_PreviewAndTest_StaleApprovalGets409()
    {
        await using var s = await ApiScenario.StartAsync(configure: c => c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory);
        var ops = await s.ClientAsAsync(s.Org.Ops);
        var compliance = await s.ClientAsAsync(s.Org.Compliance);
        var cm = await s.ClientAsAsync(s.Org.Cm1);

        Assert.Equal(HttpStatusCode.Forbidden, (await cm.GetAsync("/api/intent-rules/in-force")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync("/api/intent-rules/drafts", new { })).StatusCode);
        var inForce = await (await ops.GetAsync("/api/intent-rules/in-force")).Content.ReadFromJsonAsync<RuleListView<IntentRuleData>>(Json);
        Assert.Equal(1, inForce!.Version);

        var a = (await (await compliance.PostAsJsonAsync("/api/intent-rules/drafts", new { })).Content.ReadFromJsonAsync<RuleListView<IntentRuleData>>(Json))!;
        var b = (await (await compliance.PostAsJsonAsync("/api/intent-rules/drafts", new { })).Content.ReadFromJsonAsync<RuleListView<IntentRuleData>>(Json))!;
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync($"/api/intent-rules/drafts/{a.Id}/rules", new { id = "complaint.hotline", intent = "Complaint", keywords = new[] { "黑猫" } })).StatusCode);

        var bad = await compliance.PostAsJsonAsync($"/api/intent-rules/drafts/{a.Id}/rules", new { id = "complaint.hotline", intent = "Complaint", keywords = new[] { "黑猫" }, pattern = "(黑猫" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("rule complaint.hotline pattern", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var ok = await compliance.PostAsJsonAsync($"/api/intent-rules/drafts/{a.Id}/rules", new { id = "complaint.hotline", intent = "Complaint", keywords = new[] { "逆回购" } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var preview = await (await ops.GetAsync($"/api/intent-rules/drafts/{a.Id}/preview")).Content.ReadFromJsonAsync<IntentPreviewResult>(Json);
        Assert.Equal(1, preview!.InForceVersion);
        Assert.Contains(preview.Changes, c => c.Draft == ClientIntent.Complaint && c.DraftRules.Contains("complaint.hotline"));
        var test = await (await compliance.PostAsJsonAsync("/api/intent-rules/test", new { text = "逆回购在哪买", draftId = a.Id })).Content.ReadFromJsonAsync<IntentTestResult>(Json);
        Assert.Equal((ClientIntent?)ClientIntent.Complaint, test!.Strongest);
        Assert.Equal("complaint.hotline", Assert.Single(test.Hits).RuleId);

        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync($"/api/intent-rules/drafts/{a.Id}/approve", new { })).StatusCode);
        var approved = await compliance.PostAsJsonAsync($"/api/intent-rules/drafts/{a.Id}/approve", new { note = "ok" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(2, (await approved.Content.ReadFromJsonAsync<RuleListView<IntentRuleData>>(Json))!.Version);
        var stale = await compliance.PostAsJsonAsync($"/api/intent-rules/drafts/{b.Id}/approve", new { });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("v2 has been approved since", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The guardrail API is a different list.
        Assert.Equal(1, (await (await ops.GetAsync("/api/guardrails/in-force")).Content.ReadFromJsonAsync<RuleListView<GuardrailRuleData>>(Json))!.Version);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task KbImportWithApproval_ChecksAnswersAgainstTheApprovedGuardrails_NotTheCodeDefaults(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind, seed: true);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        await h.Services.GetRequiredService<ServiceOfficerEngine>().EnsureLoadedAsync(default);
        using var exported = new MemoryStream();
        await h.RunAsync<KnowledgeImport>(i => i.ExportAsync(exported, KnowledgeFileFormat.Json, KnowledgeExportSelection.Approved, default));
        var file = exported.ToArray();
        Task<KnowledgeImportResult> ImportAsync() => h.RunAsync<KnowledgeImport, KnowledgeImportResult>(i => i.ImportAsync(compliance, new MemoryStream(file), KnowledgeFileFormat.Json, "kb-test", approve: true, default));
        Assert.Equal(0, (await ImportAsync()).Approved);

        // Compliance approves a guardrail that the reverse-repo answer (KB-0010) breaks.
        var draft = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, draft.Id, null, new GuardrailRuleData("return-promise.principal-back", GuardrailKind.ReturnPromise, "返还本息"), null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, draft.Id, null, null, default));

        var rejected = await Assert.ThrowsAsync<ImportRejectedException>(ImportAsync);
        Assert.Contains(rejected.Problems, p => p.Column == "answer" && p.Reason.Contains("return-promise.principal-back", StringComparison.Ordinal));
        Assert.Contains("返还本息", Encoding.UTF8.GetString(file), StringComparison.Ordinal);
    }
}

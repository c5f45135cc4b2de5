using System.Net;
using System.Net.Http.Json;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>Stored, versioned guardrail rule lists: validation, preview, the Compliance workflow, the engine's reload and the block log.</summary>
public sealed class GuardrailRuleListTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static GuardrailRuleData Rule(string id, string pattern, GuardrailKind kind = GuardrailKind.ReturnPromise, bool enabled = true) =>
        new(id, kind, pattern, Description: "test rule", Enabled: enabled);

    private static readonly OfficerRequest RepoQuestion = new(
        new OfficerClientContext("C1", "李女士", "北区营业部", "400-000-0101", null, false, false, false, new Dictionary<string, string>()),
        "国债逆回购在哪里买？", [], "test");

    // ---- validation (unit) ----

    [Fact]
    public void Validation_NamesRuleAndField_ForEveryProblem()
    {
        var rules = new List<GuardrailRuleData>
        {
            Rule("good.rule", "内幕消息"),
            Rule("good.rule", "稳赚"),
            Rule("Bad Id!", "x"),
            Rule("broken.regex", "保本(收益"),
            Rule("empty.match", "a*"),
            Rule("client.level", "R5", GuardrailKind.Suitability),
            Rule("bad.kind", "x", (GuardrailKind)99),
            new("long.description", GuardrailKind.PriceForecast, "必涨", Description: new string('说', GuardrailRuleValidation.MaxDescription + 1)),
            new("bad.negation", GuardrailKind.PriceForecast, "必涨", NegatedBy: "不(会"),
            Rule("", "x"),
        };
        var problems = GuardrailRuleValidation.Problems(rules);
        Assert.Contains(problems, p => p is { Rule: "good.rule", Field: "id" } && p.Reason.Contains("same id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "Bad Id!", Field: "id" });
        Assert.Contains(problems, p => p is { Rule: "broken.regex", Field: "pattern" } && p.Reason.Contains("not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "empty.match", Field: "pattern" } && p.Reason.Contains("empty text", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Rule: "client.level", Field: "kind" });
        Assert.Contains(problems, p => p is { Rule: "bad.kind", Field: "kind" });
        Assert.Contains(problems, p => p is { Rule: "long.description", Field: "description" });
        Assert.Contains(problems, p => p is { Rule: "bad.negation", Field: "negatedBy" });
        Assert.Contains(problems, p => p is { Rule: "#10", Field: "id" } && p.Reason.Contains("empty", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Rule == "good.rule" && p.Field != "id");
        var e = Assert.Throws<RuleListException>(() => GuardrailRuleValidation.Validate(rules));
        Assert.Contains("rule broken.regex pattern:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(a+)+b")]
    [InlineData("(保|保保)+x")]
    [InlineData("(\\d+)*[a-z]$")]
    public void Validation_RejectsCatastrophicBacktracking(string pattern)
    {
        var problems = GuardrailRuleValidation.Problems([Rule("slow.rule", pattern)]);
        var p = Assert.Single(problems);
        Assert.Equal(("slow.rule", "pattern"), (p.Rule, p.Field));
        Assert.Contains("catastrophic backtracking", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_AcceptsTheShippedRules()
    {
        Assert.Empty(GuardrailRuleValidation.Problems([.. GuardrailRuleSet.DefaultRules.Select(GuardrailRuleData.From)]));
    }

    [Fact]
    public void TestText_NamesTheRuleAndTheSpan_DisabledRulesDoNotFire()
    {
        var rules = new List<GuardrailRuleData> { Rule("insider.tip", "内幕消息", GuardrailKind.SecurityRecommendation), Rule("off.rule", "打听", enabled: false) };
        var r = GuardrailPreview.Test(rules, "我这有内幕消息，打听到的");
        var hit = Assert.Single(r.Hits);
        Assert.Equal("insider.tip", hit.RuleId);
        Assert.Equal("内幕消息", r.Normalized.Substring(hit.Start, hit.Length));
        Assert.Empty(GuardrailPreview.Test(rules, "没有问题").Hits);
    }

    [Fact]
    public void Preview_ComputesCatchRateFalseBlocksAndNewlyBlockedAnswers_FromTheCorpus()
    {
        var current = GuardrailRuleSet.Default();
        var corpus = OfficerFixtures.Load();
        var answers = corpus.Entries.Select(e => (e.Id, e.Question, e.Answer)).ToList();
        var violations = SeedFiles.ReadLabelled(OfficerFixtures.File("guardrail-violations.jsonl"), "rule");
        var allowed = SeedFiles.ReadTexts(OfficerFixtures.File("guardrail-allowed.jsonl"));
        // The draft adds a rule that fires on one approved answer and drops the AML rule.
        var draftRules = GuardrailRuleSet.DefaultRules.Where(r => r.Id != "aml.tip-off").Select(GuardrailRuleData.From)
            .Append(Rule("return-promise.principal-back", "返还本息")).ToList();
        var draft = GuardrailRuleData.Compile(draftRules, 0);

        var same = GuardrailPreview.Compare(current, current, answers, violations, allowed, "fixture");
        Assert.Equal(same.InForce, same.Draft);
        Assert.Empty(same.NewlyBlockedAnswers);

        var r = GuardrailPreview.Compare(current, draft, answers, violations, allowed, "fixture");
        var newly = Assert.Single(r.NewlyBlockedAnswers);
        Assert.Equal("KB-0010", newly.EntryId);
        Assert.Equal(["return-promise.principal-back"], newly.RuleIds);
        Assert.Equal(r.InForce.AnswersBlocked + 1, r.Draft.AnswersBlocked);
        // The answer, and an allowed text of the corpus that says the same ("逆回购到期自动返还本息"), become false blocks.
        Assert.Equal(r.InForce.FalseBlocks + 2, r.Draft.FalseBlocks);
        Assert.Contains(r.ChangedOutcomes, c => c.Expected == "pass" && c.Text == "逆回购到期自动返还本息" && c.DraftRules.SequenceEqual(["return-promise.principal-back"]));
        // Every AML violation the default rules caught only with the AML rule is now missed.
        var amlOnly = violations.Count(v => current.Check(v.Text).Violations.All(x => x.RuleId == "aml.tip-off") && current.Check(v.Text).Blocked);
        Assert.True(amlOnly > 0);
        Assert.Equal(r.InForce.Caught - amlOnly, r.Draft.Caught);
        Assert.Equal(amlOnly, r.ChangedOutcomes.Count(c => c.Expected == "block"));
        Assert.Equal(violations.Count, r.Draft.Violations);
        Assert.Equal(allowed.Count + answers.Count, r.Draft.AllowedTexts);
        Assert.Equal(1, r.Firing.Single(f => f.RuleId == "return-promise.principal-back").OnAnswers);
    }

    // ---- workflow (integration) ----

    private static Task<CoreHarness> StartAsync(StoreKind kind) => KnowledgeBaseTests.StartAsync(kind, seed: true);

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Compliance_EditsApproves_EngineBlocksWithTheNewRule_DisabledRuleStops_RollbackAndAudit(StoreKind kind)
    {
        await using var h = await StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var engine = h.Services.GetRequiredService<ServiceOfficerEngine>();
        var reloader = h.Services.GetRequiredService<KnowledgeReloader>();
        await engine.EnsureLoadedAsync(default);
        Assert.Equal(1, engine.Current!.Guardrails.Version);
        Assert.IsType<OfficerAnswer>(await engine.RespondAsync(RepoQuestion, default));

        // Version 1 is the shipped rules, approved by "system".
        var v1 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.InForceAsync(compliance, default));
        Assert.Equal((1, RuleListStatus.Approved, "system"), (v1.Version!.Value, v1.Status, v1.ReviewedBy!));
        Assert.Equal(GuardrailRuleSet.DefaultRules.Select(r => r.Id), v1.Rules.Select(r => r.Id));

        // Nobody but Compliance edits or approves.
        foreach (var who in new[] { org.Ops, org.Admin, org.Cm1 })
        {
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(TestOrg.As(who), null, default)));
        }
        var draft = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(TestOrg.As(org.Ops), draft.Id, null, null, default)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(TestOrg.As(org.Admin), draft.Id, null, Rule("x.y", "z"), null, default)));

        // A bad rule is refused and nothing is stored.
        var bad = await Assert.ThrowsAsync<RuleListException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, draft.Id, null, Rule("return-promise.principal-back", "(返+)+本息"), draft.Revision, default)));
        Assert.Contains(bad.Problems, p => p.Rule == "return-promise.principal-back" && p.Field == "pattern");
        var edited = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, draft.Id, null, Rule("return-promise.principal-back", "返还本息"), draft.Revision, default));
        Assert.Equal(draft.Rules.Count + 1, edited.Rules.Count);
        // A stale revision is refused rather than overwriting someone else's edit.
        await Assert.ThrowsAsync<RuleViolationException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.DeleteRuleAsync(compliance, draft.Id, "aml.tip-off", draft.Revision, default)));

        // A draft changes nothing the engine checks with.
        Assert.False(await reloader.ReloadIfChangedAsync(default));
        var v2 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, draft.Id, "本息返还的说法像保本承诺", edited.Revision, default));
        Assert.Equal(2, v2.Version);
        var before = engine.Current;
        Assert.True(await reloader.ReloadIfChangedAsync(default));
        // Only the rules changed: the same index and models, the new rules.
        Assert.Same(before.Index, engine.Current!.Index);
        Assert.Equal(2, engine.Current.Guardrails.Version);
        var blocked = Assert.IsType<OfficerHandoff>(await engine.RespondAsync(RepoQuestion, default));
        Assert.Equal(HandoffReason.GuardrailBlocked, blocked.Reason);
        Assert.Equal(new GuardrailHit("return-promise.principal-back", GuardrailKind.ReturnPromise, 2, GuardrailBlockSource.Answer), Assert.Single(blocked.GuardrailHits));

        // Disabling the rule in the next version lets the answer through again.
        var d3 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, d3.Id, "return-promise.principal-back", Rule("return-promise.principal-back", "返还本息", enabled: false), null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, d3.Id, null, null, default));
        Assert.True(await reloader.ReloadIfChangedAsync(default));
        Assert.IsType<OfficerAnswer>(await engine.RespondAsync(RepoQuestion, default));

        // Rollback: version 1's content approved again, as version 4.
        var d4 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, 1, default));
        var v4 = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, d4.Id, "rollback", null, default));
        Assert.Equal(4, v4.Version);
        Assert.Equal(v1.Rules, v4.Rules);

        var history = await h.RunAsync<GuardrailRuleEditor, IReadOnlyList<RuleListView<GuardrailRuleData>>>(e => e.ListAsync(compliance, default));
        Assert.Equal([4, 3, 2, 1], history.Select(l => l.Version!.Value));
        Assert.Equal([RuleListStatus.Approved, RuleListStatus.Superseded, RuleListStatus.Superseded, RuleListStatus.Superseded], history.Select(l => l.Status));
        var audit = (await h.RunAsync<GuardrailRuleEditor, IReadOnlyList<RuleChangeView>>(e => e.ChangesAsync(compliance, null, default))).OrderBy(c => c.Id).ToList();
        Assert.Equal(
        [
            RuleListAction.Seeded, RuleListAction.DraftStarted, RuleListAction.RuleAdded, RuleListAction.Approved,
            RuleListAction.DraftStarted, RuleListAction.RuleEdited, RuleListAction.Approved, RuleListAction.DraftStarted, RuleListAction.Approved,
        ], audit.Select(c => c.Action));
        Assert.All(audit.Skip(1), c => Assert.Equal("compliance", c.Actor));
        var disabled = audit.Single(c => c.Action == RuleListAction.RuleEdited);
        Assert.Equal("return-promise.principal-back", disabled.RuleId);
        Assert.Contains("\"enabled\":true", disabled.Before!, StringComparison.Ordinal);
        Assert.Contains("\"enabled\":false", disabled.After!, StringComparison.Ordinal);
        Assert.Contains("disabled", disabled.Detail, StringComparison.Ordinal);
        Assert.Contains("v1", audit[^2].Detail, StringComparison.Ordinal);
        Assert.Contains("本息返还的说法像保本承诺", audit.First(c => c.Action == RuleListAction.Approved).Detail, StringComparison.Ordinal);
        await using var db = h.NewDb();
        Assert.Throws<InvalidOperationException>(() => db.RuleLists.Single(l => l.Kind == RuleListKind.Guardrail && l.Version == 2).ReplaceRules("[]", h.Clock.GetUtcNow()));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task TwoDraftsApprovedAtOnce_OneWins_TheOtherGetsAConflict(StoreKind kind)
    {
        await using var h = await StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var a = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        var b = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, a.Id, null, Rule("a.rule", "内幕消息"), null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, b.Id, null, Rule("b.rule", "小道消息"), null, default));

        var results = await Task.WhenAll(new[] { a.Id, b.Id }.Select(id => Task.Run(async () =>
        {
            try
            {
                await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, id, null, null, default));
                return null;
            }
            catch (RuleViolationException e)
            {
                return e.Message;
            }
        })));
        Assert.Single(results, r => r is null);
        var conflict = Assert.Single(results, r => r is not null);
        Assert.Matches("approved since|changed by someone else|same moment", conflict!);

        await using var db = h.NewDb();
        var approved = await db.RuleLists.SingleAsync(l => l.Kind == RuleListKind.Guardrail && l.Status == RuleListStatus.Approved);
        Assert.Equal(2, approved.Version);
        Assert.Equal(1, await db.RuleLists.CountAsync(l => l.Kind == RuleListKind.Guardrail && l.Version == 2));
        // The loser stays a draft; approving it now is refused with the reason.
        var loser = await db.RuleLists.SingleAsync(l => l.Kind == RuleListKind.Guardrail && l.Status == RuleListStatus.Draft);
        var again = await Assert.ThrowsAsync<RuleViolationException>(() => h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, loser.Id, null, null, default)));
        Assert.Contains("v2 has been approved since", again.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OfficerBlock_IsLoggedWithRuleAndConversation_NeverTheText(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", ScriptedOfficer.BlockedQuestion);
        await s.DrainAsync();
        var conversation = await s.ConversationAsync("P400");

        await using var db = s.NewDb();
        var block = await db.GuardrailBlocks.SingleAsync();
        Assert.Equal(("return-promise.guarantee", GuardrailKind.ReturnPromise, 1, GuardrailBlockSource.Answer), (block.RuleId, block.Kind, block.RuleSetVersion, block.Source));
        Assert.Equal(conversation.Id, block.ConversationId);
        Assert.Equal(conversation.ClientId, block.ClientId);
        var ticket = await db.Tickets.SingleAsync(t => t.ConversationId == conversation.Id);
        Assert.Equal(HandoffReason.GuardrailBlocked, ticket.Reason);
        Assert.Equal(ticket.Id, block.TicketId);
        Assert.Equal(s.H.Clock.GetUtcNow(), block.At);
        // No column of the block holds message text.
        var row = await db.Database.SqlQueryRaw<string>(
            """SELECT "RuleId" || '|' || "Kind" || '|' || "Source" || '|' || COALESCE("Reference", '') AS "Value" FROM "GuardrailBlocks" """).SingleAsync();
        Assert.DoesNotContain("稳赚", row, StringComparison.Ordinal);
        Assert.DoesNotContain("理财", row, StringComparison.Ordinal);

        var counts = await s.H.RunAsync<GuardrailBlockLog, IReadOnlyList<GuardrailBlockCount>>(l => l.CountsAsync(TestOrg.As(s.Org.Compliance), s.H.Clock.GetUtcNow().AddDays(-1), s.H.Clock.GetUtcNow().AddDays(1), default));
        Assert.Equal(("return-promise.guarantee", 1), (Assert.Single(counts).RuleId, counts[0].Blocks));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.H.RunAsync<GuardrailBlockLog, IReadOnlyList<GuardrailBlockRow>>(l => l.RecentAsync(TestOrg.As(s.Org.Cm1), null, 10, default)));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task KnowledgeEditor_ChecksWithTheRulesInForce_AndLogsTheBlock(StoreKind kind)
    {
        await using var h = await StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var compliance = TestOrg.As(org.Compliance);
        var answer = "{客户称呼}您好，数字人民币钱包签约请在App首页点击“数字人民币”，我们有内幕消息渠道。";
        // Allowed under version 1.
        var first = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(TestOrg.As(org.Ops), KnowledgeBaseTests.WalletDraft(answer), default));

        var draft = await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.StartDraftAsync(compliance, null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.SaveRuleAsync(compliance, draft.Id, null, Rule("recommendation.insider", "内幕消息", GuardrailKind.SecurityRecommendation), null, default));
        await h.RunAsync<GuardrailRuleEditor, RuleListView<GuardrailRuleData>>(e => e.ApproveAsync(compliance, draft.Id, null, null, default));

        var e = await Assert.ThrowsAsync<KnowledgeDraftException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, first.Id, null, default)));
        Assert.Contains(e.Problems, p => p.Field == "answer" && p.Reason.Contains("recommendation.insider", StringComparison.Ordinal));
        await using var db = h.NewDb();
        var block = await db.GuardrailBlocks.SingleAsync();
        Assert.Equal(("recommendation.insider", 2, GuardrailBlockSource.KnowledgeEditor, first.EntryId), (block.RuleId, block.RuleSetVersion, block.Source, block.Reference));
        Assert.Null(block.ConversationId);
    }

    [SkippableFact]
    public async Task Api_NonComplianceGets403_BadRuleGetsProblemDetailsNamingRuleAndField()
    {
        await using var s = await ApiScenario.StartAsync(configure: c => c["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory);
        var ops = await s.ClientAsAsync(s.Org.Ops);
        var compliance = await s.ClientAsAsync(s.Org.Compliance);
        var cm = await s.ClientAsAsync(s.Org.Cm1);

        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync("/api/guardrails/drafts", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cm.GetAsync("/api/guardrails/in-force")).StatusCode);
        var inForce = await (await ops.GetAsync("/api/guardrails/in-force")).Content.ReadFromJsonAsync<RuleListView<GuardrailRuleData>>(Json);
        Assert.Equal(1, inForce!.Version);

        var created = await compliance.PostAsJsonAsync("/api/guardrails/drafts", new { });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var draft = (await created.Content.ReadFromJsonAsync<RuleListView<GuardrailRuleData>>(Json))!;
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsJsonAsync($"/api/guardrails/drafts/{draft.Id}/approve", new { })).StatusCode);

        var bad = await compliance.PostAsJsonAsync($"/api/guardrails/drafts/{draft.Id}/rules", new { id = "insider.tip", kind = "SecurityRecommendation", pattern = "(内幕" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("rule insider.tip pattern", problem, StringComparison.Ordinal);

        var ok = await compliance.PostAsJsonAsync($"/api/guardrails/drafts/{draft.Id}/rules", new { id = "insider.tip", kind = "SecurityRecommendation", pattern = "内幕消息" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var preview = await (await compliance.GetAsync($"/api/guardrails/drafts/{draft.Id}/preview")).Content.ReadFromJsonAsync<GuardrailPreviewResult>(Json);
        Assert.Equal(1, preview!.InForceVersion);
        Assert.True(preview.Draft.Violations > 0);
        var test = await (await compliance.PostAsJsonAsync("/api/guardrails/test", new { text = "我有内幕消息", draftId = draft.Id })).Content.ReadFromJsonAsync<GuardrailTestResult>(Json);
        Assert.Equal("insider.tip", Assert.Single(test!.Hits).RuleId);
        var approved = await compliance.PostAsJsonAsync($"/api/guardrails/drafts/{draft.Id}/approve", new { note = "ok" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(2, (await approved.Content.ReadFromJsonAsync<RuleListView<GuardrailRuleData>>(Json))!.Version);
    }
}

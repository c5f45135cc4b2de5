using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;
using CoServe.Tests.ServiceOfficer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>Workflow rules of the stored knowledge base, what feeds the engine, and the engine's reload.</summary>
public sealed class KnowledgeBaseTests
{
    internal static KnowledgeDraft WalletDraft(string? answer = null, DateOnly? from = null, DateOnly? to = null) => new(
        "App 使用",
        "怎么签约数字人民币钱包？",
        ["数字人民币钱包在哪里签约", "数币钱包怎么绑定证券账户", "数字人民币怎么开通签约"],
        answer ?? "{客户称呼}您好，数字人民币钱包签约请在App首页点击“数字人民币”，按提示完成签约。如有疑问请致电{营业部电话}。",
        null,
        ["数字人民币"],
        from,
        to);

    internal static Task<CoreHarness> StartAsync(StoreKind kind, bool seed = false) =>
        CoreHarness.StartAsync(kind, s =>
        {
            s["KnowledgeBase:ImportSeedWhenEmpty"] = seed ? "true" : "false";
            s["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
        });

    internal static async Task<TestOrg> OrgAsync(CoreHarness h)
    {
        await using var db = h.NewDb();
        return await TestOrg.CreateAsync(db);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Workflow_OnlyComplianceApproves_ApprovedIsImmutable_EveryChangeAudited(StoreKind kind)
    {
        await using var h = await StartAsync(kind);
        var org = await OrgAsync(h);
        var ops = TestOrg.As(org.Ops);
        var compliance = TestOrg.As(org.Compliance);

        var v1 = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(ops, WalletDraft(), default));
        Assert.Equal(KnowledgeStatus.Draft, v1.Status);
        Assert.Equal("KB-0001", v1.EntryId);

        // Nobody but Compliance approves: not the author, not an admin, not a client manager.
        foreach (var who in new[] { org.Ops, org.Admin, org.Cm1 })
        {
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(TestOrg.As(who), v1.Id, null, default)));
        }
        // Compliance reviews but does not write.
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(compliance, WalletDraft(), default)));

        await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.SubmitAsync(ops, "KB-0001", default));
        var approved = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, v1.Id, "ok", default));
        Assert.Equal(KnowledgeStatus.Approved, approved.Status);

        // Editing approved content leaves it as it was and starts version 2.
        var edited = WalletDraft() with { Paraphrases = ["数字人民币钱包在哪里签约", "数币钱包怎么绑定证券账户", "数字人民币怎么开通签约", "数币签约入口在哪"] };
        var v2 = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.EditAsync(ops, "KB-0001", edited, null, default));
        Assert.Equal(2, v2.Version);
        Assert.Equal(KnowledgeStatus.Draft, v2.Status);
        await using (var db = h.NewDb())
        {
            var stored1 = await db.KnowledgeVersions.SingleAsync(v => v.Id == v1.Id);
            Assert.Equal(KnowledgeStatus.Approved, stored1.Status);
            Assert.Equal(3, stored1.ToDraft().Paraphrases.Count);
            Assert.Throws<InvalidOperationException>(() => stored1.Edit(edited, h.Clock.GetUtcNow()));
        }

        // A rejection needs a reason; a rejected version is final, the next edit is version 3.
        await Assert.ThrowsAsync<ArgumentException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.RejectAsync(compliance, v2.Id, " ", default)));
        var rejected = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.RejectAsync(compliance, v2.Id, "入口名称不准确", default));
        Assert.Equal(KnowledgeStatus.Rejected, rejected.Status);
        await Assert.ThrowsAsync<RuleViolationException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, v2.Id, null, default)));
        var v3 = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.EditAsync(ops, "KB-0001", edited with { Tags = ["数字人民币", "签约"] }, null, default));
        Assert.Equal(3, v3.Version);

        // A stale revision is refused rather than overwriting someone else's change.
        await Assert.ThrowsAsync<RuleViolationException>(() => h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.EditAsync(ops, "KB-0001", WalletDraft(), 1, default)));

        // The review queue shows the pending version with its diff against the approved one.
        var queue = await h.RunAsync<KnowledgeBase, IReadOnlyList<KnowledgeReviewItem>>(kb => kb.ReviewQueueAsync(default));
        var item = Assert.Single(queue);
        Assert.Equal(3, item.Version.Version);
        Assert.Equal(1, item.Approved!.Version);
        Assert.Contains(item.Changes, c => c.Field == "paraphrases" && c.Added.SequenceEqual(["数币签约入口在哪"]));
        Assert.Contains(item.Changes, c => c.Field == "tags" && c.Added.SequenceEqual(["签约"]));

        await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, v3.Id, null, default));
        var detail = (await h.RunAsync<KnowledgeBase, KnowledgeEntryDetail?>(kb => kb.GetAsync("kb-0001", default)))!;
        Assert.Equal([KnowledgeStatus.Approved, KnowledgeStatus.Rejected, KnowledgeStatus.Superseded], detail.Versions.Select(v => v.Status));
        Assert.Equal(3, detail.Approved!.Version);
        var audit = detail.Changes.OrderBy(c => c.Id).Select(c => (c.Action, c.Actor, c.Version)).ToList();
        Assert.Equal(
        [
            (KnowledgeAction.Created, "ops", 1), (KnowledgeAction.Submitted, "ops", 1), (KnowledgeAction.Approved, "compliance", 1),
            (KnowledgeAction.Edited, "ops", 2), (KnowledgeAction.Rejected, "compliance", 2), (KnowledgeAction.Edited, "ops", 3),
            (KnowledgeAction.Approved, "compliance", 3),
        ], audit);
        Assert.All(detail.Changes, c => Assert.Equal(h.Clock.GetUtcNow(), c.At));
        Assert.Contains("数币签约入口在哪", detail.Changes.Single(c => c.Version == 2 && c.Action == KnowledgeAction.Edited).Detail, StringComparison.Ordinal);
        Assert.Contains("入口名称不准确", detail.Changes.Single(c => c.Action == KnowledgeAction.Rejected).Detail, StringComparison.Ordinal);

        // Retiring takes it out of service; it is recorded too.
        await h.RunAsync<KnowledgeBase>(kb => kb.RetireAsync(ops, "KB-0001", "活动结束", default));
        detail = (await h.RunAsync<KnowledgeBase, KnowledgeEntryDetail?>(kb => kb.GetAsync("KB-0001", default)))!;
        Assert.True(detail.Retired);
        Assert.Null(detail.Approved);
        Assert.Equal(KnowledgeAction.Retired, detail.Changes[0].Action);
    }

    [Fact]
    public void Draft_Validation_NamesEveryBadField()
    {
        var bad = new KnowledgeDraft("", " ", ["怎么签约", "怎么签约！", "x"], "您好，请致电{客服热线}。{营业部电话", null, [], new DateOnly(2026, 12, 31), new DateOnly(2026, 1, 1));
        var problems = bad.Problems(3);
        Assert.Contains(problems, p => p.Field == "category");
        Assert.Contains(problems, p => p.Field == "question" && p.Reason.Contains("empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "paraphrases[2]" && p.Reason.Contains("duplicates paraphrase 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "answer" && p.Reason.Contains("unknown variable {客服热线}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "answer" && p.Reason.Contains("without '}'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "effectiveTo" && p.Reason.Contains("inverted", StringComparison.Ordinal));

        var promise = WalletDraft("{客户称呼}您好，这款产品保本保收益，稳赚不赔。") with { ProductRiskLevel = ProductRiskLevel.R2 };
        var ps = promise.Problems(3);
        Assert.Contains(ps, p => p.Field == "answer" && p.Reason.Contains("guardrail", StringComparison.Ordinal));
        Assert.Contains(ps, p => p.Field == "answer" && p.Reason.Contains("risk reminder", StringComparison.Ordinal));
        Assert.Empty(WalletDraft().Problems(3));
        Assert.Contains(WalletDraft().Problems(4), p => p.Field == "paraphrases");
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Source_ImportsSeedOnce_ThenFeedsOnlyApprovedAndEffectiveEntries(StoreKind kind)
    {
        await using var h = await StartAsync(kind, seed: true);
        var org = await OrgAsync(h);
        var source = h.Services.GetRequiredService<DbKnowledgeSource>();
        var seedCount = new SeedKnowledgeSource(OfficerFixtures.Directory).Load().Entries.Count;

        var first = await source.LoadAsync(default);
        Assert.Equal(seedCount, first.Entries.Count);
        Assert.NotEmpty(first.Synonyms);
        Assert.NotEmpty(first.IntentExamples);
        var second = await source.LoadAsync(default);
        Assert.Equal(first.Entries.Select(e => e.Id), second.Entries.Select(e => e.Id));
        await using (var db = h.NewDb())
        {
            Assert.Equal(seedCount, await db.KnowledgeItems.CountAsync());
            Assert.Equal(seedCount, await db.KnowledgeVersions.CountAsync(v => v.Status == KnowledgeStatus.Approved && v.ReviewedBy == KnowledgeImport.SeedActor));
            Assert.All(await db.KnowledgeChanges.ToListAsync(), c => Assert.Equal(KnowledgeImport.SeedActor, c.Actor));
        }

        var ops = TestOrg.As(org.Ops);
        var compliance = TestOrg.As(org.Compliance);
        // A draft is not used.
        var draft = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(ops, WalletDraft(), default));
        Assert.DoesNotContain((await source.LoadAsync(default)).Entries, e => e.Id == draft.EntryId);
        // Approved but effective only from tomorrow (Shanghai): not yet.
        var today = CoServe.Platform.Time.BusinessTime.Today(h.Clock);
        var future = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.EditAsync(ops, draft.EntryId, WalletDraft(from: today.AddDays(1)), null, default));
        await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, future.Id, null, default));
        Assert.DoesNotContain((await source.LoadAsync(default)).Entries, e => e.Id == draft.EntryId);
        h.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Contains((await source.LoadAsync(default)).Entries, e => e.Id == draft.EntryId);
        // Expired entries and retired entries are not used either.
        h.Clock.Advance(TimeSpan.FromDays(1));
        var expired = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.EditAsync(ops, draft.EntryId, WalletDraft(from: today, to: today), null, default));
        await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(compliance, expired.Id, null, default));
        Assert.DoesNotContain((await source.LoadAsync(default)).Entries, e => e.Id == draft.EntryId);
        var someSeed = first.Entries[0].Id;
        await h.RunAsync<KnowledgeBase>(kb => kb.RetireAsync(compliance, someSeed, "过时", default));
        var after = await source.LoadAsync(default);
        Assert.DoesNotContain(after.Entries, e => e.Id == someSeed);
        Assert.Equal(seedCount - 1, after.Entries.Count);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Engine_ReloadsAfterApproval_AndAnswersFromTheNewEntry(StoreKind kind)
    {
        await using var h = await StartAsync(kind, seed: true);
        var org = await OrgAsync(h);
        var engine = h.Services.GetRequiredService<ServiceOfficerEngine>();
        var reloader = h.Services.GetRequiredService<KnowledgeReloader>();
        var before = await engine.EnsureLoadedAsync(default);
        Assert.False(await reloader.ReloadIfChangedAsync(default));

        var question = "数字人民币钱包怎么签约";
        var ask = new AskRequest(question);
        var old = await h.RunAsync<KnowledgeAsk, AskResult>(a => a.AskAsync(ask, default));
        Assert.DoesNotContain(old.Ranking, c => c.Question == WalletDraft().Question);

        var draft = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(TestOrg.As(org.Ops), WalletDraft(), default));
        // A draft changes nothing the engine answers from.
        Assert.False(await reloader.ReloadIfChangedAsync(default));
        await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(TestOrg.As(org.Compliance), draft.Id, null, default));
        // Until the reload, the old snapshot serves.
        Assert.Same(before, engine.Current);
        Assert.True(await reloader.ReloadIfChangedAsync(default));
        Assert.NotSame(before, engine.Current);
        Assert.False(await reloader.ReloadIfChangedAsync(default));

        var now = await h.RunAsync<KnowledgeAsk, AskResult>(a => a.AskAsync(ask, default));
        Assert.Equal(AskOutcome.Answer, now.Outcome);
        Assert.Equal(draft.EntryId, now.EntryId);
        Assert.Equal(draft.EntryId, now.Ranking[0].EntryId);
        Assert.Contains("数字人民币", now.Text, StringComparison.Ordinal);
        Assert.Contains(now.Explanations, e => e.StartsWith("answer " + draft.EntryId, StringComparison.Ordinal));
        var decision = await engine.RespondAsync(new OfficerRequest(new OfficerClientContext("C1", "李女士", "北区营业部", "400-000-0101", null, false, false, false, new Dictionary<string, string>()), question, [], "test"), default);
        var answer = Assert.IsType<OfficerAnswer>(decision);
        Assert.Equal(draft.EntryId, answer.KnowledgeEntryId);
        Assert.Contains("400-000-0101", answer.Text, StringComparison.Ordinal);

        // Retiring takes it out again.
        await h.RunAsync<KnowledgeBase>(kb => kb.RetireAsync(TestOrg.As(org.Compliance), draft.EntryId, "停用", default));
        Assert.True(await reloader.ReloadIfChangedAsync(default));
        Assert.NotEqual(draft.EntryId, (await h.RunAsync<KnowledgeAsk, AskResult>(a => a.AskAsync(ask, default))).EntryId);
    }

    [Fact]
    public async Task Reloader_DebouncesSignals_AndReloadsInTheBackground()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite, s =>
        {
            s["ServiceOfficer:SeedDirectory"] = OfficerFixtures.Directory;
            s["KnowledgeBase:ReloadDebounceMilliseconds"] = "200";
        });
        var org = await OrgAsync(h);
        var engine = h.Services.GetRequiredService<ServiceOfficerEngine>();
        var reloader = h.Services.GetRequiredService<KnowledgeReloader>();
        var before = await engine.EnsureLoadedAsync(default);
        using var cts = new CancellationTokenSource();
        var loop = reloader.RunAsync(cts.Token);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var d = await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.CreateAsync(TestOrg.As(org.Ops), WalletDraft() with { Question = $"数字人民币钱包签约问题{i}？" }, default));
            await h.RunAsync<KnowledgeBase, KnowledgeVersionView>(kb => kb.ApproveAsync(TestOrg.As(org.Compliance), d.Id, null, default));
            ids.Add(d.EntryId);
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!ids.All(id => engine.Current!.EntryOrdinals.ContainsKey(id)) && waited.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(100);
        Assert.NotSame(before, engine.Current);
        Assert.All(ids, id => Assert.True(engine.Current!.EntryOrdinals.ContainsKey(id)));
        await cts.CancelAsync();
        await loop;
    }
}

using System.Text;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Platform.Csv;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>Import and export of the knowledge base: round trips, strict rejection, idempotent re-import.</summary>
public sealed class KnowledgeBaseFileTests
{
    private static async Task<(CoreHarness H, TestOrg Org)> StartWithSeedAsync(StoreKind kind)
    {
        var h = await KnowledgeBaseTests.StartAsync(kind, seed: true);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        await h.Services.GetRequiredService<DbKnowledgeSource>().LoadAsync(default);
        return (h, org);
    }

    private static async Task<byte[]> ExportAsync(CoreHarness h, KnowledgeFileFormat format, KnowledgeExportSelection which = KnowledgeExportSelection.Approved)
    {
        using var ms = new MemoryStream();
        await h.RunAsync<KnowledgeImport>(i => i.ExportAsync(ms, format, which, default));
        return ms.ToArray();
    }

    private static Task<KnowledgeImportResult> ImportAsync(CoreHarness h, CoServe.Features.Organization.StaffMember who, byte[] file, KnowledgeFileFormat format, bool approve) =>
        h.RunAsync<KnowledgeImport, KnowledgeImportResult>(i => i.ImportAsync(TestOrg.As(who), new MemoryStream(file), format, "kb-test", approve, default));

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite, KnowledgeFileFormat.Json)]
    [InlineData(StoreKind.Sqlite, KnowledgeFileFormat.Xlsx)]
    [InlineData(StoreKind.Postgres, KnowledgeFileFormat.Json)]
    [InlineData(StoreKind.Postgres, KnowledgeFileFormat.Xlsx)]
    public async Task ExportThenImport_IntoAnotherStore_RoundTrips_AndReimportChangesNothing(StoreKind kind, KnowledgeFileFormat format)
    {
        var (a, _) = await StartWithSeedAsync(kind);
        await using var _a = a;
        var exported = await ExportAsync(a, format);

        await using var b = await KnowledgeBaseTests.StartAsync(kind, seed: false);
        var org = await KnowledgeBaseTests.OrgAsync(b);
        // Drafts first (the digital team), then Compliance approves the same file: the drafts become approved.
        var drafts = await ImportAsync(b, org.Ops, exported, format, approve: false);
        Assert.Equal(drafts.Entries, drafts.Created);
        // Drafts feed nothing: the approved export is still empty.
        Assert.Equal("[]", Encoding.UTF8.GetString(await ExportAsync(b, KnowledgeFileFormat.Json)));
        var approved = await ImportAsync(b, org.Compliance, exported, format, approve: true);
        Assert.Equal(drafts.Entries, approved.Approved);
        Assert.Equal(0, approved.Created);

        Assert.Equal(await ExportAsync(a, KnowledgeFileFormat.Json), await ExportAsync(b, KnowledgeFileFormat.Json));

        // Re-importing the same file is a no-op, with or without approval.
        await using (var db = b.NewDb())
        {
            var versions = await db.KnowledgeVersions.CountAsync();
            var changes = await db.KnowledgeChanges.CountAsync();
            var again = await ImportAsync(b, org.Compliance, exported, format, approve: true);
            Assert.Equal(again.Entries, again.Unchanged);
            var drafted = await ImportAsync(b, org.Ops, exported, format, approve: false);
            Assert.Equal(drafted.Entries, drafted.Unchanged);
            Assert.Equal(versions, await db.KnowledgeVersions.CountAsync());
            Assert.Equal(changes, await db.KnowledgeChanges.CountAsync());
        }
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_ChangedEntry_MakesNewDraftVersion_ApprovalOnlyByCompliance(StoreKind kind)
    {
        var (h, org) = await StartWithSeedAsync(kind);
        await using var _ = h;
        var json = Encoding.UTF8.GetString(await ExportAsync(h, KnowledgeFileFormat.Json));
        var changed = Encoding.UTF8.GetBytes(json.Replace("\"tags\": [", "\"tags\": [\n      \"导入\",", StringComparison.Ordinal));

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ImportAsync(h, org.Ops, changed, KnowledgeFileFormat.Json, approve: true));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ImportAsync(h, org.Admin, changed, KnowledgeFileFormat.Json, approve: true));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ImportAsync(h, org.Cm1, changed, KnowledgeFileFormat.Json, approve: false));

        var r = await ImportAsync(h, org.Ops, changed, KnowledgeFileFormat.Json, approve: false);
        Assert.Equal(r.Entries, r.Changed);
        await using var db = h.NewDb();
        Assert.Equal(r.Entries, await db.KnowledgeVersions.CountAsync(v => v.Version == 2 && v.Status == KnowledgeStatus.Draft && v.Tags.StartsWith("导入")));
        // The approved versions still serve until Compliance approves.
        Assert.DoesNotContain((await KnowledgeImport.ApprovedEntriesAsync(db, default)).SelectMany(e => e.Tags), t => t == "导入");
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_BadRows_RejectsWholeFile_WithLineAndField_NothingWritten(StoreKind kind)
    {
        await using var h = await KnowledgeBaseTests.StartAsync(kind);
        var org = await KnowledgeBaseTests.OrgAsync(h);
        var json = """
            [
              {"id": "KB-0901", "category": "App 使用", "question": "怎么签约数字人民币钱包？", "paraphrases": ["数币钱包在哪签约", "数字人民币怎么开通", "数币签约入口"], "answer": "{客户称呼}您好，请在App首页签约。"},
              {"id": "KB-0902", "category": "App 使用", "question": "", "paraphrases": ["a1", "a2", "a3"], "answer": "您好"},
              {"id": "KB-0903", "category": "App 使用", "question": "问题三",
               "paraphrases": ["重复", "重复", "别的"], "answer": "请致电{热线}", "effectiveFrom": "2026-12-31", "effectiveTo": "2026-01-01"},
              {"id": "KB-0901", "category": "App 使用", "question": "问题四", "paraphrases": ["b1", "b2", "b3"], "answer": "您好", "productRiskLevel": "R9"}
            ]
            """;
        var e = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, org.Ops, Encoding.UTF8.GetBytes(json), KnowledgeFileFormat.Json, approve: false));
        Assert.Contains(e.Problems, p => p.Line == 3 && p.Column == "question");
        Assert.Contains(e.Problems, p => p.Line == 4 && p.Column == "paraphrases[2]");
        Assert.Contains(e.Problems, p => p.Line == 4 && p.Column == "answer" && p.Reason.Contains("{热线}", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Line == 4 && p.Column == "effectiveTo");
        Assert.Contains(e.Problems, p => p.Line == 6 && p.Column == "id" && p.Reason.Contains("line 2", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Line == 6 && p.Column == "productRiskLevel");
        Assert.DoesNotContain(e.Problems, p => p.Line == 2);
        Assert.Contains("nothing was imported", e.Message, StringComparison.Ordinal);

        // Excel: row numbers as the spreadsheet shows them.
        using var ms = new MemoryStream();
        await ms.SaveAsAsync(new[]
        {
            new Dictionary<string, object?> { ["编号"] = "KB-0911", ["分类"] = "App 使用", ["标准问题"] = "问题一", ["相似问法"] = "说法一\n说法二\n说法三", ["答案"] = "您好" },
            new Dictionary<string, object?> { ["编号"] = "KB-0912", ["分类"] = "App 使用", ["标准问题"] = "问题二", ["相似问法"] = "说法一\n说法二", ["答案"] = "您好{称呼}" },
        }, excelType: ExcelType.XLSX);
        var x = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, org.Ops, ms.ToArray(), KnowledgeFileFormat.Xlsx, approve: false));
        Assert.Contains(x.Problems, p => p.Line == 3 && p.Column == "paraphrases");
        Assert.Contains(x.Problems, p => p.Line == 3 && p.Column == "answer");
        Assert.DoesNotContain(x.Problems, p => p.Line == 2);

        await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, org.Ops, Encoding.UTF8.GetBytes("[{\"id\": \"KB-0001\","), KnowledgeFileFormat.Json, approve: false));
        await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, org.Ops, [0x50, 0x4b, 0x03, 0x04, 1, 2], KnowledgeFileFormat.Xlsx, approve: false));

        await using var db = h.NewDb();
        Assert.Equal(0, await db.KnowledgeItems.CountAsync());
        Assert.Equal(0, await db.KnowledgeChanges.CountAsync());
    }
}

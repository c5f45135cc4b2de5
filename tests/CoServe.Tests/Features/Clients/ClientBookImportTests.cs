using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Platform.Crypto;
using CoServe.Platform.Csv;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Clients;

public class ClientBookImportTests
{
    private static readonly AssetImportSettings Strict = new(StrictEncodings.Utf8, SkipBadRows: false);

    private static Task<ClientImportReport> ImportAsync(CoreHarness h, byte[] bytes, AssetImportSettings? settings = null) =>
        h.RunAsync<ImportClientBook, ClientImportReport>(i => i.RunAsync(new MemoryStream(bytes), "clients.csv", settings ?? Strict, CancellationToken.None));

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_GbkWithChineseHeaders_CreatesEncryptedClientsWithServicing(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        TestOrg org;
        await using (var db = h.NewDb()) org = await TestOrg.CreateAsync(db);

        var csv = "客户号,姓名,手机号,证件号码,营业部,客户经理,服务人员,风险等级,反洗钱风险等级,授权\n"
                + "3100000001,欧阳娜娜,13800138000,110101199003070011,N01,cm1,,C4,低,service;marketing\n"
                + "3100000002,李雷,13900139000,,北区营业部,cm2,服务官,C2,中,service\n";
        var report = await ImportAsync(h, StrictEncodings.Gbk.GetBytes(csv), new AssetImportSettings(StrictEncodings.Gbk, false));

        Assert.Equal(2, report.Created);
        await using var check = h.NewDb();
        var protector = h.Services.GetRequiredService<FieldProtector>();
        var first = await check.Clients.Include(c => c.Servicers).Include(c => c.Consents).SingleAsync(c => c.ClientNo == "3100000001");
        Assert.Equal("欧阳娜娜", protector.Decrypt(ProtectedField.Name, first.NameCipher!));
        Assert.True(first.NameCipher!.AsSpan().IndexOf("欧阳"u8) < 0, "name must not be stored in clear");
        Assert.Equal(protector.BlindIndex(ProtectedField.Mobile, "13800138000"), first.MobileIndex);
        Assert.Equal(SuitabilityLevel.C4, first.SuitabilityLevel);
        Assert.Equal(org.Cm1.Id, first.PrimaryServicer!.StaffId);
        Assert.True(first.HasConsent(ConsentPurpose.Marketing));
        Assert.False(first.HasConsent(ConsentPurpose.PersonalisedPush));

        // Served by the service officer pool; the developing manager keeps commission, AML and complaints.
        var second = await check.Clients.Include(c => c.Servicers).SingleAsync(c => c.ClientNo == "3100000002");
        Assert.Null(second.PrimaryServicer!.StaffId);
        var co = second.Servicers.Single(s => !s.IsPrimary);
        Assert.Equal(org.Cm2.Id, co.StaffId);
        Assert.Equal(DutyScopes.KeptByManager, co.Duties);
        Assert.Null(second.IdNumberCipher);
    }

    [Fact]
    public async Task Import_LeavesAConsentTheClientChoseHimself_AndSetsTheOthersFromTheFeed()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        await using (var db = h.NewDb()) await TestOrg.CreateAsync(db);
        const string Header = "客户号,姓名,营业部,客户经理,授权\n";
        await ImportAsync(h, Utf8(Header + "3100000001,欧阳娜娜,N01,cm1,service;marketing\n"));
        long id;
        await using (var db = h.NewDb()) id = await db.Clients.Where(c => c.ClientNo == "3100000001").Select(c => c.Id).SingleAsync();
        // On his privacy page he withdraws marketing and allows personalised push.
        await h.RunAsync<CoServe.Features.Privacy.ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.Marketing, false, CancellationToken.None));
        await h.RunAsync<CoServe.Features.Privacy.ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.PersonalisedPush, true, CancellationToken.None));

        // The nightly book, which knows only what he signed at account opening, drops service messages.
        await ImportAsync(h, Utf8(Header + "3100000001,欧阳娜娜,N01,cm1,marketing\n"));

        await using var check = h.NewDb();
        var consents = await check.ClientConsents.Where(c => c.ClientId == id).ToDictionaryAsync(c => c.Purpose, c => (c.Granted, c.Source));
        Assert.Equal((false, "client:privacy"), consents[ConsentPurpose.Marketing]);
        Assert.Equal((true, "client:privacy"), consents[ConsentPurpose.PersonalisedPush]);
        Assert.Equal((false, "client-import"), consents[ConsentPurpose.ServiceMessages]);
    }

    [Fact]
    public async Task Import_Upsert_BlankCellsLeaveValues_AndCompletesPlaceholders()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        await using (var db = h.NewDb()) await TestOrg.CreateAsync(db);
        await h.RunAsync<ImportAssetFeed, AssetImportReport>(i => i.RunAsync(Files.Utf8("client_no,date,total_assets\nP1,2024-02-01,5\n"), "a.csv", Strict, CancellationToken.None));

        await ImportAsync(h, Utf8("client_no,name,mobile,branch,manager\nC1,王五,13700137000,N01,cm1\nP1,赵六,,S01,cm3\n"));
        var report = await ImportAsync(h, Utf8("client_no,name,mobile,branch\nC1,,13600136000,\n"));

        Assert.Equal(1, report.Updated);
        await using var check = h.NewDb();
        var protector = h.Services.GetRequiredService<FieldProtector>();
        var c1 = await check.Clients.SingleAsync(c => c.ClientNo == "C1");
        Assert.Equal("王五", protector.Decrypt(ProtectedField.Name, c1.NameCipher!));
        Assert.Equal("13600136000", protector.Decrypt(ProtectedField.Mobile, c1.MobileCipher!));
        var p1 = await check.Clients.Include(c => c.Servicers).SingleAsync(c => c.ClientNo == "P1");
        Assert.False(p1.IsIncomplete);
        Assert.Single(p1.Servicers, s => s.IsPrimary);
    }

    [Fact]
    public async Task Import_BadRows_RejectedWithLineAndColumn_NothingWritten()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        await using (var db = h.NewDb()) await TestOrg.CreateAsync(db);
        var csv = "client_no,name,mobile,id_number,branch,manager,suitability,aml_risk,opened_on\n"
                + "OK1,甲,13800138000,,N01,cm1,C3,low,2020-01-01\n"
                + "B1,乙,12345,,N01,cm1,C3,low,\n"
                + "B2,丙,,110101199003070012,N01,,C3,,\n"
                + "B3,丁,,,X99,,,,\n"
                + "B4,戊,,,N01,head,,,\n"
                + "B5,己,,,N01,,C9,,\n"
                + "B6,庚,,,N01,,,extreme,\n"
                + "B7,辛,,,N01,,,,2099-01-01\n"
                + "B8,,,,,,,,\n";
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, Utf8(csv)));
        Assert.Equal(["mobile", "id_number", "branch", "manager", "suitability", "aml_risk", "opened_on", "name"], ex.Problems.Select(p => p.Column));
        Assert.Equal([3L, 4, 5, 6, 7, 8, 9, 10], ex.Problems.Select(p => p.Line));
        Assert.Contains("check digit", ex.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Contains("not a client manager", ex.Problems[3].Reason, StringComparison.Ordinal);
        Assert.Contains("a new client needs name and branch", ex.Problems[7].Reason, StringComparison.Ordinal);
        await using var check = h.NewDb();
        Assert.Equal(0, await check.Clients.CountAsync());
    }
}

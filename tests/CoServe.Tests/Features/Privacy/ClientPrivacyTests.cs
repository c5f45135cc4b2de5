using CoServe.Features.Clients;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Features.Privacy;
using CoServe.Features.Security;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Tests.Features.Privacy;

public class ClientPrivacyTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static async Task<long> ClientIdAsync(CoServiceScenario s, string clientNo)
    {
        await using var db = s.NewDb();
        return await db.Clients.Where(c => c.ClientNo == clientNo).Select(c => c.Id).SingleAsync();
    }

    private static Task<RevealResult?> RevealAsync(CoServiceScenario s, StaffMember staff, ProtectedField field, AccessPurpose kind) =>
        s.H.RunAsync<RevealPersonalData, RevealResult?>(r => r.RevealAsync(TestOrg.As(staff), "P400", field, kind, "测试查看用途", "console", Ct));

    private static Task<PrivacyView?> ViewAsync(CoServiceScenario s, long clientId) =>
        s.H.RunAsync<ClientPrivacy, PrivacyView?>(p => p.LoadAsync(clientId, Ct));

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task TheClientSeesWhoViewedHisData_ButNeverAViewThatCouldTipHimOffAboutAnAmlMatter(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var t0 = s.H.Clock.GetUtcNow();
        var id = await ClientIdAsync(s, "P400");
        void At(int day) => s.H.Clock.SetUtcNow(t0.AddDays(day));

        await RevealAsync(s, s.Org.Cm1, ProtectedField.Mobile, AccessPurpose.ClientService);        // day 0, 100 days before the review: shown
        At(20); await RevealAsync(s, s.Org.Cm1, ProtectedField.Name, AccessPurpose.Aml);            // an AML purpose: never shown
        At(30); await RevealAsync(s, s.Org.Compliance, ProtectedField.IdNumber, AccessPurpose.ComplianceCheck); // Compliance: never shown
        await using (var db = s.NewDb())
        {
            At(100);
            db.AmlTasks.Add(new AmlTask(id, AmlTaskKind.PeriodicReview, DateOnly.FromDateTime(t0.AddDays(110).UtcDateTime), s.Org.Cm1.Id, s.H.Clock.GetUtcNow()));
            await db.SaveChangesAsync();
        }
        At(105); await RevealAsync(s, s.Org.Cm1, ProtectedField.Mobile, AccessPurpose.Callback);    // while the review is open: hidden
        await using (var db = s.NewDb())
        {
            At(110);
            (await db.AmlTasks.SingleAsync()).Complete(s.Org.Cm1.Id, s.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        At(120); await RevealAsync(s, s.Org.Cm1, ProtectedField.Name, AccessPurpose.Complaint);    // after it, 130 days before the case: shown
        At(200); await RevealAsync(s, s.Org.Cm1, ProtectedField.Mobile, AccessPurpose.Other);      // 50 days before the case opens: hidden
        long caseId;
        await using (var db = s.NewDb())
        {
            At(250);
            var amlCase = new AmlCase(id, AmlRule.Structuring, DateOnly.FromDateTime(t0.AddDays(249).UtcDateTime), "{}", s.H.Clock.GetUtcNow(), s.H.Clock.GetUtcNow().AddDays(5));
            db.AmlCases.Add(amlCase);
            await db.SaveChangesAsync();
            caseId = amlCase.Id;
        }
        At(255); await RevealAsync(s, s.Org.Ops, ProtectedField.Name, AccessPurpose.ClientService); // during the case: hidden
        await using (var db = s.NewDb())
        {
            At(260);
            (await db.AmlCases.SingleAsync(c => c.Id == caseId)).Decide(AmlCaseStatus.Dismissed, null, s.Org.Compliance.Id, s.H.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        At(270); await RevealAsync(s, s.Org.Ops, ProtectedField.IdNumber, AccessPurpose.AccountService); // after the case: shown

        At(300);
        var view = (await ViewAsync(s, id))!;
        Assert.Equal(
            [
                (t0.AddDays(270), (StaffRole?)StaffRole.DigitalOps, (string?)null, ProtectedField.IdNumber, AccessPurpose.AccountService),
                (t0.AddDays(120), StaffRole.ClientManager, "北区营业部", ProtectedField.Name, AccessPurpose.Complaint),
                (t0, StaffRole.ClientManager, "北区营业部", ProtectedField.Mobile, AccessPurpose.ClientService),
            ],
            view.Accesses.Select(a => (a.At, a.Role, a.Branch, a.Field, a.Purpose)).ToList());
        // Compliance audits every one of them, with the reader's own words.
        var audit = await s.H.RunAsync<RevealPersonalData, IReadOnlyList<AuditRow>>(r => r.ListAsync("P400", 100, Ct));
        Assert.Equal(8, audit.Count);
        Assert.All(audit, a => Assert.Equal("测试查看用途", a.Purpose));

        // What a reader was when he read decides: Compliance's view stays withheld after the officer becomes a manager.
        await s.H.RunAsync<StaffAdministration, StaffChangeReport>(a => a.ChangeAsync("compliance", new StaffAccountInput("compliance", "员工compliance", StaffRole.ClientManager, "N01", "wx_compliance"), null, Ct));
        Assert.Equal(3, (await ViewAsync(s, id))!.Accesses.Count);

        // The history reaches back a configured year: the first view drops out after it.
        At(370);
        Assert.Equal(2, (await ViewAsync(s, id))!.Accesses.Count);
    }

    [Fact]
    public async Task WhatTheClientSeesOfHimself_IsMasked_AndHisServicerIsNamed()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var p400 = (await ViewAsync(s, await ClientIdAsync(s, "P400")))!.Profile;
        Assert.Equal(("P400", "钱*", "138****0400", "1101**********0011", "北区营业部", StaffDirectory.ServiceOfficerName, (SuitabilityLevel?)SuitabilityLevel.C3),
            (p400.ClientNo, p400.Name, p400.Mobile, p400.IdNumber, p400.Branch, p400.ServedBy, p400.Suitability));
        Assert.Equal("员工cm1", (await ViewAsync(s, await ClientIdAsync(s, "C100")))!.Profile.ServedBy);
        Assert.Null(await ViewAsync(s, -1));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task WithdrawingAConsent_IsOneClick_TakesEffectAtOnce_AndIsOnTheSharedTimeline(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var id = await ClientIdAsync(s, "P400");
        var before = (await ViewAsync(s, id))!.Consents;
        Assert.Equal(Enum.GetValues<ConsentPurpose>(), before.Select(c => c.Purpose));
        Assert.True(before.Single(c => c.Purpose == ConsentPurpose.ServiceMessages).Granted);
        Assert.False(before.Single(c => c.Purpose == ConsentPurpose.Marketing).Granted);

        Assert.True(await s.H.RunAsync<ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.ServiceMessages, false, Ct)));
        Assert.True(await s.H.RunAsync<ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.Marketing, true, Ct)));
        // Asking for what is already so changes nothing and records nothing.
        Assert.False(await s.H.RunAsync<ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.Marketing, true, Ct)));
        Assert.False(await s.H.RunAsync<ClientPrivacy, bool>(p => p.SetConsentAsync(id, ConsentPurpose.ExternalModelProcessing, false, Ct)));

        // The one outbound gate holds back the next service notice, and lets a marketing message through the consent rule.
        async Task<GateDecision> GateAsync(OutboundPurpose purpose) => (await s.H.RunAsync<OutboundGate, GateResult>(g =>
            g.DecideAsync(new OutboundCandidate(id, "webchat", OutboundSender.System, null, purpose, purpose + " 测试消息", null, false), addToLedger: false, Ct))).Decision;
        var notice = await GateAsync(OutboundPurpose.ServiceNotice);
        Assert.Equal(GateVerdict.Block, notice.Verdict);
        Assert.Contains("consent", notice.Rule, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("consent", (await GateAsync(OutboundPurpose.Marketing)).Rule ?? "", StringComparison.OrdinalIgnoreCase);

        await using var db = s.NewDb();
        var consents = await db.ClientConsents.Where(c => c.ClientId == id).ToDictionaryAsync(c => c.Purpose);
        Assert.False(consents[ConsentPurpose.ServiceMessages].Granted);
        Assert.Equal("client:privacy", consents[ConsentPurpose.ServiceMessages].Source);
        Assert.True(consents[ConsentPurpose.Marketing].Granted);
        Assert.False(consents.ContainsKey(ConsentPurpose.ExternalModelProcessing));
        // The manager who keeps his duties sees both changes on the client's timeline.
        var events = (await s.TimelineAsync(s.Org.Cm1, "P400")).Where(e => e.Kind == TimelineKind.ConsentChange).ToList();
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.Details["purpose"] == "ServiceMessages" && e.Details["granted"] == "false");
        Assert.Contains(events, e => e.Details["purpose"] == "Marketing" && e.Details["granted"] == "true");
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ARightsRequest_IsStoredOnce_DueInFifteenWorkingDays_AndTheDeskAnswersIt(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var id = await ClientIdAsync(s, "P400");
        // Wednesday 2026-11-25, 10:00 in Shanghai.
        var first = await s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Correct, "  我的手机号换了，请更新。 ", "form-1", Ct));
        var again = await s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Correct, "我的手机号换了，请更新。", "form-1", Ct));
        Assert.Equal(first, again);

        await using (var db = s.NewDb())
        {
            var stored = await db.DataRightsRequests.SingleAsync();
            Assert.Equal(DataRightsStatus.Open, stored.Status);
            // Fifteen working days after Wednesday 25 November: the end of Wednesday 16 December.
            Assert.Equal(new DateTimeOffset(2026, 12, 17, 0, 0, 0, TimeSpan.FromHours(8)), stored.DueAt);
            Assert.Equal(new DateTimeOffset(2026, 12, 14, 0, 0, 0, TimeSpan.FromHours(8)), stored.RemindAt);
            Assert.True(stored.DetailCipher.AsSpan().IndexOf("手机号"u8) < 0); // stored encrypted
            Assert.Single(await db.TimelineEvents.Where(e => e.ClientId == id && e.Kind == TimelineKind.PrivacyRequest).ToListAsync());
            var notified = await db.StaffNotifications.Where(n => n.Kind == NotificationKind.PrivacyRequest).ToListAsync();
            Assert.Equal([s.Org.Compliance.Id], notified.Select(n => n.StaffId));
            Assert.Equal($"/privacy-requests/{first}", notified[0].Link);
        }

        // Only the desk reads and answers; a refusal must say why; an answer is given once.
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.H.RunAsync<DataRightsDesk, IReadOnlyList<DeskRow>>(d => d.ListAsync(TestOrg.As(s.Org.Cm1), true, Ct)));
        var desk = await s.H.RunAsync<DataRightsDesk, IReadOnlyList<DeskRow>>(d => d.ListAsync(TestOrg.As(s.Org.Compliance), true, Ct));
        Assert.Equal(("P400", DataRight.Correct, "我的手机号换了，请更新。", false), (desk.Single().ClientNo, desk.Single().Right, desk.Single().Detail, desk.Single().Overdue));
        var tooShort = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<DataRightsDesk, DeskRow?>(d => d.AnswerAsync(TestOrg.As(s.Org.Compliance), first, DataRightsStatus.Refused, "不行", Ct)));
        Assert.Contains("reason", tooShort.Message, StringComparison.Ordinal);
        var answered = await s.H.RunAsync<DataRightsDesk, DeskRow?>(d => d.AnswerAsync(TestOrg.As(s.Org.Compliance), first, DataRightsStatus.Completed, "已核实并更新您的手机号。", Ct));
        Assert.Equal((DataRightsStatus.Completed, "员工compliance"), (answered!.Status, answered.HandledBy));
        await Assert.ThrowsAsync<CoServe.Platform.Web.RuleViolationException>(() => s.H.RunAsync<DataRightsDesk, DeskRow?>(d => d.AnswerAsync(TestOrg.As(s.Org.Admin), first, DataRightsStatus.Refused, "重复的答复，应当被拒绝。", Ct)));
        Assert.Null(await s.H.RunAsync<DataRightsDesk, DeskRow?>(d => d.AnswerAsync(TestOrg.As(s.Org.Compliance), first + 100, DataRightsStatus.Completed, "不存在的请求不能答复。", Ct)));
        Assert.Empty(await s.H.RunAsync<DataRightsDesk, IReadOnlyList<DeskRow>>(d => d.ListAsync(TestOrg.As(s.Org.Compliance), true, Ct)));

        // The client reads the answer on his page; his timeline has the request and its answer.
        var mine = (await ViewAsync(s, id))!.Requests.Single();
        Assert.Equal((DataRightsStatus.Completed, "已核实并更新您的手机号。"), (mine.Status, mine.Reply));
        Assert.Equal(2, (await s.TimelineAsync(s.Org.Cm1, "P400")).Count(e => e.Kind == TimelineKind.PrivacyRequest));
    }

    [Fact]
    public async Task TheDeskIsReminded_AsTheLastThreeWorkingDaysBegin_AndTheAdministratorsAreToldOnceItIsOverdue()
    {
        await using var s = await CoServiceScenario.StartAsync();
        var id = await ClientIdAsync(s, "P400");
        await s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Copy, "复制我的信息", "k1", Ct));
        Task<(int, int)> RunAsync() => s.H.RunAsync<DataRightsDesk, (int, int)>(d => d.RunDeadlinesAsync(Ct));
        async Task<List<(int StaffId, NotificationKind Kind)>> SlaNoticesAsync()
        {
            await using var db = s.NewDb();
            return (await db.StaffNotifications.Where(n => n.Kind == NotificationKind.SlaReminder || n.Kind == NotificationKind.SlaEscalation)
                .OrderBy(n => n.Id).Select(n => new { n.StaffId, n.Kind }).ToListAsync()).ConvertAll(n => (n.StaffId, n.Kind));
        }

        // Due at the end of Wednesday 16 December; the last three working days begin on Monday 14 December.
        s.H.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 13, 23, 0, 0, TimeSpan.FromHours(8)));
        Assert.Equal((0, 0), await RunAsync());
        s.H.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 14, 9, 0, 0, TimeSpan.FromHours(8)));
        Assert.Equal((1, 0), await RunAsync());
        Assert.Equal((0, 0), await RunAsync());
        Assert.Equal([(s.Org.Compliance.Id, NotificationKind.SlaReminder)], await SlaNoticesAsync());

        s.H.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 17, 0, 0, 1, TimeSpan.FromHours(8)));
        Assert.Equal((0, 1), await RunAsync());
        Assert.Equal((0, 0), await RunAsync());
        Assert.Equal(
            [(s.Org.Compliance.Id, NotificationKind.SlaReminder), (s.Org.Compliance.Id, NotificationKind.SlaEscalation), (s.Org.Admin.Id, NotificationKind.SlaEscalation)],
            await SlaNoticesAsync());
        Assert.True((await s.H.RunAsync<DataRightsDesk, IReadOnlyList<DeskRow>>(d => d.ListAsync(TestOrg.As(s.Org.Compliance), true, Ct))).Single().Overdue);
    }

    [Fact]
    public async Task ABadRequest_IsRefusedWithTheReason_AndStoresNothing()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c => c["Privacy:MaxOpenRequestsPerClient"] = "2");
        var id = await ClientIdAsync(s, "P400");
        var max = s.Get<IOptions<PrivacyOptions>>().Value.MaxRequestLength;

        var empty = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Copy, "   ", "k1", Ct)));
        Assert.Equal("detail", empty.ParamName);
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Copy, new string('长', max + 1), "k2", Ct)));
        Assert.Contains($"at most {max} characters (this one has {max + 1})", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, (DataRight)99, "复制我的信息", "k3", Ct)));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(-1, DataRight.Copy, "复制我的信息", "k4", Ct)));

        await s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Copy, "复制我的信息", "k5", Ct));
        await s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Explain, "为什么收到这条推送", "k6", Ct));
        var flood = await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<ClientPrivacy, long>(p => p.SubmitAsync(id, DataRight.Delete, "删除我的信息", "k7", Ct)));
        Assert.Contains("2 open requests", flood.Message, StringComparison.Ordinal);

        await using var db = s.NewDb();
        Assert.Equal(["k5", "k6"], await db.DataRightsRequests.OrderBy(r => r.Id).Select(r => r.IdempotencyKey).ToListAsync());
        Assert.Equal(2, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.PrivacyRequest));
    }

    [Theory]
    [InlineData("ResponseWorkingDays", "31")]
    [InlineData("AccessHistoryDays", "10")]
    [InlineData("AmlLookBackDays", "-1")]
    [InlineData("MaxRequestLength", "5")]
    [InlineData("MaxOpenRequestsPerClient", "0")]
    [InlineData("ReminderWorkingDays", "16")]
    public void OutOfRangeOptions_AreRejected_WithTheSettingNamed(string key, string value)
    {
        var o = new PrivacyOptions();
        typeof(PrivacyOptions).GetProperty(key)!.SetValue(o, int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        var result = new PrivacyOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains("Privacy:" + key, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new PrivacyOptionsValidator().Validate(null, new PrivacyOptions()).Succeeded);
    }
}

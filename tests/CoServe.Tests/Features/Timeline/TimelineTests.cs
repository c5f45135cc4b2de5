using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Features.Channels;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Timeline;

public class TimelineTests
{
    [Fact]
    public async Task ManagerKeepingDuties_SeesWhatTheAiToldTheClient_AndInternalNotes_ButNotConfidentialEvents()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.DrainAsync();
        Assert.True((await s.ControlAsync(c => c.AddNoteAsync(As(s.Org.Ops), "P400", null, "客户问过逆回购，@cm1 可以推荐我们的理财讲座", CancellationToken.None))).Ok);
        await using (var db = s.NewDb())
        {
            var client = await db.Clients.SingleAsync(c => c.ClientNo == "P400");
            await using var scope = s.H.Services.CreateAsyncScope();
            var writer = scope.ServiceProvider.GetRequiredService<TimelineWriter>();
            writer.Append(client.Id, TimelineKind.Note, ActorKind.Staff, s.Org.Compliance.Id, "console", EventVisibility.Confidential, "反洗钱可疑交易排查中");
            await scope.ServiceProvider.GetRequiredService<CoServe.Data.CoServeDb>().SaveChangesAsync();
        }

        var cm = await s.TimelineAsync(s.Org.Cm1, "P400");
        Assert.Equal([TimelineKind.ClientMessage, TimelineKind.OfficerMessage, TimelineKind.Note, TimelineKind.Note], cm.Select(e => e.Kind));
        Assert.Equal(ScriptedOfficer.Answer, cm[1].Text);
        Assert.Equal("服务官", cm[1].ActorName);
        var ops = await s.TimelineAsync(s.Org.Ops, "P400");
        Assert.DoesNotContain(ops, e => e.Visibility == EventVisibility.Confidential);
        Assert.Contains(await s.TimelineAsync(s.Org.Compliance, "P400"), e => e.Visibility == EventVisibility.Confidential);

        await using var check = s.NewDb();
        Assert.Single(await check.StaffNotifications.Where(n => n.StaffId == s.Org.Cm1.Id && n.Kind == CoServe.Features.Notifications.NotificationKind.Mention).ToListAsync());
    }

    [Fact]
    public async Task Pages_NewestFirst_WithCursorAndFilters_AndChineseSearch()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "逆回购怎么买");
        await s.DrainAsync();
        await s.SayAsync("P400", "那手续费呢");
        await s.DrainAsync();
        await s.SayAsync("P400", "请问逆回购的手续费是多少");
        var staff = As(s.Org.Cm1);

        var first = await s.H.RunAsync<TimelineQueries, TimelinePage?>(q => q.PageAsync(staff, "p400", new TimelineFilter(), null, 2, CancellationToken.None));
        Assert.Equal(2, first!.Items.Count);
        Assert.True(first.Items[0].Id > first.Items[1].Id);
        var second = await s.H.RunAsync<TimelineQueries, TimelinePage?>(q => q.PageAsync(staff, "P400", new TimelineFilter(), first.NextBefore, 10, CancellationToken.None));
        Assert.All(second!.Items, e => Assert.True(e.Id < first.Items[^1].Id));
        Assert.Null(second.NextBefore);

        var clientOnly = await s.H.RunAsync<TimelineQueries, TimelinePage?>(q => q.PageAsync(staff, "P400", new TimelineFilter(Actor: ActorKind.Client), null, 50, CancellationToken.None));
        Assert.Equal(3, clientOnly!.Items.Count);
        var officerOnly = await s.H.RunAsync<TimelineQueries, TimelinePage?>(q => q.PageAsync(staff, "P400", new TimelineFilter(Kinds: [TimelineKind.OfficerMessage]), null, 50, CancellationToken.None));
        Assert.Equal(2, officerOnly!.Items.Count);

        var found = await s.H.RunAsync<TimelineQueries, IReadOnlyList<TimelineItem>?>(q => q.SearchAsync(staff, "P400", "逆回购手续费", 10, CancellationToken.None));
        Assert.Equal("请问逆回购的手续费是多少", Assert.Single(found!).Text);
        Assert.Equal(2, (await s.H.RunAsync<TimelineQueries, IReadOnlyList<TimelineItem>?>(q => q.SearchAsync(staff, "P400", "手续费", 10, CancellationToken.None)))!.Count);
    }

    [Fact]
    public void SearchTerms_SplitChineseIntoBigrams_AndKeepLatinWords()
    {
        Assert.Equal(["逆回", "回购", "购手", "手续", "续费"], SearchTerms.Of("逆回购手续费"));
        Assert.Equal(["app", "登录"], SearchTerms.Of("APP 登录"));
        Assert.True(SearchTerms.Matches("ＡＰＰ怎么登录", SearchTerms.Of("app登录")));
    }

    [Fact]
    public async Task Export_ForComplianceOnly_NeedsPurpose_AndIsAudited()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "逆回购怎么买");
        await s.DrainAsync();
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.H.RunAsync<TimelineQueries, byte[]?>(q => q.ExportAsync(As(s.Org.Cm1), "P400", null, null, "检查会话记录", CancellationToken.None)));
        await Assert.ThrowsAsync<ArgumentException>(() => s.H.RunAsync<TimelineQueries, byte[]?>(q => q.ExportAsync(As(s.Org.Compliance), "P400", null, null, "", CancellationToken.None)));
        var csv = await s.H.RunAsync<TimelineQueries, byte[]?>(q => q.ExportAsync(As(s.Org.Compliance), "P400", null, null, "投诉调查调阅记录", CancellationToken.None));
        var text = System.Text.Encoding.UTF8.GetString(csv!);
        Assert.Contains("ClientMessage", text, StringComparison.Ordinal);
        Assert.Contains(ScriptedOfficer.Answer, text, StringComparison.Ordinal);
        await using var db = s.NewDb();
        Assert.Equal("export", (await db.PersonalDataAccesses.SingleAsync()).Channel);
    }
}

public class ChannelApiTests
{
    [Fact]
    public async Task ChannelApi_KeyIdempotencyAndErrors()
    {
        await using var s = await ApiScenario.StartAsync();
        await using var app = s.App.WithWebHostBuilder(b => b.UseSetting("Channels:partner:Key", "k-123"));
        var http = app.CreateClient();
        object Body(string key, string text = "逆回购怎么买", string clientNo = "P400") => new { clientNo, text, idempotencyKey = key };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/channels/partner/messages", Body("a"))).StatusCode);
        http.DefaultRequestHeaders.Add(ChannelEndpoints.KeyHeader, "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/channels/partner/messages", Body("a"))).StatusCode);
        http.DefaultRequestHeaders.Remove(ChannelEndpoints.KeyHeader);
        http.DefaultRequestHeaders.Add(ChannelEndpoints.KeyHeader, "k-123");

        var first = await http.PostAsJsonAsync("/api/channels/partner/messages", Body("m-1"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await http.PostAsJsonAsync("/api/channels/partner/messages", Body("m-1"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(firstBody.GetProperty("eventId").GetInt64(), again.GetProperty("eventId").GetInt64());
        Assert.True(again.GetProperty("duplicate").GetBoolean());

        var unknown = await http.PostAsJsonAsync("/api/channels/partner/messages", Body("m-2", clientNo: "NOPE"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("NOPE", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var huge = await http.PostAsJsonAsync("/api/channels/partner/messages", Body("m-3", new string('字', 2001)));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("longer than 2000", await huge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var noKey = await http.PostAsJsonAsync("/api/channels/partner/messages", new { clientNo = "P400", text = "hi" });
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
    }

    [Fact]
    public async Task StaffTimelineApi_IsScoped()
    {
        await using var s = await ApiScenario.StartAsync();
        var cm2 = await s.ClientAsAsync(s.Org.Cm2);
        Assert.Equal(HttpStatusCode.NotFound, (await cm2.GetAsync("/api/clients/P400/timeline")).StatusCode);
        var cm1 = await s.ClientAsAsync(s.Org.Cm1);
        Assert.Equal(HttpStatusCode.OK, (await cm1.GetAsync("/api/clients/P400/timeline?kind=ClientMessage&kind=OfficerMessage")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cm1.GetAsync("/api/clients/P400/timeline/export?purpose=xxxxxx")).StatusCode);
        var note = await cm2.PostAsJsonAsync("/api/clients/P400/notes", new { text = "试图给非服务客户写备注" });
        Assert.Equal(HttpStatusCode.NotFound, note.StatusCode);
    }
}

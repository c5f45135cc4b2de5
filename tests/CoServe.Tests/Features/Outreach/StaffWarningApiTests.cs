using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Outreach;

/// <summary>The staff warning over HTTP: the gate's Warn answers 428 with its explanation; confirming sends.</summary>
public class StaffWarningApiTests
{
    private const string Answer = "您好，ETF 定投是指每月固定日期、固定金额买入指数基金，可以在手机 App 的「理财-定投」中设置，起投金额 100 元。";

    [Fact]
    public async Task StaffReply_RepeatingTheOfficer_Answers428WithTheWarning_AndSendsOnlyWithConfirmWarning()
    {
        await using var s = await ApiScenario.StartAsync();
        long client, conversationId;
        await using (var db = s.NewDb())
        {
            client = await db.Clients.Where(c => c.ClientNo == "C100").Select(c => c.Id).SingleAsync();
            var conversation = new Conversation(client, "webchat", s.App.Clock.GetUtcNow());
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync();
            conversationId = conversation.Id;
        }
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            var officer = await scope.ServiceProvider.GetRequiredService<OutboundGate>().DecideAsync(
                new OutboundCandidate(client, "webchat", OutboundSender.Officer, null, OutboundPurpose.ConversationReply, Answer, null, false), CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<CoServeDb>().SaveChangesAsync();
            Assert.Equal(GateVerdict.Allow, officer.Decision.Verdict);
        }
        using var http = await s.ClientAsAsync(s.Org.Cm1);

        using var warned = await http.PostAsJsonAsync($"/api/conversations/{conversationId}/messages", new { text = Answer });
        Assert.Equal((HttpStatusCode)428, warned.StatusCode);
        using (var problem = JsonDocument.Parse(await warned.Content.ReadAsStringAsync()))
        {
            Assert.Equal("服务官已于 11月25日 发送过相同内容", problem.RootElement.GetProperty("detail").GetString());
        }
        await using (var db = s.NewDb())
        {
            Assert.Equal(0, await db.TimelineEvents.CountAsync(e => e.ClientId == client && e.Kind == TimelineKind.StaffMessage));
        }

        using var confirmed = await http.PostAsJsonAsync($"/api/conversations/{conversationId}/messages", new { text = Answer, confirmWarning = true });
        Assert.True(confirmed.IsSuccessStatusCode, await confirmed.Content.ReadAsStringAsync());
        await using var check = s.NewDb();
        Assert.Equal(1, await check.TimelineEvents.CountAsync(e => e.ClientId == client && e.Kind == TimelineKind.StaffMessage));
        var sends = await check.OutboundSends.AsNoTracking().Where(x => x.ClientId == client).OrderBy(x => x.Id).Select(x => new { x.Sender, x.Warned }).ToListAsync();
        Assert.Equal([(OutboundSender.Officer, false), (OutboundSender.Staff, true)], sends.Select(x => (x.Sender, x.Warned)));
    }
}

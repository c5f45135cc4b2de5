using CoServe.Features.Channels;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CoServe.Tests.Infrastructure.TestOrg;

namespace CoServe.Tests.Features.Conversations;

/// <summary>One controller per conversation, handoffs that are never silent, and the AI that stays quiet while a human holds the client.</summary>
public class ConversationFlowTests
{
    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task SameMessageDeliveredThreeTimesConcurrently_IsStoredOnce(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => s.SayAsync("P400", ScriptedOfficer.Question, key: "wx-msg-1")));

        Assert.Single(results, r => r.Outcome == InboundOutcome.Stored);
        Assert.Equal(2, results.Count(r => r.Outcome == InboundOutcome.Duplicate));
        Assert.Single(results.Select(r => r.EventId).Distinct());
        await using var db = s.NewDb();
        Assert.Equal(1, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.ClientMessage));
        Assert.Equal(1, await db.OfficerWorkItems.CountAsync());
        Assert.Equal(1, await db.Conversations.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task ManyMessagesAtOnce_FromSeveralClients_EachStoredOnce_InOneConversationPerClient(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        string[] clients = ["P400", "C100", "S300"];
        // 90 distinct messages, each delivered twice, plus messages for a client that does not exist, all at once:
        // they are written in shared transactions (group commit), which must not mix up answers or lose any.
        var sends = Enumerable.Range(0, 90).SelectMany(n => new[] { n, n })
            .Select(n => (Client: clients[n % 3], Key: $"burst-{n}"))
            .Concat(Enumerable.Range(0, 5).Select(n => (Client: "NOPE", Key: $"nope-{n}")))
            .ToList();
        var results = await Task.WhenAll(sends.Select(x => Task.Run(() => s.SayAsync(x.Client, "你好，问一下开户", key: x.Key))));

        Assert.All(results.Where((_, i) => sends[i].Client == "NOPE"), r => Assert.Equal(InboundOutcome.UnknownClient, r.Outcome));
        var byKey = sends.Select((x, i) => (x.Key, Result: results[i])).Where(x => !x.Key.StartsWith("nope", StringComparison.Ordinal)).GroupBy(x => x.Key).ToList();
        Assert.Equal(90, byKey.Count);
        Assert.All(byKey, g =>
        {
            Assert.Single(g, x => x.Result.Outcome == InboundOutcome.Stored);
            Assert.Single(g.Select(x => x.Result.EventId).Distinct());
        });
        await using var db = s.NewDb();
        var stored = await db.TimelineEvents.Where(e => e.Kind == TimelineKind.ClientMessage).Select(e => new { e.Id, e.ClientId, e.IdempotencyKey, e.ConversationId }).ToListAsync();
        Assert.Equal(90, stored.Count);
        Assert.Equal(byKey.Select(g => g.First().Result.EventId!.Value).Order(), stored.Select(e => e.Id).Order());
        Assert.Equal(3, await db.Conversations.CountAsync());
        Assert.All(stored.GroupBy(e => e.ClientId), g => Assert.Single(g.Select(e => e.ConversationId).Distinct()));
        Assert.Equal(90, await db.OfficerWorkItems.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OfficerAnswersABatch_OneTurnPerConversation_EachReplyAfterItsQuestion(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", ScriptedOfficer.Question);
        await s.SayAsync("C100", ScriptedOfficer.Question);
        await s.SayAsync("S300", ScriptedOfficer.Question);
        await s.SayAsync("P400", ScriptedOfficer.Question + "？");

        Assert.Equal(4, await s.DrainAsync());
        Assert.Equal(0, s.OfficerLog.Warnings);

        await using var db = s.NewDb();
        Assert.Equal(0, await db.OfficerWorkItems.CountAsync(w => w.ProcessedAt == null));
        Assert.Equal(4, s.Officer.Calls);
        foreach (var clientNo in new[] { "P400", "C100", "S300" })
        {
            var kinds = await db.TimelineEvents.Where(e => db.Clients.Any(c => c.Id == e.ClientId && c.ClientNo == clientNo)
                    && (e.Kind == TimelineKind.ClientMessage || e.Kind == TimelineKind.OfficerMessage))
                .OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync();
            var expected = clientNo == "P400"
                ? new[] { TimelineKind.ClientMessage, TimelineKind.ClientMessage, TimelineKind.OfficerMessage, TimelineKind.OfficerMessage }
                : [TimelineKind.ClientMessage, TimelineKind.OfficerMessage];
            Assert.Equal(expected, kinds);
        }
        Assert.Equal(4, await db.Outbox.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task OfficerReadsEachConversationsNewestTurns_UpToItsMessage_OldestFirst(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind, c => c["Conversations:HistoryTurns"] = "4");
        for (var n = 1; n <= 4; n++)
        {
            await s.SayAsync("P400", $"{ScriptedOfficer.Question} 第{n}次");
            await s.DrainAsync();
        }
        // One batch: P400's fifth message with a sixth already behind it, and C100's first.
        await s.SayAsync("P400", $"{ScriptedOfficer.Question} 第5次");
        await s.SayAsync("P400", $"{ScriptedOfficer.Question} 第6次");
        await s.SayAsync("C100", "那怎么办");
        s.Officer.Requests.Clear();

        Assert.Equal(3, await s.DrainAsync());
        Assert.Equal(0, s.OfficerLog.Warnings); // answered as a batch, not item by item after a failed batch

        var fifth = Assert.Single(s.Officer.Requests, r => r.Text.EndsWith("第5次", StringComparison.Ordinal));
        Assert.Equal(
            [(OfficerTurnRole.Client, $"{ScriptedOfficer.Question} 第3次"), (OfficerTurnRole.Officer, ScriptedOfficer.Answer),
             (OfficerTurnRole.Client, $"{ScriptedOfficer.Question} 第4次"), (OfficerTurnRole.Officer, ScriptedOfficer.Answer)],
            fifth.History.Select(t => (t.Role, t.Text)));
        Assert.All(fifth.History.Where(t => t.Role == OfficerTurnRole.Officer), t => Assert.Equal("KB-0073", t.KnowledgeEntryId));
        // The sixth message waits for the next round; it arrived before the fifth was answered, so its history ends
        // with the fifth message, not the answer.
        var sixth = Assert.Single(s.Officer.Requests, r => r.Text.EndsWith("第6次", StringComparison.Ordinal));
        Assert.Equal($"{ScriptedOfficer.Question} 第5次", sixth.History[^1].Text);
        Assert.Equal(4, sixth.History.Count);
        var first = Assert.Single(s.Officer.Requests, r => r.Text == "那怎么办");
        Assert.Empty(first.History);
        Assert.Equal("C100", first.Client.ClientNo);
    }

    [Fact]
    public async Task AMessageTheOfficerFailsOn_IsRetriedThenParked_AloneOrInABatch()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", ScriptedOfficer.FailingQuestion);

        // Alone: each round counts one attempt (it used to escape the worker uncounted and be retried forever).
        for (var round = 1; round <= 3; round++) await s.DrainAsync();
        await using (var db = s.NewDb())
        {
            var item = await db.OfficerWorkItems.SingleAsync();
            Assert.Equal((3, (DateTimeOffset?)null), (item.Attempts, item.ProcessedAt));
        }
        Assert.Equal(0, await s.DrainAsync()); // parked: no longer picked up

        // In a batch: the others are answered one by one, the failing one counts an attempt.
        await s.SayAsync("C100", ScriptedOfficer.FailingQuestion);
        await s.SayAsync("S300", ScriptedOfficer.Question);
        await s.DrainAsync();
        await using (var db = s.NewDb())
        {
            var items = await db.OfficerWorkItems.Where(w => w.Attempts < 3).OrderBy(w => w.Id).ToListAsync();
            Assert.Equal([(1, false), (0, true)], items.Select(w => (w.Attempts, w.ProcessedAt is not null)));
        }
    }

    [Fact]
    public async Task BadMessages_AreRejectedWithReasons_NothingStored()
    {
        await using var s = await CoServiceScenario.StartAsync(configure: c => c["Conversations:MaxMessageLength"] = "20");
        Assert.Equal(InboundOutcome.UnknownClient, (await s.SayAsync("NOPE", "你好")).Outcome);
        var empty = await s.SayAsync("P400", "   ");
        Assert.Equal(InboundOutcome.Rejected, empty.Outcome);
        Assert.Equal("message is empty", empty.Problem);
        var tooLong = await s.SayAsync("P400", new string('长', 21));
        Assert.Contains("longer than 20", tooLong.Problem, StringComparison.Ordinal);
        await using var db = s.NewDb();
        Assert.Equal(0, await db.TimelineEvents.CountAsync());
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Complaint_GoesToTheManagerKeepingTheDuty_WithPackageSlaAndHoldingMessage(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", "我要投诉你们的服务");
        Assert.Equal(1, await s.DrainAsync());

        var conversation = await s.ConversationAsync("P400");
        Assert.Equal(ConversationState.WaitingForHuman, conversation.State);
        Assert.Equal(s.Org.Cm1.Id, conversation.ControllerStaffId);
        await using var db = s.NewDb();
        var ticket = await db.Tickets.SingleAsync();
        Assert.Equal(HandoffReason.Complaint, ticket.Reason);
        Assert.Equal(TicketQueue.DutyOwner, ticket.Queue);
        Assert.Equal(s.Org.Cm1.Id, ticket.AssigneeStaffId);
        Assert.Equal(ticket.CreatedAt.AddMinutes(15), ticket.FirstResponseDueAt);
        var notification = await db.StaffNotifications.SingleAsync();
        Assert.Equal((s.Org.Cm1.Id, NotificationKind.HandoffAssigned), (notification.StaffId, notification.Kind));

        var timeline = await s.TimelineAsync(s.Org.Cm1, "P400");
        Assert.Equal([TimelineKind.ClientMessage, TimelineKind.Handoff, TimelineKind.OfficerMessage], timeline.Select(e => e.Kind));
        Assert.Equal("客户：我要投诉你们的服务", timeline[1].Text);
        Assert.Equal("Complaint", timeline[1].Details["reason"]);
        Assert.Equal("已为您转接人工，预计等待15分钟，请稍候。", timeline[2].Text);
        Assert.Equal(1, await s.DispatchAsync());
    }

    [Fact]
    public async Task HoldingMessage_PromisesTheTicketsOwnDeadline_InServiceHoursTheMinutes_AfterThemTheHour()
    {
        // 22:00 in Shanghai, after the service hours (08:30-21:30): a complaint (15 working minutes) is answered by
        // 08:45 tomorrow, and the client is told so instead of "15 minutes".
        await using var s = await CoServiceScenario.StartAsync(now: new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero));
        await s.SayAsync("P400", "我要投诉你们的服务");
        // The service officer's own holding message gets the wait where it left the token (HumanRequested: 10 minutes).
        await s.SayAsync("C100", ScriptedOfficer.OwnHoldingQuestion);
        await s.DrainAsync();
        Assert.Equal("已为您转接人工，人工客服将在明天08:45前回复您，请稍候。", (await s.TimelineAsync(s.Org.Cm1, "P400"))[^1].Text);
        Assert.Equal("尊敬的客户您好，已为您转接人工服务，人工客服将在明天08:40前回复您，请您稍候。", (await s.TimelineAsync(s.Org.Cm1, "C100"))[^1].Text);

        // In service hours the minutes (09:00 the next morning).
        s.H.Clock.Advance(TimeSpan.FromHours(11));
        await s.SayAsync("S300", ScriptedOfficer.OwnHoldingQuestion);
        await s.DrainAsync();
        Assert.Equal("尊敬的客户您好，已为您转接人工服务，预计等待10分钟，请您稍候。", (await s.TimelineAsync(s.Org.Cm3, "S300"))[^1].Text);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task WhileWaitingOrHumanActive_TheAiSaysNothing_AndTheHumanIsNotified(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", "我要投诉");
        await s.DrainAsync();
        await s.SayAsync("P400", ScriptedOfficer.Question);
        Assert.Equal(0, await s.DrainAsync());

        var conversation = await s.ConversationAsync("P400");
        var taken = await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Cm1), conversation.Id, null, false, CancellationToken.None));
        Assert.True(taken.Ok);
        await s.SayAsync("P400", ScriptedOfficer.Question);
        Assert.Equal(0, await s.DrainAsync());
        Assert.Equal(1, s.Officer.Calls);

        await using var db = s.NewDb();
        Assert.Equal(1, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.OfficerMessage));
        // One bell entry until he reads it, however many lines the client writes (two here, three more below).
        Assert.Equal(1, await db.StaffNotifications.CountAsync(n => n.Kind == NotificationKind.ClientMessage && n.StaffId == s.Org.Cm1.Id));
        foreach (var line in new[] { "在吗", "怎么没人回", "？" }) await s.SayAsync("P400", line);
        Assert.Equal(1, await db.StaffNotifications.CountAsync(n => n.Kind == NotificationKind.ClientMessage && n.StaffId == s.Org.Cm1.Id && n.ReadAt == null));
        await s.H.RunAsync<Notifier>(n => n.MarkAllReadAsync(s.Org.Cm1.Id, CancellationToken.None));
        await s.SayAsync("P400", "还有一个问题");
        Assert.Equal(2, await db.StaffNotifications.CountAsync(n => n.Kind == NotificationKind.ClientMessage && n.StaffId == s.Org.Cm1.Id));
        Assert.Equal(1, await db.StaffNotifications.CountAsync(n => n.Kind == NotificationKind.ClientMessage && n.StaffId == s.Org.Cm1.Id && n.ReadAt == null));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task TwoPeopleTakeOverAtOnce_ExactlyOneWins_TheOtherIsToldWhoHasIt(StoreKind kind)
    {
        await using var s = await CoServiceScenario.StartAsync(kind);
        await s.SayAsync("P400", "我要转人工");
        await s.DrainAsync();
        var conversation = await s.ConversationAsync("P400");

        var results = await Task.WhenAll(
            s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Cm1), conversation.Id, conversation.Version, false, CancellationToken.None)),
            s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Ops), conversation.Id, conversation.Version, false, CancellationToken.None)));

        Assert.Single(results, r => r.Ok);
        var loser = Assert.Single(results, r => r.Status == ControlStatus.Conflict);
        var winner = (await s.ConversationAsync("P400")).ControllerStaffId;
        var winnerName = winner == s.Org.Cm1.Id ? s.Org.Cm1.DisplayName : s.Org.Ops.DisplayName;
        Assert.Contains(winnerName, loser.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HumanTakesOverWhileTheAiIsThinking_TheAiAnswerIsDiscarded()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", ScriptedOfficer.Question);
        var waiting = s.Officer.HoldNextAsync();
        var drain = s.DrainAsync();
        await waiting;
        var conversation = await s.ConversationAsync("P400");
        Assert.True((await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Ops), conversation.Id, null, false, CancellationToken.None))).Ok);
        s.Officer.Release();
        await drain;

        await using var db = s.NewDb();
        Assert.Equal(0, await db.TimelineEvents.CountAsync(e => e.Kind == TimelineKind.OfficerMessage));
        Assert.Equal("silent", (await db.OfficerWorkItems.SingleAsync()).Outcome);
    }

    [Fact]
    public async Task HandBack_ThenTheNextQuestionIsAnsweredByTheAi()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "我要投诉");
        await s.DrainAsync();
        var conversation = await s.ConversationAsync("P400");
        Assert.True((await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), conversation.Id, "您好，我是您的客户经理，马上为您处理。", false, CancellationToken.None))).Ok);
        Assert.True((await s.ControlAsync(c => c.HandBackAsync(As(s.Org.Cm1), conversation.Id, CancellationToken.None))).Ok);

        await s.SayAsync("P400", ScriptedOfficer.Question);
        Assert.Equal(1, await s.DrainAsync());
        var timeline = await s.TimelineAsync(s.Org.Cm1, "P400");
        Assert.Equal(ScriptedOfficer.Answer, timeline.Last(e => e.Kind == TimelineKind.OfficerMessage).Text);
        await using var db = s.NewDb();
        var ticket = await db.Tickets.SingleAsync();
        Assert.Equal(TicketStatus.Resolved, ticket.Status);
        Assert.NotNull(ticket.FirstRespondedAt);
        Assert.Contains(timeline, e => e.Kind == TimelineKind.ControlChange && e.Visibility == EventVisibility.ClientVisible && e.Text == "服务官继续为您服务。");
    }

    [Fact]
    public async Task ReplyingToAnotherPersonsConversation_IsRefused()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "转人工");
        await s.DrainAsync();
        var id = (await s.ConversationAsync("P400")).Id;
        await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Ops), id, null, false, CancellationToken.None));
        var reply = await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), id, "我来", false, CancellationToken.None));
        Assert.Equal(ControlStatus.Conflict, reply.Status);
        var forced = await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Cm1), id, null, force: true, CancellationToken.None));
        Assert.True(forced.Ok);
        await using var db = s.NewDb();
        Assert.Single(await db.StaffNotifications.Where(n => n.StaffId == s.Org.Ops.Id && n.Kind == NotificationKind.ConversationTransferred).ToListAsync());
    }

    [Fact]
    public async Task Transfer_OnlyToAColleagueWhoServesTheClient()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "转人工");
        await s.DrainAsync();
        var id = (await s.ConversationAsync("P400")).Id;
        await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Ops), id, null, false, CancellationToken.None));

        var refused = await s.ControlAsync(c => c.TransferAsync(As(s.Org.Ops), id, s.Org.Cm3.Id, null, CancellationToken.None));
        Assert.Equal(ControlStatus.Invalid, refused.Status);
        Assert.Contains("does not serve this client", refused.Message, StringComparison.Ordinal);

        Assert.True((await s.ControlAsync(c => c.TransferAsync(As(s.Org.Ops), id, s.Org.Cm1.Id, "请跟进", CancellationToken.None))).Ok);
        var conversation = await s.ConversationAsync("P400");
        Assert.Equal((ConversationState.HumanActive, s.Org.Cm1.Id), (conversation.State, conversation.ControllerStaffId));
    }

    [Fact]
    public async Task Close_KeepWithMe_RoutesTheNextMessageToThatPersonUntilItExpires()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("P400", "转人工");
        await s.DrainAsync();
        var id = (await s.ConversationAsync("P400")).Id;
        await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Ops), id, null, false, CancellationToken.None));
        Assert.Equal(ControlStatus.Invalid, (await s.ControlAsync(c => c.CloseAsync(As(s.Org.Ops), id, "", 0, CancellationToken.None))).Status);
        Assert.True((await s.ControlAsync(c => c.CloseAsync(As(s.Org.Ops), id, "已解答", 2, CancellationToken.None))).Ok);

        await s.SayAsync("P400", ScriptedOfficer.Question);
        Assert.Equal(0, await s.DrainAsync());
        var kept = await s.ConversationAsync("P400");
        Assert.NotEqual(id, kept.Id);
        Assert.Equal((ConversationState.HumanActive, s.Org.Ops.Id), (kept.State, kept.ControllerStaffId));
        Assert.True((await s.ControlAsync(c => c.CloseAsync(As(s.Org.Ops), kept.Id, "已解答", 0, CancellationToken.None))).Ok);

        s.H.Clock.Advance(TimeSpan.FromHours(3));
        await s.SayAsync("P400", ScriptedOfficer.Question);
        Assert.Equal(1, await s.DrainAsync());
        Assert.Equal(ConversationState.AiActive, (await s.ConversationAsync("P400")).State);
    }

    [Fact]
    public async Task AnAdvisor_OpensAClientOutsideHisBook_OnlyWhileTheAdviceHandoffIsHis()
    {
        await using var s = await CoServiceScenario.StartAsync();
        Assert.Empty(await s.TimelineAsync(s.Org.Advisor, "P400"));

        await s.SayAsync("P400", "茅台该不该买");
        await s.DrainAsync();
        var id = (await s.ConversationAsync("P400")).Id;
        // Waiting unassigned in the advisors' pool: every advisor may open it, a manager of another book may not.
        Assert.NotEmpty(await s.TimelineAsync(s.Org.Advisor, "P400"));
        Assert.Empty(await s.TimelineAsync(s.Org.Cm2, "P400"));
        Assert.True((await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Advisor), id, null, true, CancellationToken.None))).Ok);
        Assert.True((await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Advisor), id, "您好，我是投资顾问。", false, CancellationToken.None))).Ok);

        // Resolved: the client is outside his scope again.
        Assert.True((await s.ControlAsync(c => c.CloseAsync(As(s.Org.Advisor), id, "已解答", 0, CancellationToken.None))).Ok);
        Assert.Empty(await s.TimelineAsync(s.Org.Advisor, "P400"));
    }

    [Fact]
    public async Task StaffWithoutScope_CannotReadOrPost()
    {
        await using var s = await CoServiceScenario.StartAsync();
        await s.SayAsync("S300", "转人工");
        await s.DrainAsync();
        var id = (await s.ConversationAsync("S300")).Id;
        Assert.Equal(ControlStatus.NotFound, (await s.ControlAsync(c => c.ReplyAsync(As(s.Org.Cm1), id, "hi", false, CancellationToken.None))).Status);
        Assert.Equal(ControlStatus.NotFound, (await s.ControlAsync(c => c.TakeOverAsync(As(s.Org.Cm1), id, null, true, CancellationToken.None))).Status);
        Assert.Equal(ControlStatus.NotFound, (await s.ControlAsync(c => c.AddNoteAsync(As(s.Org.Cm1), "S300", null, "note", CancellationToken.None))).Status);
        Assert.Empty(await s.TimelineAsync(s.Org.Cm1, "S300"));
        Assert.Equal(ControlStatus.Forbidden, (await s.ControlAsync(c => c.AddNoteAsync(As(s.Org.Compliance), "S300", null, "note", CancellationToken.None))).Status);
    }
}

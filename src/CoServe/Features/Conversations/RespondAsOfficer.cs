using System.Globalization;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

/// <summary>
/// Answers one queued client message as the service officer. The AI speaks only while it controls the
/// conversation: the decision is written with the conversation version it read, so if a human took over in
/// the meantime the write fails and the AI stays silent. A handoff opens a routed ticket and sends the one
/// permitted holding message.
/// </summary>
public sealed partial class RespondAsOfficer(
    CoServeDb db,
    IServiceOfficerResponder responder,
    IOutboundGate gate,
    OpenHandoff handoffs,
    TimelineWriter timeline,
    Notifier notifier,
    FieldProtector protector,
    LiveEvents live,
    OutboxSignal outbox,
    IOptions<ConversationsOptions> options,
    IOptions<HandoffOptions> handoffOptions,
    IOptions<ClientsOptions> clientOptions,
    TimeProvider clock,
    ILogger<RespondAsOfficer> logger)
{
    public const string Channel = "officer";

    /// <returns>What happened, for logs and tests: answered, clarified, handoff, silent.</returns>
    public async Task<string> ProcessAsync(long workItemId, CancellationToken ct)
    {
        var item = await db.OfficerWorkItems.SingleAsync(w => w.Id == workItemId, ct);
        if (item.ProcessedAt is not null) return item.Outcome ?? "done";
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == item.ConversationId, ct);
        if (!conversation.AiMaySpeak) return await FinishAsync(item, "silent", ct);

        var request = await BuildRequestAsync(conversation, item.ClientMessageEventId, ct);
        var decision = await responder.RespondAsync(request, ct);

        // Apply with the version read above: a takeover since then wins and the AI says nothing.
        db.ChangeTracker.Clear();
        item = await db.OfficerWorkItems.SingleAsync(w => w.Id == workItemId, ct);
        var tracked = await db.Conversations.SingleAsync(c => c.Id == conversation.Id, ct);
        if (tracked.Version != conversation.Version && !tracked.AiMaySpeak) return await FinishAsync(item, "silent", ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        string outcome;
        switch (decision)
        {
            case OfficerHandoff h:
                outcome = await HandOffAsync(tracked, h.Reason, h.Package, h.HoldingMessage, Explain(h), ct);
                break;
            case OfficerAnswer a:
                outcome = await SpeakAsync(tracked, a.Text, new { engine = a.Engine, entry = a.KnowledgeEntryId, confidence = Math.Round(a.Confidence, 3), why = a.Explanations }, ct)
                    ?? await HandOffAsync(tracked, HandoffReason.GuardrailBlocked, Package(request, "Faq"), null, "gate blocked the answer", ct);
                if (outcome == "answered") await ActionsAsync(tracked, a.Actions, ct);
                break;
            case OfficerClarification c:
                outcome = await SpeakAsync(tracked, c.Text, new { engine = c.Engine, clarify = c.OptionEntryIds, why = c.Explanations }, ct) is null
                    ? await HandOffAsync(tracked, HandoffReason.GuardrailBlocked, Package(request, "Faq"), null, "gate blocked the clarification", ct)
                    : "clarified";
                break;
            default:
                throw new InvalidOperationException($"unknown officer decision {decision.GetType().Name}");
        }
        item.Done(outcome, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        timeline.Publish();
        live.Publish(new ConversationChanged(tracked.ClientId, tracked.Id));
        await notifier.FlushAsync(ct);
        outbox.Notify();
        LogDecision(logger, tracked.Id, outcome, decision.Engine);
        return outcome;
    }

    /// <summary>Stores an AI message for the client if the gate allows it; null when the gate blocked it.</summary>
    private async Task<string?> SpeakAsync(Conversation conversation, string text, object details, CancellationToken ct)
    {
        var verdict = await gate.CheckAsync(new OutboundCandidate(conversation.ClientId, conversation.Channel, OutboundSender.Officer, null, OutboundPurpose.ConversationReply, text, null, false), ct);
        if (verdict.Verdict is GateVerdict.Block or GateVerdict.Defer)
        {
            timeline.Append(conversation.ClientId, TimelineKind.Note, ActorKind.System, null, Channel, EventVisibility.Internal,
                details: new { held = "officer reply", rule = verdict.Rule, why = verdict.Explanation }, conversationId: conversation.Id);
            return null;
        }
        var ev = timeline.Append(conversation.ClientId, TimelineKind.OfficerMessage, ActorKind.Officer, null, conversation.Channel, EventVisibility.ClientVisible,
            text: text, details: details, conversationId: conversation.Id);
        db.Outbox.Add(new OutboxMessage(conversation.ClientId, ev, conversation.Channel, clock.GetUtcNow()));
        conversation.Touch(clock.GetUtcNow());
        return "answered";
    }

    private async Task<string> HandOffAsync(Conversation conversation, HandoffReason reason, HandoffPackage package, string? holding, string explanation, CancellationToken ct)
    {
        await handoffs.OpenAsync(conversation, reason, package, explanation, ct);
        var minutes = (int)Math.Ceiling(handoffOptions.Value.FirstResponse(reason).TotalMinutes);
        var text = holding ?? string.Format(CultureInfo.InvariantCulture, options.Value.HoldingMessage, minutes);
        var ev = timeline.Append(conversation.ClientId, TimelineKind.OfficerMessage, ActorKind.Officer, null, conversation.Channel, EventVisibility.ClientVisible,
            text: text, details: new { holding = true, reason = reason.ToString() }, conversationId: conversation.Id, ticketId: conversation.OpenTicketId);
        db.Outbox.Add(new OutboxMessage(conversation.ClientId, ev, conversation.Channel, clock.GetUtcNow()));
        return "handoff";
    }

    /// <summary>Side tasks the officer asked for (an appointment for the manager): recorded and sent to the client's manager.</summary>
    private async Task ActionsAsync(Conversation conversation, IReadOnlyList<OfficerAction> actions, CancellationToken ct)
    {
        if (actions.Count == 0) return;
        var owner = await db.ClientServicers.AsNoTracking()
            .Where(s => s.ClientId == conversation.ClientId && s.StaffId != null && (s.Duties & (DutyScope.Service | DutyScope.Commission)) != 0)
            .OrderByDescending(s => s.IsPrimary)
            .Select(s => s.StaffId)
            .FirstOrDefaultAsync(ct);
        var clientNo = await db.Clients.Where(c => c.Id == conversation.ClientId).Select(c => c.ClientNo).SingleAsync(ct);
        foreach (var action in actions)
        {
            timeline.Append(conversation.ClientId, TimelineKind.TicketEvent, ActorKind.Officer, null, Channel, EventVisibility.Internal,
                text: action.Detail, details: new { task = action.Kind, owner }, conversationId: conversation.Id);
            if (owner is { } staffId) notifier.Add(staffId, NotificationKind.DutyTask, $"服务官为客户 {clientNo} 创建了任务：{action.Kind}", $"/clients/{clientNo}", conversation.ClientId);
        }
    }

    private async Task<string> FinishAsync(OfficerWorkItem item, string outcome, CancellationToken ct)
    {
        item.Done(outcome, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return outcome;
    }

    private async Task<OfficerRequest> BuildRequestAsync(Conversation conversation, long messageEventId, CancellationToken ct)
    {
        var events = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.ConversationId == conversation.Id && e.Id <= messageEventId
                && (e.Kind == TimelineKind.ClientMessage || e.Kind == TimelineKind.OfficerMessage || e.Kind == TimelineKind.StaffMessage))
            .OrderByDescending(e => e.Id)
            .Take(options.Value.HistoryTurns + 1)
            .ToListAsync(ct);
        events.Reverse();
        var current = events[^1];
        var history = events.Take(events.Count - 1).Select(e => new OfficerTurn(
            e.Kind switch { TimelineKind.ClientMessage => OfficerTurnRole.Client, TimelineKind.OfficerMessage => OfficerTurnRole.Officer, _ => OfficerTurnRole.Staff },
            protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher) ?? "",
            EntryOf(e.Details),
            e.At)).ToList();

        var client = await db.Clients.AsNoTracking().Include(c => c.Consents).SingleAsync(c => c.Id == conversation.ClientId, ct);
        var branch = client.BranchId is { } b ? await db.Branches.AsNoTracking().SingleOrDefaultAsync(x => x.Id == b, ct) : null;
        var today = Platform.Time.BusinessTime.Today(clock);
        var facts = new Dictionary<string, string>();
        var context = new OfficerClientContext(
            client.ClientNo,
            "尊敬的客户",
            branch?.Name,
            branch?.Hotline,
            client.SuitabilityLevel,
            client.IsProfessionalInvestor,
            clientOptions.Value.IsSuitabilityExpired(client.SuitabilityAssessedOn, today),
            client.HasConsent(ConsentPurpose.ExternalModelProcessing),
            facts);
        return new OfficerRequest(context, protector.DecryptOrNull(ProtectedField.MessageText, current.TextCipher) ?? "", history, conversation.Channel);
    }

    private static string? EntryOf(string? details)
    {
        if (string.IsNullOrEmpty(details)) return null;
        using var doc = System.Text.Json.JsonDocument.Parse(details);
        return doc.RootElement.TryGetProperty("entry", out var e) && e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : null;
    }

    private static HandoffPackage Package(OfficerRequest request, string intent) =>
        new($"客户：{request.Text}", intent, [request.Text], new Dictionary<string, IReadOnlyList<string>>(), null);

    private static string Explain(OfficerDecision d) => $"{d.Engine}: {string.Join("; ", d.Explanations)}";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Officer decision for conversation {ConversationId}: {Outcome} ({Engine})")]
    private static partial void LogDecision(ILogger logger, long conversationId, string outcome, string engine);
}

using System.Globalization;
using System.Text;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Handoffs;
using CoServe.Features.Notifications;
using CoServe.Features.Outreach;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

/// <summary>
/// Answers one queued client message as the service officer. The AI speaks only while it controls the
/// conversation: the decision is written with the conversation version it read, so if a human took over in
/// the meantime the write fails and the AI stays silent. A handoff opens a routed ticket and sends the one
/// permitted holding message. A batch's timeline events, outbox rows and conversation updates are written set-based,
/// outside change tracking (one multi-row insert per table, one update for the conversations).
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

    /// <summary>Conversations in one history statement at most (SQLite allows 500 terms in a compound SELECT).</summary>
    private const int MaxPartsPerStatement = 50;

    // The round's reads, translated once (see HotQuery).
    private static readonly HotQuery<IReadOnlyList<long>, OfficerWorkItem> WorkItemsQuery = new((db, ids) => db.OfficerWorkItems.AsNoTracking().Where(w => ids.Contains(w.Id)));
    private static readonly HotQuery<List<long>, Conversation> ConversationsQuery = new((db, ids) => db.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id)));
    private static readonly HotQuery<List<long>, Client> ClientsQuery = new((db, ids) => db.Clients.AsNoTracking().Include(c => c.Consents).Where(c => ids.Contains(c.Id)));
    private static readonly HotQuery<List<int>, Organization.Branch> BranchesQuery = new((db, ids) => db.Branches.AsNoTracking().Where(b => ids.Contains(b.Id)));

    private readonly List<(long ClientId, TimelineEvent Message, string Channel)> _outbox = [];
    private readonly List<(HandoffRequest Request, string? Holding)> _handoffs = [];
    private IReadOnlyList<Ticket> _opened = [];

    /// <returns>What happened, for logs and tests: answered, clarified, handoff, silent.</returns>
    public async Task<string> ProcessAsync(long workItemId, CancellationToken ct) => (await ProcessBatchAsync([workItemId], ct))[0];

    /// <summary>
    /// Answers several queued messages of different conversations in one unit of work: reads once per batch, the
    /// outbound gate decides every reply in one call (in order, as if one by one), one transaction for all. Each
    /// item is still applied with the conversation version it read, so a takeover meanwhile keeps the AI silent
    /// there; a takeover after that fails the whole batch (optimistic concurrency) and the caller retries.
    /// </summary>
    /// <returns>One outcome per item, in order.</returns>
    public async Task<IReadOnlyList<string>> ProcessBatchAsync(IReadOnlyList<long> workItemIds, CancellationToken ct)
    {
        var outcomes = new string[workItemIds.Count];
        await db.HoldConnectionAsync(ct);
        var items = (await WorkItemsQuery.ListAsync(db, workItemIds, ct)).ToDictionary(w => w.Id);
        var conversationIds = items.Values.Select(w => w.ConversationId).Distinct().ToList();
        var read = (await ConversationsQuery.ListAsync(db, conversationIds, ct)).ToDictionary(c => c.Id);
        if (items.Count != workItemIds.Count || items.Values.GroupBy(w => w.ConversationId).Any(g => g.Count() > 1))
        {
            throw new ArgumentException("a batch holds existing work items of different conversations", nameof(workItemIds));
        }

        // Decide outside the transaction: the engine (or a model) may take a while.
        var clients = await ClientsAsync(read.Values.Select(c => c.ClientId).Distinct().ToList(), ct);
        var pending = new List<int>();
        for (var i = 0; i < workItemIds.Count; i++)
        {
            var item = items[workItemIds[i]];
            if (item.ProcessedAt is not null || !read[item.ConversationId].AiMaySpeak)
            {
                outcomes[i] = item.ProcessedAt is not null ? item.Outcome ?? "done" : "silent";
                continue;
            }
            pending.Add(i);
        }
        var turns = await TurnsAsync(pending.ConvertAll(i => (items[workItemIds[i]].ClientId, items[workItemIds[i]].ConversationId, items[workItemIds[i]].ClientMessageEventId)), ct);
        var work = new List<(int Index, OfficerRequest Request, OfficerDecision Decision, int Version)>();
        foreach (var i in pending)
        {
            var conversation = read[items[workItemIds[i]].ConversationId];
            var request = BuildRequest(conversation, turns[conversation.Id], clients[conversation.ClientId]);
            work.Add((i, request, await responder.RespondAsync(request, ct), conversation.Version));
        }

        // Apply with the versions read above: a takeover since then wins and the AI says nothing.
        db.ChangeTracker.Clear();
        _outbox.Clear();
        _handoffs.Clear();
        _opened = [];
        timeline.Defer();
        notifier.Defer();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conversations = (await ConversationsQuery.ListAsync(db, conversationIds, ct)).ToDictionary(c => c.Id);
        var asRead = conversations.Values.ToDictionary(c => c.Id, ConversationRead.Of);
        Conversation ConversationOf(int index) => conversations[items[workItemIds[index]].ConversationId];
        var speaking = work.Where(w =>
        {
            var c = ConversationOf(w.Index);
            if (c.Version == w.Version || c.AiMaySpeak) return true;
            outcomes[w.Index] = "silent";
            return false;
        }).ToList();
        var replies = speaking.Where(w => w.Decision is OfficerAnswer or OfficerClarification).ToList();
        var verdicts = await gate.CheckManyAsync(replies.Select(w => new OutboundCandidate(
            ConversationOf(w.Index).ClientId, ConversationOf(w.Index).Channel,
            OutboundSender.Officer, null, OutboundPurpose.ConversationReply, ReplyText(w.Decision), null, false)).ToList(), ct);
        var verdictOf = replies.Select((w, n) => (w.Index, Verdict: verdicts[n])).ToDictionary(x => x.Index, x => x.Verdict);

        var now = clock.GetUtcNow();
        var touched = new List<Conversation>();
        foreach (var (index, request, decision, _) in speaking)
        {
            var conversation = ConversationOf(index);
            touched.Add(conversation);
            switch (decision)
            {
                case OfficerHandoff h:
                    outcomes[index] = HandOff(conversation, clients[conversation.ClientId].ClientNo, h.Reason, h.Package, h.HoldingMessage, Explain(h));
                    break;
                case OfficerAnswer a:
                    outcomes[index] = Speak(conversation, a.Text, verdictOf[index], new { engine = a.Engine, entry = a.KnowledgeEntryId, confidence = Math.Round(a.Confidence, 3), why = a.Explanations })
                        ?? HandOff(conversation, clients[conversation.ClientId].ClientNo, HandoffReason.GuardrailBlocked, Package(request, "Faq"), null, "gate blocked the answer");
                    if (outcomes[index] == "answered") await ActionsAsync(conversation, a.Actions, clients[conversation.ClientId].ClientNo, ct);
                    break;
                case OfficerClarification c:
                    outcomes[index] = Speak(conversation, c.Text, verdictOf[index], new { engine = c.Engine, clarify = c.OptionEntryIds, why = c.Explanations }) is null
                        ? HandOff(conversation, clients[conversation.ClientId].ClientNo, HandoffReason.GuardrailBlocked, Package(request, "Faq"), null, "gate blocked the clarification")
                        : "clarified";
                    break;
                default:
                    throw new InvalidOperationException($"unknown officer decision {decision.GetType().Name}");
            }
            LogDecision(logger, conversation.Id, outcomes[index], decision.Engine);
        }
        await OpenHandoffsAsync(ct);
        foreach (var (index, _, decision, _) in speaking) RecordGuardrailBlocks(ConversationOf(index), decision, now);
        await db.SaveChangesAsync(ct); // the block log
        await timeline.StoreAsync(ct);
        await notifier.StoreAsync(ct);
        await OutboxMessage.InsertAsync(db, _outbox.Select(o => (o.ClientId, o.Message.Id, o.Channel)).ToList(), now, ct);
        await UpdateConversationsAsync(touched, asRead, ct);
        await MarkDoneAsync(workItemIds, outcomes, now, ct);
        await tx.CommitAsync(ct);

        timeline.Publish();
        foreach (var c in touched) live.Publish(new ConversationChanged(c.ClientId, c.Id));
        // The queues reload on ticket changes, not on every message: each new handoff is one.
        foreach (var t in _opened) live.Publish(TicketChanged.Of(t));
        await notifier.FlushAsync(ct);
        if (touched.Count > 0) outbox.Notify();
        return outcomes;
    }

    private static readonly string[] ControlColumns =
    [
        nameof(Conversation.State), nameof(Conversation.ControllerStaffId), nameof(Conversation.LastActivityAt),
        nameof(Conversation.OpenTicketId), nameof(Conversation.Version),
    ];

    private static readonly string[] ActivityColumns = [nameof(Conversation.LastActivityAt), nameof(Conversation.Version)];

    /// <summary>What the apply step read of a conversation: the version it must still have, and its control columns.</summary>
    private readonly record struct ConversationRead(int Version, ConversationState State, int? ControllerStaffId, long? OpenTicketId)
    {
        public static ConversationRead Of(Conversation c) => new(c.Version, c.State, c.ControllerStaffId, c.OpenTicketId);

        public bool ControlChanged(Conversation c) => c.State != State || c.ControllerStaffId != ControllerStaffId || c.OpenTicketId != OpenTicketId;
    }

    /// <summary>
    /// The conversations the batch changed, each only if it still has the version read (else the batch fails, as with
    /// EF's check). An answer changes only the conversation's activity: its row is updated without the control
    /// columns, because SQLite rewrites an index entry whenever its column is assigned, even to the same value, and
    /// three indexes hold state or controller (a page of the write-ahead log each per conversation and commit).
    /// </summary>
    private async Task UpdateConversationsAsync(List<Conversation> touched, Dictionary<long, ConversationRead> asRead, CancellationToken ct)
    {
        var changed = touched.Where(c => c.Version != asRead[c.Id].Version).ToLookup(c => asRead[c.Id].ControlChanged(c));
        var updated = await RowUpdates.ExecuteAsync<Conversation>(db, ControlColumns,
            changed[true].Select(c => new RowUpdate(c.Id, asRead[c.Id].Version, [c.State, c.ControllerStaffId, c.LastActivityAt, c.OpenTicketId, c.Version])), ct);
        updated += await RowUpdates.ExecuteAsync<Conversation>(db, ActivityColumns,
            changed[false].Select(c => new RowUpdate(c.Id, asRead[c.Id].Version, [c.LastActivityAt, c.Version])), ct);
        var count = changed.Sum(g => g.Count());
        if (updated != count)
        {
            throw new DbUpdateConcurrencyException($"{count - updated} of {count} conversations changed meanwhile");
        }
    }

    /// <summary>The block log: which rules stopped the officer's draft in this conversation (and the ticket it opened), never the text.</summary>
    private void RecordGuardrailBlocks(Conversation conversation, OfficerDecision decision, DateTimeOffset now)
    {
        foreach (var hit in decision.GuardrailHits)
        {
            db.GuardrailBlocks.Add(new GuardrailBlock(hit.RuleId, hit.Kind, hit.RuleSetVersion, hit.Source, now,
                conversation.ClientId, conversation.Id, decision is OfficerHandoff ? conversation.OpenTicketId : null));
        }
    }

    private static string ReplyText(OfficerDecision d) => d switch
    {
        OfficerAnswer a => a.Text,
        OfficerClarification c => c.Text,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>Stores an AI message for the client if the gate allowed it; null when the gate held it back.</summary>
    private string? Speak(Conversation conversation, string text, GateDecision verdict, object details)
    {
        if (verdict.Verdict is GateVerdict.Block or GateVerdict.Defer)
        {
            timeline.Append(conversation.ClientId, TimelineKind.Note, ActorKind.System, null, Channel, EventVisibility.Internal,
                details: new { held = "officer reply", rule = verdict.Rule, why = verdict.Explanation }, conversationId: conversation.Id);
            return null;
        }
        var ev = timeline.Append(conversation.ClientId, TimelineKind.OfficerMessage, ActorKind.Officer, null, conversation.Channel, EventVisibility.ClientVisible,
            text: text, details: details, conversationId: conversation.Id);
        _outbox.Add((conversation.ClientId, ev, conversation.Channel));
        conversation.Touch(clock.GetUtcNow());
        return "answered";
    }

    /// <summary>
    /// The batch's work items as processed, one statement per outcome rather than one per item; an item another
    /// worker finished meanwhile keeps its own outcome, as when it was loaded and saved.
    /// </summary>
    private async Task MarkDoneAsync(IReadOnlyList<long> workItemIds, string[] outcomes, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var group in workItemIds.Select((id, i) => (Id: id, Outcome: outcomes[i])).GroupBy(x => x.Outcome, x => x.Id))
        {
            var ids = group.ToList();
            var outcome = group.Key;
            await db.OfficerWorkItems.Where(w => ids.Contains(w.Id) && w.ProcessedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.ProcessedAt, now).SetProperty(w => w.Outcome, outcome), ct);
        }
    }

    /// <summary>Queues a handoff; the batch's handoffs are routed and opened together (<see cref="OpenHandoffsAsync"/>).</summary>
    private string HandOff(Conversation conversation, string clientNo, HandoffReason reason, HandoffPackage package, string? holding, string explanation)
    {
        _handoffs.Add((new HandoffRequest(conversation, clientNo, reason, package, explanation), holding));
        return "handoff";
    }

    /// <summary>The batch's handoffs as tickets (routed together, stored in one round), each with the one holding message the AI may send.</summary>
    private async Task OpenHandoffsAsync(CancellationToken ct)
    {
        _opened = await handoffs.OpenManyAsync(_handoffs.ConvertAll(h => h.Request), ct);
        for (var i = 0; i < _handoffs.Count; i++)
        {
            var ((request, holding), ticket) = (_handoffs[i], _opened[i]);
            var (conversation, reason) = (request.Conversation, request.Reason);
            // The wait the client is promised is the ticket's own deadline (service hours), not a fixed figure.
            var wait = WaitPromise.Phrase(ticket.CreatedAt, ticket.FirstResponseDueAt, handoffOptions.Value.FirstResponse(reason));
            var text = WaitPromise.Fill(holding ?? string.Format(CultureInfo.InvariantCulture, options.Value.HoldingMessage, wait), wait);
            var ev = timeline.Append(conversation.ClientId, TimelineKind.OfficerMessage, ActorKind.Officer, null, conversation.Channel, EventVisibility.ClientVisible,
                text: text, details: new { holding = true, reason = reason.ToString() }, conversationId: conversation.Id, ticketId: conversation.OpenTicketId);
            _outbox.Add((conversation.ClientId, ev, conversation.Channel));
        }
    }

    /// <summary>Side tasks the officer asked for (an appointment for the manager): recorded and sent to the client's manager.</summary>
    private async Task ActionsAsync(Conversation conversation, IReadOnlyList<OfficerAction> actions, string clientNo, CancellationToken ct)
    {
        if (actions.Count == 0) return;
        var owner = await db.ClientServicers.AsNoTracking()
            .Where(s => s.ClientId == conversation.ClientId && s.StaffId != null && (s.Duties & (DutyScope.Service | DutyScope.Commission)) != 0)
            .OrderByDescending(s => s.IsPrimary)
            .Select(s => s.StaffId)
            .FirstOrDefaultAsync(ct);
        foreach (var action in actions)
        {
            timeline.Append(conversation.ClientId, TimelineKind.TicketEvent, ActorKind.Officer, null, Channel, EventVisibility.Internal,
                text: action.Detail, details: new { task = action.Kind, owner }, conversationId: conversation.Id);
            if (owner is { } staffId) notifier.Add(staffId, NotificationKind.DutyTask, $"服务官为客户 {clientNo} 创建了任务：{action.Kind}", $"/clients/{clientNo}", conversation.ClientId);
        }
    }

    private async Task<Dictionary<long, ClientFacts>> ClientsAsync(List<long> clientIds, CancellationToken ct)
    {
        var clients = await ClientsQuery.ListAsync(db, clientIds, ct);
        var branchIds = clients.Where(c => c.BranchId is not null).Select(c => c.BranchId!.Value).Distinct().ToList();
        var branches = (await BranchesQuery.ListAsync(db, branchIds, ct)).ToDictionary(b => b.Id);
        return clients.ToDictionary(c => c.Id, c => new ClientFacts(c, c.BranchId is { } b ? branches.GetValueOrDefault(b) : null));
    }

    private sealed record ClientFacts(Client Client, Organization.Branch? Branch)
    {
        public string ClientNo => Client.ClientNo;
    }

    /// <summary>A turn of a conversation as the officer reads it (client, officer and staff messages only).</summary>
    private sealed record Turn(long Id, long ConversationId, TimelineKind Kind, byte[]? TextCipher, string? Details, DateTimeOffset At);

    /// <summary>
    /// For each item (client, conversation, its client message): the newest turns up to that message, oldest first, the
    /// message last. One statement for the batch: one part per conversation, each a read of the client's events newest
    /// first (the timeline's client index; a conversation's turns are its client's latest events) with a LIMIT, joined with
    /// UNION ALL, so a long conversation costs no more than a short one and the batch makes one round trip instead of
    /// one per item. (A window function over the batch's conversations was tried before; it read whole conversations.)
    /// The statement is written directly, not through LINQ: EF compiled a fifty-part union on every batch (about 0.2 ms
    /// per item). Every value in it is a whole number (ids, kinds, the limit), written as a literal.
    /// </summary>
    private async Task<Dictionary<long, List<Turn>>> TurnsAsync(List<(long ClientId, long ConversationId, long MessageEventId)> items, CancellationToken ct)
    {
        var turns = new Dictionary<long, List<Turn>>();
        if (items.Count == 0) return turns;
        var take = options.Value.HistoryTurns + 1;
        var kinds = string.Join(", ", new[] { TimelineKind.ClientMessage, TimelineKind.OfficerMessage, TimelineKind.StaffMessage }.Select(k => (int)k));
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var chunk in items.Chunk(MaxPartsPerStatement))
            {
                var sql = new StringBuilder();
                for (var k = 0; k < chunk.Length; k++)
                {
                    if (k > 0) sql.Append(" UNION ALL ");
                    sql.Append(CultureInfo.InvariantCulture,
                        $"""SELECT * FROM (SELECT "Id", "ConversationId", "Kind", "TextCipher", "Details", "At" FROM "TimelineEvents" WHERE "ClientId" = {chunk[k].ClientId} AND "Id" <= {chunk[k].MessageEventId} AND "ConversationId" = {chunk[k].ConversationId} AND "Kind" IN ({kinds}) ORDER BY "Id" DESC LIMIT {take}) AS p{k}""");
                }
                await using var cmd = db.Database.GetDbConnection().CreateCommand();
                cmd.CommandText = sql.ToString();
                cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var turn = new Turn(
                        reader.GetInt64(0),
                        reader.GetInt64(1),
                        (TimelineKind)reader.GetInt32(2),
                        reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        // SQLite keeps instants as UTC ticks (the model's converter), PostgreSQL as timestamptz.
                        db.IsSqlite ? new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero) : reader.GetFieldValue<DateTimeOffset>(5));
                    if (!turns.TryGetValue(turn.ConversationId, out var list)) turns[turn.ConversationId] = list = [];
                    list.Add(turn);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        foreach (var list in turns.Values) list.Sort((a, b) => a.Id.CompareTo(b.Id));
        return turns;
    }

    private OfficerRequest BuildRequest(Conversation conversation, List<Turn> events, ClientFacts facts)
    {
        var current = events[^1];
        var history = events.Take(events.Count - 1).Select(e => new OfficerTurn(
            e.Kind switch { TimelineKind.ClientMessage => OfficerTurnRole.Client, TimelineKind.OfficerMessage => OfficerTurnRole.Officer, _ => OfficerTurnRole.Staff },
            protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher) ?? "",
            EntryOf(e.Details),
            e.At)).ToList();

        var (client, branch) = (facts.Client, facts.Branch);
        var today = Platform.Time.BusinessTime.Today(clock);
        var context = new OfficerClientContext(
            client.ClientNo,
            "尊敬的客户",
            branch?.Name,
            branch?.Hotline,
            client.SuitabilityLevel,
            client.IsProfessionalInvestor,
            clientOptions.Value.IsSuitabilityExpired(client.SuitabilityAssessedOn, today),
            client.HasConsent(ConsentPurpose.ExternalModelProcessing),
            new Dictionary<string, string>());
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

using System.Globalization;
using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Notifications;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

/// <summary>
/// Stores a batch of checked client messages in one transaction. Each message is stored once on the client's
/// timeline (idempotent by the channel's message id, also within the batch), attached to the open conversation of
/// its channel (or a new one: back to the AI, unless a colleague asked to keep the client), and queued for the
/// service officer only when the AI holds the conversation; the human in control is notified instead. Reads are
/// one query per kind for the whole batch (clients, stored keys, open conversations), not per message; the writes
/// are set-based too, outside change tracking: the timeline events and the work items one multi-row insert each,
/// the conversations one update that applies only where each still has the version read (optimistic concurrency).
/// </summary>
public sealed partial class InboundBatch(
    CoServeDb db,
    TimelineWriter timeline,
    Notifier notifier,
    LiveEvents live,
    OfficerSignal officer,
    TimeProvider clock,
    ILogger<InboundBatch> logger)
{
    // The batch's reads, translated once (see HotQuery).
    private static readonly HotQuery<List<string>, ClientRef> ClientsByNumberQuery = new((db, numbers) =>
        db.Clients.AsNoTracking().Where(c => numbers.Contains(c.ClientNo)).Select(c => new ClientRef(c.Id, c.ClientNo)));
    private static readonly HotQuery<List<long>, List<string>, StoredKey> StoredKeysQuery = new((db, clientIds, keys) =>
        db.TimelineEvents.AsNoTracking().Where(e => clientIds.Contains(e.ClientId) && e.IdempotencyKey != null && keys.Contains(e.IdempotencyKey))
            .Select(e => new StoredKey(e.ClientId, e.IdempotencyKey, e.Id)));
    private static readonly HotQuery<List<long>, Conversation> OpenConversationsQuery = new((db, clientIds) =>
        db.Conversations.AsNoTracking().Where(c => clientIds.Contains(c.ClientId) && c.State != ConversationState.Closed));

    private sealed record ClientRef(long Id, string ClientNo);
    private sealed record StoredKey(long ClientId, string? Key, long Id);

    /// <returns>One result per message, in order.</returns>
    public async Task<InboundResult[]> StoreAsync(IReadOnlyList<InboundClientMessage> messages, CancellationToken ct)
    {
        var results = new InboundResult[messages.Count];
        await db.HoldConnectionAsync(ct);
        var clients = await ClientsAsync(messages, ct);
        var keyOf = new string?[messages.Count];
        var clientOf = new (long Id, string ClientNo)[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            if (!clients.TryGetValue(Reference(messages[i]), out var client))
            {
                results[i] = new InboundResult(InboundOutcome.UnknownClient, null, "no client with this reference");
                continue;
            }
            clientOf[i] = client;
            keyOf[i] = $"{messages[i].Channel}:{messages[i].IdempotencyKey}";
        }

        var stored = await StoredKeysAsync(clientOf, keyOf, ct);
        var now = clock.GetUtcNow();
        timeline.Defer();
        notifier.Defer();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conversations = await OpenConversationsAsync(clientOf.Where((_, i) => keyOf[i] is not null).Select(c => c.Id).Distinct().ToList(), ct);

        // First pass: settle duplicates and open the conversations that are missing (their ids are needed below).
        var firstInBatch = new Dictionary<(long, string), int>();
        var toStore = new List<int>();
        var missing = new List<(long ClientId, string Channel)>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (keyOf[i] is not { } key) continue;
            var client = clientOf[i].Id;
            if (stored.TryGetValue((client, key), out var existing))
            {
                results[i] = new InboundResult(InboundOutcome.Duplicate, existing, null);
                continue;
            }
            if (!firstInBatch.TryAdd((client, key), i)) continue; // answered with the first copy's event below
            toStore.Add(i);
            if (!conversations.ContainsKey((client, messages[i].Channel))) missing.Add((client, messages[i].Channel));
        }
        var keepers = await KeptWithAsync(missing, now, ct);
        var started = new List<(Conversation Conversation, int? KeptWith)>();
        foreach (var (client, channel) in missing.Distinct())
        {
            var keepWith = keepers.TryGetValue((client, channel), out var keeper) ? keeper : (int?)null;
            var conversation = new Conversation(client, channel, now);
            if (keepWith is { } staff) conversation.StartWithStaff(staff, now);
            else conversation.StartWithAi(now);
            db.Conversations.Add(conversation);
            conversations[(client, channel)] = conversation;
            started.Add((conversation, keepWith));
        }
        if (started.Count > 0)
        {
            await db.SaveChangesAsync(ct);
            // From here on they are updated like the others, with the version just stored.
            foreach (var (conversation, _) in started) db.Entry(conversation).State = EntityState.Detached;
        }
        foreach (var (conversation, keptWith) in started.Where(s => s.KeptWith is not null))
        {
            timeline.Append(conversation.ClientId, TimelineKind.ControlChange, ActorKind.System, null, conversation.Channel, EventVisibility.Internal,
                details: new { to = "HumanActive", staff = keptWith, reason = "kept with staff after close" }, conversationId: conversation.Id);
        }

        // Second pass: the messages themselves, in arrival order.
        var events = new Dictionary<int, TimelineEvent>();
        var versionRead = new Dictionary<Conversation, int>();
        var workItems = new List<(long ConversationId, TimelineEvent Message)>();
        var toTell = new Dictionary<long, (int Staff, long ClientId, string ClientNo, long? TicketId)>();
        foreach (var i in toStore)
        {
            var message = messages[i];
            var (clientId, clientNo) = clientOf[i];
            var conversation = conversations[(clientId, message.Channel)];
            var ev = timeline.Append(clientId, TimelineKind.ClientMessage, ActorKind.Client, null, message.Channel, EventVisibility.ClientVisible,
                text: message.Text?.Trim() ?? "",
                details: message.Attachments.Count == 0 ? null : new { attachments = message.Attachments },
                conversationId: conversation.Id,
                idempotencyKey: keyOf[i]);
            events[i] = ev;
            versionRead.TryAdd(conversation, conversation.Version);
            conversation.ClientSpoke(now);
            if (conversation.AiMaySpeak)
            {
                workItems.Add((conversation.Id, ev));
            }
            else if (conversation.ControllerStaffId is { } controller)
            {
                toTell[conversation.Id] = (controller, clientId, clientNo, conversation.OpenTicketId);
            }
        }
        await TellControllersAsync(toTell, ct);
        await timeline.StoreAsync(ct);
        await OfficerWorkItem.InsertAsync(db, workItems.Select(w => (w.ConversationId, w.Message.ClientId, w.Message.Id)).ToList(), now, ct);
        await UpdateConversationsAsync(versionRead, ct);
        await notifier.StoreAsync(ct);
        await tx.CommitAsync(ct);

        for (var i = 0; i < messages.Count; i++)
        {
            if (results[i] is not null || keyOf[i] is not { } key) continue;
            var first = firstInBatch[(clientOf[i].Id, key)];
            results[i] = first == i
                ? new InboundResult(InboundOutcome.Stored, events[i].Id, null)
                : new InboundResult(InboundOutcome.Duplicate, events[first].Id, null);
        }
        timeline.Publish();
        foreach (var i in toStore)
        {
            live.Publish(new ConversationChanged(clientOf[i].Id, conversations[(clientOf[i].Id, messages[i].Channel)].Id));
        }
        await notifier.FlushAsync(ct);
        if (workItems.Count > 0) officer.Notify();
        LogStored(logger, toStore.Count, messages.Count);
        return results;
    }

    private static (ClientReferenceKind, string) Reference(InboundClientMessage m) =>
        m.ReferenceKind == ClientReferenceKind.ClientNo
            ? (ClientReferenceKind.ClientNo, m.ClientReference.Trim().ToUpperInvariant())
            : (m.ReferenceKind, m.ClientReference.Trim());

    private async Task<Dictionary<(ClientReferenceKind, string), (long Id, string ClientNo)>> ClientsAsync(IReadOnlyList<InboundClientMessage> messages, CancellationToken ct)
    {
        var found = new Dictionary<(ClientReferenceKind, string), (long, string)>();
        var numbers = messages.Select(Reference).Where(r => r.Item1 == ClientReferenceKind.ClientNo).Select(r => r.Item2).Distinct().ToList();
        if (numbers.Count > 0)
        {
            foreach (var (id, clientNo) in await ClientsByNumberQuery.ListAsync(db, numbers, ct))
            {
                found[(ClientReferenceKind.ClientNo, clientNo)] = (id, clientNo);
            }
        }
        foreach (var (kind, external) in messages.Select(Reference).Where(r => r.Item1 != ClientReferenceKind.ClientNo).Distinct())
        {
            // WeCom external user ids: a handful per batch, looked up as before (first linked client).
            var c = await db.Clients.AsNoTracking().Where(c => c.WeComExternalUserId == external).Select(c => new { c.Id, c.ClientNo }).FirstOrDefaultAsync(ct);
            if (c is not null) found[(kind, external)] = (c.Id, c.ClientNo);
        }
        return found;
    }

    private async Task<Dictionary<(long, string), long>> StoredKeysAsync((long Id, string ClientNo)[] clientOf, string?[] keyOf, CancellationToken ct)
    {
        var keys = keyOf.OfType<string>().Distinct().ToList();
        if (keys.Count == 0) return [];
        var clientIds = clientOf.Where((_, i) => keyOf[i] is not null).Select(c => c.Id).Distinct().ToList();
        var rows = await StoredKeysQuery.ListAsync(db, clientIds, keys, ct);
        return rows.ToDictionary(r => (r.ClientId, r.Key!), r => r.Id);
    }

    /// <summary>
    /// The person holding or awaited in a conversation hears that the client wrote: once until he reads it, however
    /// many messages follow (a client writing ten lines in a row made ten bell entries and ten WeCom app messages).
    /// </summary>
    private async Task TellControllersAsync(Dictionary<long, (int Staff, long ClientId, string ClientNo, long? TicketId)> toTell, CancellationToken ct)
    {
        if (toTell.Count == 0) return;
        var linkOf = toTell.Keys.ToDictionary(id => id, id => "/conversations/" + id.ToString(CultureInfo.InvariantCulture));
        var links = linkOf.Values.ToList();
        var staff = toTell.Values.Select(t => t.Staff).Distinct().ToList();
        var waiting = (await db.StaffNotifications.AsNoTracking()
            .Where(n => staff.Contains(n.StaffId) && n.ReadAt == null && n.Kind == NotificationKind.ClientMessage && links.Contains(n.Link!))
            .Select(n => new { n.StaffId, n.Link })
            .ToListAsync(ct)).Select(n => (n.StaffId, n.Link)).ToHashSet();
        foreach (var (conversationId, (controller, clientId, clientNo, ticketId)) in toTell)
        {
            var link = linkOf[conversationId];
            if (!waiting.Contains((controller, link))) notifier.Add(controller, NotificationKind.ClientMessage, $"客户 {clientNo} 发来新消息", link, clientId, ticketId);
        }
    }

    /// <summary>
    /// The conversations the batch's messages went to: activity and version, each only if it still has the version
    /// read (a staff member's change meanwhile fails the batch, which is then written again from a fresh read).
    /// </summary>
    private async Task UpdateConversationsAsync(Dictionary<Conversation, int> versionRead, CancellationToken ct)
    {
        string[] set = [nameof(Conversation.Version), nameof(Conversation.LastClientMessageAt), nameof(Conversation.LastActivityAt)];
        var updated = await RowUpdates.ExecuteAsync<Conversation>(db, set,
            versionRead.Select(v => new RowUpdate(v.Key.Id, v.Value, [v.Key.Version, v.Key.LastClientMessageAt, v.Key.LastActivityAt])), ct);
        if (updated != versionRead.Count)
        {
            throw new DbUpdateConcurrencyException($"{versionRead.Count - updated} of {versionRead.Count} conversations changed meanwhile");
        }
    }

    /// <summary>The newest open conversation per client and channel, as read (the batch updates them set-based).</summary>
    private async Task<Dictionary<(long, string), Conversation>> OpenConversationsAsync(List<long> clientIds, CancellationToken ct)
    {
        var open = await OpenConversationsQuery.ListAsync(db, clientIds, ct);
        return open.GroupBy(c => (c.ClientId, c.Channel)).ToDictionary(g => g.Key, g => g.MaxBy(c => c.Id)!);
    }

    /// <summary>
    /// For each client and channel about to start a conversation: the colleague who asked, when closing the last
    /// one, to keep the client, if still active and in time. One query for the batch: only conversations closed
    /// with "keep with me" are read, and such a wish counts only if no later conversation followed it.
    /// </summary>
    private async Task<Dictionary<(long, string), int>> KeptWithAsync(List<(long ClientId, string Channel)> starting, DateTimeOffset now, CancellationToken ct)
    {
        if (starting.Count == 0) return [];
        var clientIds = starting.Select(s => s.ClientId).Distinct().ToList();
        var wishes = (await db.Conversations.AsNoTracking()
                .Where(c => clientIds.Contains(c.ClientId) && c.KeepWithStaffId != null)
                .Select(c => new { c.Id, c.ClientId, c.Channel, c.KeepWithStaffId, c.KeepUntil })
                .ToListAsync(ct))
            .Where(c => c.KeepUntil > now && starting.Contains((c.ClientId, c.Channel)))
            .ToList();
        if (wishes.Count == 0) return [];
        var wishClients = wishes.Select(w => w.ClientId).Distinct().ToList();
        var latest = await db.Conversations.AsNoTracking()
            .Where(c => wishClients.Contains(c.ClientId))
            .GroupBy(c => new { c.ClientId, c.Channel })
            .Select(g => g.Max(c => c.Id))
            .ToListAsync(ct);
        var staffIds = wishes.Select(w => w.KeepWithStaffId!.Value).Distinct().ToList();
        var active = await db.Staff.AsNoTracking().Where(s => staffIds.Contains(s.Id) && s.IsActive).Select(s => s.Id).ToListAsync(ct);
        return wishes
            .Where(w => latest.Contains(w.Id) && active.Contains(w.KeepWithStaffId!.Value))
            .ToDictionary(w => (w.ClientId, w.Channel), w => w.KeepWithStaffId!.Value);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inbound batch: {Stored} of {Count} client messages stored")]
    private static partial void LogStored(ILogger logger, int stored, int count);
}

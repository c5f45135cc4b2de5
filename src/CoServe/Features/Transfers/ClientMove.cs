using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Transfers;

/// <summary>
/// Moves one client's primary servicer inside the caller's transaction, and undoes it. Moving to the service
/// officer keeps the manager as co-servicer with commission, AML and complaint duties (the firm's rule). The
/// move is a TransferEvent on the timeline and the client gets a notice through the outbound gate.
/// </summary>
public sealed class ClientMove(
    CoServeDb db,
    TimelineWriter timeline,
    IOutboundGate gate,
    IOptions<TransferOptions> options,
    TimeProvider clock)
{
    /// <summary>Applies the item's move; returns why it was skipped, or null when moved.</summary>
    public async Task<string?> ApplyAsync(TransferItem item, CancellationToken ct) => (await ApplyManyAsync([item], ct))[0];

    /// <summary>
    /// Applies a batch of moves in order inside the caller's transaction; returns, per item, why it was skipped
    /// or null when moved. What the moves need is read once for the batch (clients with their servicers, the
    /// managers, the officer accounts holding WeCom relationships), the notices pass the outbound gate as one
    /// batch, and the servicing changes, the timeline events and the notices' outbox rows are stored here
    /// (<see cref="StoreServicingAsync"/>, <see cref="StoreOutboxAsync"/>). The items' changes are saved by the caller.
    /// </summary>
    public async Task<IReadOnlyList<string?>> ApplyManyAsync(IReadOnlyList<TransferItem> items, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("moves are applied inside the caller's transaction");
        var clientIds = items.Select(i => i.ClientId).Distinct().ToList();
        // Untracked: the clients' own methods change them, and StoreServicingAsync writes what they changed.
        var clients = await db.Clients.AsNoTracking().Include(c => c.Servicers).Where(c => clientIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var before = clients.Values.ToDictionary(c => c.Id, c => (c.Version, Servicers: c.Servicers.ToList()));
        var changed = new List<Client>();
        var staffIds = items.Select(i => i.Direction == TransferDirection.ToOfficer ? i.FromStaffId : i.ToStaffId).OfType<int>().Distinct().ToList();
        var staff = await db.Staff.AsNoTracking().Where(s => staffIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        var upward = items.Where(i => i.Direction == TransferDirection.ToManager)
            .Select(i => clients.GetValueOrDefault(i.ClientId)?.WeComExternalUserId).OfType<string>().Distinct().ToList();
        var holding = await OfficerAccountsHoldingAsync(upward, ct);

        var now = clock.GetUtcNow();
        var skipped = new string?[items.Count];
        var notices = new List<(Client Client, string Text)>();
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n];
            if (!clients.TryGetValue(item.ClientId, out var client))
            {
                skipped[n] = "the client no longer exists";
                continue;
            }
            if (client.PrimaryServicer?.StaffId != item.FromStaffId)
            {
                skipped[n] = "servicing changed since the plan was made";
                continue;
            }
            string managerName;
            if (item.Direction == TransferDirection.ToOfficer)
            {
                var manager = item.FromStaffId is { } from && staff.TryGetValue(from, out var m) ? m : throw new InvalidOperationException($"transfer item {item.Id}: manager {item.FromStaffId} not found");
                client.AssignPrimary(null, DutyScopes.ServiceOfficer, now);
                client.SetCoServicer(manager.Id, DutyScopes.KeptByManager, now);
                managerName = manager.DisplayName;
                item.WeComState = client.WeComExternalUserId is not null && manager.WeComUserId is not null ? WeComTransferState.Pending : WeComTransferState.NotNeeded;
                item.WeComHandoverUserId = manager.WeComUserId;
            }
            else
            {
                if (item.ToStaffId is not { } to || !staff.TryGetValue(to, out var manager) || !manager.IsActive)
                {
                    skipped[n] = "the receiving manager is no longer active";
                    continue;
                }
                client.AssignPrimary(manager.Id, DutyScopes.PrimaryManager, now);
                managerName = manager.DisplayName;
                var officerAccount = client.WeComExternalUserId is null ? null : holding.GetValueOrDefault(client.WeComExternalUserId);
                item.WeComState = officerAccount is not null && manager.WeComUserId is not null ? WeComTransferState.Pending : WeComTransferState.NotNeeded;
                item.WeComHandoverUserId = officerAccount;
                item.WeComTakeoverUserId = manager.WeComUserId;
            }
            if (!changed.Contains(client)) changed.Add(client);
            item.Status = TransferItemStatus.Moved;
            item.MovedAt = now;
            item.Version++;
            timeline.Append(client.Id, TimelineKind.TransferEvent, ActorKind.System, null, "system", EventVisibility.Internal,
                text: item.Rule,
                details: new { direction = item.Direction.ToString(), from = item.FromStaffId, to = item.ToStaffId, plan = item.PlanId, item = item.Id },
                correlationId: item.PlanId is { } p ? $"transfer-plan-{p}" : $"transfer-item-{item.Id}");
            var template = item.Direction == TransferDirection.ToOfficer ? options.Value.NoticeToOfficer : options.Value.NoticeToManager;
            notices.Add((client, template.Replace("{manager}", managerName, StringComparison.Ordinal)));
        }

        var decisions = await gate.CheckManyAsync([.. notices.Select(x => Notice(x.Client, x.Text))], ct);
        var outbox = new List<OutboxMessage>(notices.Count);
        for (var n = 0; n < notices.Count; n++)
        {
            if (Record(notices[n].Client, notices[n].Text, decisions[n]) is { } push) outbox.Add(push);
        }
        await StoreServicingAsync(changed, before, ct);
        await StoreOutboxAsync(outbox, ct);
        return skipped;
    }

    /// <summary>
    /// The notices' outbox rows in one bulk insert instead of one INSERT each: the timeline events are saved
    /// first (inside the caller's transaction) so the rows can name them.
    /// </summary>
    private async Task StoreOutboxAsync(List<OutboxMessage> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await db.SaveChangesAsync(ct);
        await using var writer = await BulkWriter.StartAsync(db, "Outbox", ["ClientId", "TimelineEventId", "Channel", "Status", "Attempts", "CreatedAt", "NextAttemptAt"], null, ct);
        foreach (var o in rows) await writer.AddAsync([o.ClientId, o.Message!.Id, o.Channel, (short)o.Status, o.Attempts, o.CreatedAt, o.NextAttemptAt], ct);
        await writer.CompleteAsync(ct);
    }

    /// <summary>
    /// Stores what the clients' own methods changed with a few statements for the whole batch instead of EF's one
    /// per row (about four per move, most of a batch's save): the servicer rows they removed are deleted, the
    /// rows they added bulk-inserted, and each client's version and update time set only where the version is
    /// still the one read, so a client changed by someone else meanwhile fails the batch as EF's check would.
    /// </summary>
    private async Task StoreServicingAsync(List<Client> changed, Dictionary<long, (int Version, List<ClientServicer> Servicers)> before, CancellationToken ct)
    {
        if (changed.Count == 0) return;
        var removed = changed.SelectMany(c => before[c.Id].Servicers.Where(s => !c.Servicers.Contains(s))).Select(s => s.Id).ToList();
        var added = changed.SelectMany(c => c.Servicers.Where(s => !before[c.Id].Servicers.Contains(s))).ToList();
        var deleted = 0;
        foreach (var chunk in removed.Chunk(500)) deleted += await db.ClientServicers.Where(s => chunk.Contains(s.Id)).ExecuteDeleteAsync(ct);
        await using (var writer = await BulkWriter.StartAsync(db, "ClientServicers", ["ClientId", "ClientNo", "StaffId", "IsPrimary", "Duties", "Since"], null, ct))
        {
            foreach (var s in added) await writer.AddAsync([s.ClientId, s.ClientNo, s.StaffId, s.IsPrimary, (int)s.Duties, s.Since], ct);
            await writer.CompleteAsync(ct);
        }
        var updated = 0;
        foreach (var chunk in changed.Chunk(500))
        {
            updated += await RowUpdates.ExecuteAsync<Client>(db, ["Version", "UpdatedAt"],
                chunk.Select(c => new RowUpdate(c.Id, before[c.Id].Version, [c.Version, c.UpdatedAt])), ct);
        }
        if (deleted != removed.Count || updated != changed.Count)
        {
            throw new DbUpdateConcurrencyException("a client's servicing changed while the transfer batch was applied; the batch is rolled back and can be executed again");
        }
    }

    /// <summary>Restores the servicing the item changed.</summary>
    public async Task RevertAsync(TransferItem item, string notice, CancellationToken ct)
    {
        var client = await db.Clients.Include(c => c.Servicers).SingleAsync(c => c.Id == item.ClientId, ct);
        var now = clock.GetUtcNow();
        if (item.Direction == TransferDirection.ToOfficer)
        {
            client.AssignPrimary(item.FromStaffId, DutyScopes.PrimaryManager, now);
        }
        else
        {
            client.AssignPrimary(null, DutyScopes.ServiceOfficer, now);
            if (!client.Servicers.Any(s => !s.IsPrimary && (s.Duties & DutyScopes.KeptByManager) == DutyScopes.KeptByManager))
            {
                client.SetCoServicer(item.ToStaffId, DutyScopes.KeptByManager, now);
            }
        }
        item.Status = TransferItemStatus.RolledBack;
        item.RolledBackAt = now;
        item.Version++;
        timeline.Append(client.Id, TimelineKind.TransferEvent, ActorKind.System, null, "system", EventVisibility.Internal,
            details: new { rollback = item.Id, direction = item.Direction.ToString(), restored = item.FromStaffId }, correlationId: $"transfer-item-{item.Id}");
        await NotifyAsync(client, notice, ct);
    }

    private async Task NotifyAsync(Client client, string text, CancellationToken ct)
    {
        if (Record(client, text, await gate.CheckAsync(Notice(client, text), ct)) is { } push) db.Outbox.Add(push);
    }

    private static OutboundCandidate Notice(Client client, string text) =>
        new(client.Id, ChannelOf(client), OutboundSender.System, null, OutboundPurpose.ServiceNotice, text, null, Urgent: false);

    private static string ChannelOf(Client client) => client.WeComExternalUserId is not null ? "wecom" : WebChatChannel.Name;

    /// <summary>
    /// The notice as a Push event, answering the outbox row the caller stores with it, or, when the gate held it,
    /// an internal note saying why (and null).
    /// </summary>
    private OutboxMessage? Record(Client client, string text, GateDecision verdict)
    {
        var channel = ChannelOf(client);
        if (verdict.Verdict is GateVerdict.Allow or GateVerdict.Warn)
        {
            var ev = timeline.Append(client.Id, TimelineKind.Push, ActorKind.System, null, channel, EventVisibility.ClientVisible, text: text, details: new { notice = "transfer" });
            return new OutboxMessage(client.Id, ev, channel, clock.GetUtcNow());
        }
        timeline.Append(client.Id, TimelineKind.Note, ActorKind.System, null, channel, EventVisibility.Internal,
            details: new { held = "transfer notice", rule = verdict.Rule, why = verdict.Explanation, until = verdict.DeferUntil });
        return null;
    }

    /// <summary>For each customer, the service-officer WeCom account that took him over most recently.</summary>
    private async Task<Dictionary<string, string>> OfficerAccountsHoldingAsync(List<string> externalUserIds, CancellationToken ct)
    {
        var holding = new Dictionary<string, string>(StringComparer.Ordinal);
        if (externalUserIds.Count == 0) return holding;
        var accounts = options.Value.OfficerWeComAccounts.Select(a => a.UserId).ToList();
        var records = await db.WeComTransferRecords.AsNoTracking()
            .Where(r => externalUserIds.Contains(r.ExternalUserId) && accounts.Contains(r.TakeoverUserId))
            .Select(r => new { r.ExternalUserId, r.TakeoverUserId, r.At, r.Id })
            .ToListAsync(ct);
        foreach (var r in records.OrderBy(r => r.At).ThenBy(r => r.Id)) holding[r.ExternalUserId] = r.TakeoverUserId;
        return holding;
    }
}

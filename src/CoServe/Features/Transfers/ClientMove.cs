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
    public async Task<string?> ApplyAsync(TransferItem item, CancellationToken ct)
    {
        var client = await db.Clients.Include(c => c.Servicers).SingleOrDefaultAsync(c => c.Id == item.ClientId, ct);
        if (client is null) return "the client no longer exists";
        if (client.PrimaryServicer?.StaffId != item.FromStaffId) return "servicing changed since the plan was made";
        var now = clock.GetUtcNow();
        string managerName;
        if (item.Direction == TransferDirection.ToOfficer)
        {
            var manager = await db.Staff.AsNoTracking().SingleAsync(s => s.Id == item.FromStaffId, ct);
            client.AssignPrimary(null, DutyScopes.ServiceOfficer, now);
            client.SetCoServicer(manager.Id, DutyScopes.KeptByManager, now);
            managerName = manager.DisplayName;
            item.WeComState = client.WeComExternalUserId is not null && manager.WeComUserId is not null ? WeComTransferState.Pending : WeComTransferState.NotNeeded;
            item.WeComHandoverUserId = manager.WeComUserId;
        }
        else
        {
            var manager = await db.Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Id == item.ToStaffId && s.IsActive, ct);
            if (manager is null) return "the receiving manager is no longer active";
            client.AssignPrimary(manager.Id, DutyScopes.PrimaryManager, now);
            managerName = manager.DisplayName;
            var officerAccount = client.WeComExternalUserId is null ? null : await OfficerAccountHoldingAsync(client.WeComExternalUserId, ct);
            item.WeComState = officerAccount is not null && manager.WeComUserId is not null ? WeComTransferState.Pending : WeComTransferState.NotNeeded;
            item.WeComHandoverUserId = officerAccount;
            item.WeComTakeoverUserId = manager.WeComUserId;
        }
        item.Status = TransferItemStatus.Moved;
        item.MovedAt = now;
        item.Version++;
        timeline.Append(client.Id, TimelineKind.TransferEvent, ActorKind.System, null, "system", EventVisibility.Internal,
            text: item.Rule,
            details: new { direction = item.Direction.ToString(), from = item.FromStaffId, to = item.ToStaffId, plan = item.PlanId, item = item.Id },
            correlationId: item.PlanId is { } p ? $"transfer-plan-{p}" : $"transfer-item-{item.Id}");
        var template = item.Direction == TransferDirection.ToOfficer ? options.Value.NoticeToOfficer : options.Value.NoticeToManager;
        await NotifyAsync(client, template.Replace("{manager}", managerName, StringComparison.Ordinal), ct);
        return null;
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
        var channel = client.WeComExternalUserId is not null ? "wecom" : WebChatChannel.Name;
        var verdict = await gate.CheckAsync(new OutboundCandidate(client.Id, channel, OutboundSender.System, null, OutboundPurpose.ServiceNotice, text, null, Urgent: false), ct);
        if (verdict.Verdict is GateVerdict.Allow or GateVerdict.Warn)
        {
            var ev = timeline.Append(client.Id, TimelineKind.Push, ActorKind.System, null, channel, EventVisibility.ClientVisible, text: text, details: new { notice = "transfer" });
            db.Outbox.Add(new OutboxMessage(client.Id, ev, channel, clock.GetUtcNow()));
        }
        else
        {
            timeline.Append(client.Id, TimelineKind.Note, ActorKind.System, null, channel, EventVisibility.Internal,
                details: new { held = "transfer notice", rule = verdict.Rule, why = verdict.Explanation, until = verdict.DeferUntil });
        }
    }

    /// <summary>The service-officer WeCom account that took the client over most recently, if any.</summary>
    private async Task<string?> OfficerAccountHoldingAsync(string externalUserId, CancellationToken ct)
    {
        var accounts = options.Value.OfficerWeComAccounts.Select(a => a.UserId).ToList();
        return await db.WeComTransferRecords.AsNoTracking()
            .Where(r => r.ExternalUserId == externalUserId && accounts.Contains(r.TakeoverUserId))
            .OrderByDescending(r => r.At)
            .Select(r => r.TakeoverUserId)
            .FirstOrDefaultAsync(ct);
    }
}

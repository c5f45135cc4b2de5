using System.Globalization;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Commission;

/// <summary>
/// Commission adjustment (调佣) from request to effective rate: opened from the client's handoff ticket or proposed
/// by the manager, checked against the floor, approved along the chain the discount needs (never by the proposer,
/// never by the wrong role), then the rate history, the timeline and the client (through the outbound gate).
/// </summary>
public sealed class CommissionWorkflow(
    CoServeDb db,
    CommissionPolicy policy,
    DutyPeople people,
    DutyCalendar calendar,
    TimelineWriter timeline,
    Notifier notifier,
    ClientNotices notices,
    LiveEvents live,
    IOptions<DutiesOptions> options,
    TimeProvider clock)
{
    private CommissionOptions O => options.Value.Commission;

    /// <summary>The client's rate on a date: the latest change effective by then, else the firm's standard rate.</summary>
    public async Task<CommissionRate> RateOnAsync(long clientId, DateOnly day, CancellationToken ct)
    {
        var units = await db.Set<CommissionRateChange>().AsNoTracking()
            .Where(r => r.ClientId == clientId && r.EffectiveOn <= day)
            .OrderByDescending(r => r.EffectiveOn).ThenByDescending(r => r.Id)
            .Select(r => (long?)r.RateUnits)
            .FirstOrDefaultAsync(ct);
        return units is { } u ? new CommissionRate(u) : policy.Standard;
    }

    /// <summary>One click from a CommissionRequest handoff: the ticket becomes a tracked request (idempotent per ticket).</summary>
    public async Task<DutyResult> OpenFromTicketAsync(CurrentStaff staff, long ticketId, CancellationToken ct)
    {
        var visible = db.Clients.VisibleTo(staff);
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == ticketId && visible.Any(c => c.Id == t.ClientId), ct);
        if (ticket is null) return DutyResult.NotFound();
        if (ticket.Reason != HandoffReason.CommissionRequest) return DutyResult.Invalid("the ticket is not a commission request");
        var existing = await db.Set<CommissionRequest>().Where(r => r.TicketId == ticketId).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
        if (existing is { } id) return DutyResult.Done(id);
        if (!await CanHandleAsync(staff, ticket.ClientId, ct)) return DutyResult.Forbidden("only the client's commission duty holder, the branch head or an administrator handles commission");
        var now = clock.GetUtcNow();
        var current = await RateOnAsync(ticket.ClientId, BusinessTime.Today(clock), ct);
        var request = new CommissionRequest(ticket.ClientId, CommissionOrigin.ClientRequest, staff.Id, ticket.Id, current, ticket.CreatedAt, calendar.AddBusinessDays(ticket.CreatedAt, O.AnswerBusinessDays));
        db.Add(request);
        await db.SaveChangesAsync(ct);
        Event(request, staff.Id, new { duty = "commission", action = "opened", request = request.Id, current = current.Percent, due = request.AnswerDueAt });
        await db.SaveChangesAsync(ct);
        timeline.Publish();
        live.Publish(TicketChanged.Of(ticket));
        return DutyResult.Done(request.Id);
    }

    /// <summary>The manager proposes a new rate on his own initiative.</summary>
    public async Task<DutyResult> ProposeForClientAsync(CurrentStaff staff, string clientNo, string rate, DateOnly? effectiveOn, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is null) return DutyResult.NotFound();
        if (!await CanHandleAsync(staff, clientId.Value, ct)) return DutyResult.Forbidden("only the client's commission duty holder, the branch head or an administrator proposes commission");
        if (await db.Set<CommissionRequest>().AnyAsync(r => r.ClientId == clientId && (r.Status == CommissionStatus.Requested || r.Status == CommissionStatus.PendingApproval), ct))
        {
            return DutyResult.Conflict("the client already has an open commission request");
        }
        var now = clock.GetUtcNow();
        var current = await RateOnAsync(clientId.Value, BusinessTime.Today(clock), ct);
        var request = new CommissionRequest(clientId.Value, CommissionOrigin.ManagerProposal, staff.Id, null, current, now, calendar.AddBusinessDays(now, O.AnswerBusinessDays));
        var check = await CheckAsync(request, rate, effectiveOn, ct);
        if (check.Problem is { } problem) return problem;
        db.Add(request);
        await db.SaveChangesAsync(ct);
        return await SaveProposalAsync(staff, request, check, ct);
    }

    /// <summary>The manager answers a client's request with a rate.</summary>
    public async Task<DutyResult> ProposeAsync(CurrentStaff staff, long requestId, string rate, DateOnly? effectiveOn, CancellationToken ct)
    {
        var request = await LoadAsync(staff, requestId, ct);
        if (request is null) return DutyResult.NotFound();
        if (!await CanHandleAsync(staff, request.ClientId, ct)) return DutyResult.Forbidden("only the client's commission duty holder, the branch head or an administrator proposes commission");
        if (request.Status != CommissionStatus.Requested) return DutyResult.Conflict("a rate was already proposed or the request is decided");
        var check = await CheckAsync(request, rate, effectiveOn, ct);
        if (check.Problem is { } problem) return problem;
        return await SaveProposalAsync(staff, request, check, ct);
    }

    public async Task<DutyResult> ApproveAsync(CurrentStaff staff, long requestId, string? comment, CancellationToken ct)
    {
        var request = await LoadAsync(staff, requestId, ct);
        if (request is null) return DutyResult.NotFound();
        if (await ApproverProblemAsync(staff, request, ct) is { } problem) return problem;
        var now = clock.GetUtcNow();
        var role = request.NextApprover!.Value;
        var last = request.Approve(staff.Id, role, Trim(comment), now);
        Event(request, staff.Id, new { duty = "commission", action = "approved", request = request.Id, role = role.ToString(), step = request.NextStep });
        if (!last)
        {
            await NotifyRoleAsync(request, request.NextApprover!.Value, "调佣待审批", ct);
            return await SaveAsync(request, ct);
        }
        var rate = request.ProposedRate!.Value;
        var effective = request.EffectiveOn!.Value;
        db.Add(new CommissionRateChange(request.ClientId, rate, effective, request.Id, now));
        timeline.Append(request.ClientId, TimelineKind.ProfileChange, ActorKind.Staff, staff.Id, "console", EventVisibility.Internal,
            details: new { field = "commissionRate", from = request.CurrentRate.Percent, to = rate.Percent, effectiveOn = effective, request = request.Id },
            ticketId: request.TicketId);
        var text = string.Format(CultureInfo.InvariantCulture, O.ApprovedNotice, rate.Wan, effective.ToString("yyyy年M月d日", CultureInfo.InvariantCulture));
        var sent = await notices.SendAsync(request.ClientId, null, text, new { notice = "commission approved", request = request.Id }, request.TicketId, ct);
        if (sent != NoticeOutcome.Held) request.MarkNotified();
        await ResolveTicketAsync(request, "commission approved", ct);
        notifier.Add(request.OwnerStaffId, NotificationKind.DutyTask, $"调佣已批准 · {await ClientNoAsync(request.ClientId, ct)}", Link(request), request.ClientId, request.TicketId);
        return await SaveAsync(request, ct);
    }

    public async Task<DutyResult> RejectAsync(CurrentStaff staff, long requestId, string? comment, CancellationToken ct)
    {
        var request = await LoadAsync(staff, requestId, ct);
        if (request is null) return DutyResult.NotFound();
        if (await ApproverProblemAsync(staff, request, ct) is { } problem) return problem;
        var role = request.NextApprover!.Value;
        request.Reject(staff.Id, role, Trim(comment), clock.GetUtcNow());
        Event(request, staff.Id, new { duty = "commission", action = "rejected", request = request.Id, role = role.ToString() });
        if (request.Origin == CommissionOrigin.ClientRequest)
        {
            var sent = await notices.SendAsync(request.ClientId, null, O.RejectedNotice, new { notice = "commission rejected", request = request.Id }, request.TicketId, ct);
            if (sent != NoticeOutcome.Held) request.MarkNotified();
            await ResolveTicketAsync(request, "commission rejected", ct);
        }
        notifier.Add(request.OwnerStaffId, NotificationKind.DutyTask, $"调佣未获批准 · {await ClientNoAsync(request.ClientId, ct)}", Link(request), request.ClientId, request.TicketId);
        return await SaveAsync(request, ct);
    }

    public async Task<DutyResult> WithdrawAsync(CurrentStaff staff, long requestId, CancellationToken ct)
    {
        var request = await LoadAsync(staff, requestId, ct);
        if (request is null) return DutyResult.NotFound();
        if (request.OwnerStaffId != staff.Id && staff.Role != StaffRole.Admin) return DutyResult.Forbidden("only the manager handling the request withdraws it");
        if (!request.IsOpen) return DutyResult.Conflict("the request is already decided");
        request.Withdraw(clock.GetUtcNow());
        Event(request, staff.Id, new { duty = "commission", action = "withdrawn", request = request.Id });
        return await SaveAsync(request, ct);
    }

    /// <summary>Link to the request's page in the console.</summary>
    public static string Link(CommissionRequest r) => $"/duties/commission/{r.Id}";

    private sealed record Check(DutyResult? Problem, CommissionRate Rate, CommissionRate Floor, decimal Assets, DateOnly EffectiveOn);

    private async Task<Check> CheckAsync(CommissionRequest request, string rateText, DateOnly? effectiveOn, CancellationToken ct)
    {
        if (!CommissionRate.TryParse(rateText, out var rate, out var error)) return new Check(DutyResult.Invalid(error!), default, default, 0, default);
        if (rate > policy.Max) return new Check(DutyResult.Invalid($"{rate.Percent} is above the maximum {policy.Max.Percent}"), default, default, 0, default);
        if (rate == request.CurrentRate) return new Check(DutyResult.Invalid($"{rate.Percent} is the client's current rate"), default, default, 0, default);
        var segment = await db.MonthlySegments.AsNoTracking().Where(s => s.ClientId == request.ClientId).OrderByDescending(s => s.Month)
            .Select(s => new { s.Mada, s.Tier }).FirstOrDefaultAsync(ct);
        var assets = segment?.Mada ?? 0m;
        var floor = policy.FloorFor(segment?.Tier ?? AssetTier.Base, assets);
        if (rate < floor)
        {
            return new Check(DutyResult.Invalid($"{rate.Percent} is below the floor {floor.Percent} for monthly average daily assets of {assets.ToString("#,##0.00", CultureInfo.InvariantCulture)}"), default, default, 0, default);
        }
        var today = BusinessTime.Today(clock);
        var effective = effectiveOn ?? calendar.NextWorkingDay(today.AddDays(1));
        if (effective < today) return new Check(DutyResult.Invalid("the effective date is in the past"), default, default, 0, default);
        if (effective > today.AddYears(1)) return new Check(DutyResult.Invalid("the effective date is more than a year ahead"), default, default, 0, default);
        return new Check(null, rate, floor, assets, effective);
    }

    private async Task<DutyResult> SaveProposalAsync(CurrentStaff staff, CommissionRequest request, Check check, CancellationToken ct)
    {
        var chain = policy.ChainFor(request.CurrentRate, check.Rate);
        request.Propose(check.Rate, check.Floor, check.Assets, check.EffectiveOn, chain, clock.GetUtcNow());
        Event(request, staff.Id, new
        {
            duty = "commission",
            action = "proposed",
            request = request.Id,
            from = request.CurrentRate.Percent,
            to = check.Rate.Percent,
            floor = check.Floor.Percent,
            discountPercent = CommissionRate.DiscountPercent(request.CurrentRate, check.Rate),
            chain = request.ApprovalChain,
            effectiveOn = check.EffectiveOn,
        });
        await NotifyRoleAsync(request, chain[0], "调佣待审批", ct);
        return await SaveAsync(request, ct);
    }

    private async Task<DutyResult?> ApproverProblemAsync(CurrentStaff staff, CommissionRequest request, CancellationToken ct)
    {
        if (request.Status != CommissionStatus.PendingApproval || request.NextApprover is not { } role) return DutyResult.Conflict("the request is not waiting for approval");
        if (staff.Role != role) return DutyResult.Forbidden($"this step needs a {role}, not a {staff.Role}");
        if (staff.Id == request.OwnerStaffId) return DutyResult.Forbidden("nobody approves their own proposal");
        if (request.Approvals.Any(a => a.StaffId == staff.Id)) return DutyResult.Forbidden("one person approves one step only");
        if (role == StaffRole.BranchHead)
        {
            var branch = await db.Clients.AsNoTracking().Where(c => c.Id == request.ClientId).Select(c => c.BranchId).SingleAsync(ct);
            if (branch != staff.BranchId) return DutyResult.Forbidden("only the head of the client's branch approves");
        }
        return null;
    }

    /// <summary>Client managers holding the commission duty, the client's branch head, or an administrator.</summary>
    private async Task<bool> CanHandleAsync(CurrentStaff staff, long clientId, CancellationToken ct) => staff.Role switch
    {
        StaffRole.Admin => true,
        StaffRole.BranchHead => await db.Clients.AnyAsync(c => c.Id == clientId && c.BranchId == staff.BranchId, ct),
        StaffRole.ClientManager => await db.ClientServicers.AnyAsync(s => s.ClientId == clientId && s.StaffId == staff.Id && (s.Duties & DutyScope.Commission) != 0, ct),
        _ => false,
    };

    private async Task<CommissionRequest?> LoadAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        var request = await db.Set<CommissionRequest>().Include(r => r.Approvals).SingleOrDefaultAsync(r => r.Id == id, ct);
        if (request is null) return null;
        // Approvers (branch head, Compliance) see the requests they decide; everyone else within the client scope.
        return await db.Clients.VisibleTo(staff).AnyAsync(c => c.Id == request.ClientId, ct) ? request : null;
    }

    private async Task NotifyRoleAsync(CommissionRequest request, StaffRole role, string what, CancellationToken ct)
    {
        var branch = await db.Clients.AsNoTracking().Where(c => c.Id == request.ClientId).Select(c => c.BranchId).SingleAsync(ct);
        var clientNo = await ClientNoAsync(request.ClientId, ct);
        foreach (var id in await people.InRoleAsync(role, branch, ct))
        {
            if (id != request.OwnerStaffId) notifier.Add(id, NotificationKind.DutyTask, $"{what} · 客户 {clientNo}", Link(request), request.ClientId, request.TicketId);
        }
    }

    private async Task ResolveTicketAsync(CommissionRequest request, string outcome, CancellationToken ct)
    {
        if (request.TicketId is not { } id) return;
        var ticket = await db.Tickets.SingleAsync(t => t.Id == id, ct);
        if (!ticket.IsOpen) return;
        ticket.Resolve(outcome, clock.GetUtcNow());
        timeline.Append(ticket.ClientId, TimelineKind.TicketEvent, ActorKind.System, null, "console", EventVisibility.Internal,
            details: new { ticket = ticket.Id, resolved = outcome }, conversationId: ticket.ConversationId, ticketId: ticket.Id);
        live.Publish(TicketChanged.Of(ticket));
    }

    private Task<string> ClientNoAsync(long clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.ClientNo).SingleAsync(ct);

    private void Event(CommissionRequest r, int staffId, object details) =>
        timeline.Append(r.ClientId, TimelineKind.TicketEvent, ActorKind.Staff, staffId, "console", EventVisibility.Internal, details: details, ticketId: r.TicketId);

    private async Task<DutyResult> SaveAsync(CommissionRequest request, CancellationToken ct)
    {
        if (!await timeline.SaveAndPublishAsync(ct)) return DutyResult.Conflict("someone changed the request meanwhile; reload it");
        await notifier.FlushAsync(ct);
        notices.Flush();
        live.Publish(new DutyChanged(request.ClientId));
        return DutyResult.Done(request.Id);
    }

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim()[..Math.Min(s.Trim().Length, 500)];
}

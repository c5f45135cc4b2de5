using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Aml;

public sealed record AmlTaskView(long Id, long ClientId, string ClientNo, AmlTaskKind Kind, DateOnly DueOn, int? AssigneeStaffId, AmlTaskStatus Status, AmlRiskLevel? RiskLevel);

public sealed record AmlCaseView(long Id, long ClientId, string ClientNo, AmlRule Rule, DateOnly Day, AmlCaseStatus Status, IReadOnlyDictionary<string, string> Facts, DateTimeOffset CreatedAt, DateTimeOffset DueAt, long? TicketId, string? Decision);

public sealed record AmlReportItemView(long Id, string ClientNo, DateOnly Day, LargeValueCategory Category, decimal Total, decimal LargestSingle, int Count, ReportItemStatus Status, DateTimeOffset DueAt);

/// <summary>
/// The AML duty's work: due-diligence tasks done by the duty owner (risk level and document dates updated), cases
/// opened from AML handoffs, decided by Compliance, large-value items marked reported. Everything here is visible
/// only to Compliance, administrators and the client's AML duty owner; the client is never told (no tipping-off),
/// so nothing here sends a message or writes a client-visible or merely internal event.
/// </summary>
public sealed class AmlWork(CoServeDb db, DutyCalendar calendar, TimelineWriter timeline, FieldProtector protector, LiveEvents live, IOptions<DutiesOptions> options, TimeProvider clock)
{
    /// <summary>Compliance and administrators see every client's AML work; others only where they hold the AML duty.</summary>
    public IQueryable<long> AmlClients(CurrentStaff staff) => staff.Role is StaffRole.Compliance or StaffRole.Admin
        ? db.Clients.Select(c => c.Id)
        : db.ClientServicers.Where(s => s.StaffId == staff.Id && (s.Duties & DutyScope.Aml) != 0).Select(s => s.ClientId);

    public async Task<DutyResult> CompleteTaskAsync(CurrentStaff staff, long taskId, AmlRiskLevel? newRiskLevel, DateOnly? newIdExpiry, CancellationToken ct)
    {
        var visible = AmlClients(staff);
        var task = await db.Set<AmlTask>().SingleOrDefaultAsync(t => t.Id == taskId && visible.Contains(t.ClientId), ct);
        if (task is null) return DutyResult.NotFound();
        if (task.AssigneeStaffId != staff.Id && staff.Role != StaffRole.Admin && !(staff.Role == StaffRole.Compliance && task.AssigneeStaffId is null))
        {
            return DutyResult.Forbidden("the task belongs to the client's AML duty owner");
        }
        if (task.Status != AmlTaskStatus.Open) return DutyResult.Conflict("the task is already done");
        var today = BusinessTime.Today(clock);
        if (task.Kind == AmlTaskKind.IdDocumentExpiring && (newIdExpiry is null || newIdExpiry <= today.AddDays(options.Value.Aml.TaskLeadDays)))
        {
            return DutyResult.Invalid("enter the renewed identity document's expiry date (beyond the task lead time)");
        }
        if (newRiskLevel is { } level && !Enum.IsDefined(level)) return DutyResult.Invalid("unknown risk level");
        var profile = await db.Set<AmlProfile>().SingleOrDefaultAsync(p => p.ClientId == task.ClientId, ct);
        if (profile is null) db.Add(profile = new AmlProfile(task.ClientId));
        var now = clock.GetUtcNow();
        switch (task.Kind)
        {
            case AmlTaskKind.PeriodicReview:
                profile.LastReviewedOn = today;
                break;
            case AmlTaskKind.IdDocumentExpiring:
                profile.IdDocumentExpiresOn = newIdExpiry;
                profile.KycUpdatedOn = today;
                break;
            case AmlTaskKind.KycRefresh:
                profile.KycUpdatedOn = today;
                break;
        }
        task.Complete(staff.Id, now);
        Confidential(task.ClientId, staff.Id, new { duty = "aml", action = "task done", task = task.Id, kind = task.Kind.ToString() });
        if (newRiskLevel is { } risk)
        {
            var client = await db.Clients.SingleAsync(c => c.Id == task.ClientId, ct);
            if (client.AmlRiskLevel != risk)
            {
                var from = client.AmlRiskLevel;
                client.AmlRiskLevel = risk;
                client.Touch(now);
                timeline.Append(client.Id, TimelineKind.ProfileChange, ActorKind.Staff, staff.Id, "console", EventVisibility.Confidential,
                    details: new { field = "amlRiskLevel", from = from?.ToString(), to = risk.ToString(), task = task.Id });
            }
        }
        return await SaveAsync(task.ClientId, task.Id, ct);
    }

    /// <summary>The AML duty owner turns an AML-related handoff into a case for Compliance (idempotent per ticket).</summary>
    public async Task<DutyResult> OpenCaseFromTicketAsync(CurrentStaff staff, long ticketId, string? note, CancellationToken ct)
    {
        var visible = AmlClients(staff);
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == ticketId && visible.Contains(t.ClientId), ct);
        if (ticket is null) return DutyResult.NotFound();
        if (ticket.Reason != HandoffReason.AmlRelated) return DutyResult.Invalid("the ticket is not AML-related");
        var existing = await db.Set<AmlCase>().Where(c => c.TicketId == ticketId).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
        if (existing is { } id) return DutyResult.Done(id);
        var now = clock.GetUtcNow();
        var facts = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["source"] = "handoff", ["ticket"] = ticket.Id }, DetailsJson.Options);
        var amlCase = new AmlCase(ticket.ClientId, AmlRule.Manual, BusinessTime.Today(clock), facts, now, calendar.AddBusinessDays(now, options.Value.Aml.CaseBusinessDays), ticket.Id, staff.Id);
        db.Add(amlCase);
        await db.SaveChangesAsync(ct);
        Confidential(ticket.ClientId, staff.Id, new { duty = "aml", action = "case opened", amlCase = amlCase.Id, rule = nameof(AmlRule.Manual) }, note);
        return await SaveAsync(ticket.ClientId, amlCase.Id, ct);
    }

    /// <summary>Compliance decides a case: a suspicious-transaction report filed, or dismissed, with its reasoning.</summary>
    public async Task<DutyResult> DecideCaseAsync(CurrentStaff staff, long caseId, AmlCaseStatus decision, string reason, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Compliance or StaffRole.Admin)) return DutyResult.Forbidden("only Compliance decides AML cases");
        var amlCase = await db.Set<AmlCase>().SingleOrDefaultAsync(c => c.Id == caseId, ct);
        if (amlCase is null) return DutyResult.NotFound();
        if (decision is not (AmlCaseStatus.Reported or AmlCaseStatus.Dismissed)) return DutyResult.Invalid("decide Reported or Dismissed");
        var text = reason?.Trim() ?? "";
        if (text.Length is < 4 or > 1000) return DutyResult.Invalid("give the reasoning (4..1000 characters)");
        if (amlCase.Status != AmlCaseStatus.Open) return DutyResult.Conflict("the case is already decided");
        amlCase.Decide(decision, protector.Encrypt(ProtectedField.MessageText, text), staff.Id, clock.GetUtcNow());
        Confidential(amlCase.ClientId, staff.Id, new { duty = "aml", action = "case decided", amlCase = amlCase.Id, decision = decision.ToString() });
        return await SaveAsync(amlCase.ClientId, amlCase.Id, ct);
    }

    public async Task<DutyResult> MarkReportedAsync(CurrentStaff staff, IReadOnlyCollection<long> itemIds, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Compliance or StaffRole.Admin)) return DutyResult.Forbidden("only Compliance files large-value reports");
        var items = await db.Set<AmlReportItem>().Where(i => itemIds.Contains(i.Id) && i.Status == ReportItemStatus.Pending).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var i in items) i.MarkReported(staff.Id, now);
        await db.SaveChangesAsync(ct);
        return DutyResult.Done(items.Count);
    }

    /// <summary>Identity document expiry and KYC date, kept by the AML duty owner or Compliance.</summary>
    public async Task<DutyResult> SetProfileAsync(CurrentStaff staff, string clientNo, DateOnly? idExpiresOn, DateOnly? kycUpdatedOn, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        var visible = AmlClients(staff);
        var clientId = await db.Clients.Where(c => c.ClientNo == no && visible.Contains(c.Id)).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is null) return DutyResult.NotFound();
        if (kycUpdatedOn > BusinessTime.Today(clock)) return DutyResult.Invalid("the KYC date cannot be in the future");
        var profile = await db.Set<AmlProfile>().SingleOrDefaultAsync(p => p.ClientId == clientId, ct);
        if (profile is null) db.Add(profile = new AmlProfile(clientId.Value));
        if (idExpiresOn is not null) profile.IdDocumentExpiresOn = idExpiresOn;
        if (kycUpdatedOn is not null) profile.KycUpdatedOn = kycUpdatedOn;
        Confidential(clientId.Value, staff.Id, new { duty = "aml", action = "profile updated", idExpiresOn, kycUpdatedOn });
        return await SaveAsync(clientId.Value, clientId.Value, ct);
    }

    public async Task<IReadOnlyList<AmlTaskView>> TasksAsync(CurrentStaff staff, bool openOnly, CancellationToken ct)
    {
        var visible = AmlClients(staff);
        var q = db.Set<AmlTask>().AsNoTracking().Where(t => visible.Contains(t.ClientId));
        if (openOnly) q = q.Where(t => t.Status == AmlTaskStatus.Open);
        return await q.OrderBy(t => t.DueOn).Take(500)
            .Join(db.Clients, t => t.ClientId, c => c.Id, (t, c) => new AmlTaskView(t.Id, t.ClientId, c.ClientNo, t.Kind, t.DueOn, t.AssigneeStaffId, t.Status, c.AmlRiskLevel))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<AmlCaseView>> CasesAsync(CurrentStaff staff, bool openOnly, CancellationToken ct)
    {
        var visible = AmlClients(staff);
        var q = db.Set<AmlCase>().AsNoTracking().Where(c => visible.Contains(c.ClientId));
        if (openOnly) q = q.Where(c => c.Status == AmlCaseStatus.Open);
        var rows = await q.OrderBy(c => c.DueAt).Take(500)
            .Join(db.Clients, a => a.ClientId, c => c.Id, (a, c) => new { Case = a, c.ClientNo })
            .ToListAsync(ct);
        return rows.Select(r => new AmlCaseView(r.Case.Id, r.Case.ClientId, r.ClientNo, r.Case.Rule, r.Case.Day, r.Case.Status, Facts(r.Case.Details), r.Case.CreatedAt, r.Case.DueAt,
            r.Case.TicketId, protector.DecryptOrNull(ProtectedField.MessageText, r.Case.DecisionCipher))).ToList();
    }

    public async Task<IReadOnlyList<AmlReportItemView>> ReportItemsAsync(CurrentStaff staff, DateOnly? day, bool pendingOnly, CancellationToken ct)
    {
        var visible = AmlClients(staff);
        var q = db.Set<AmlReportItem>().AsNoTracking().Where(i => visible.Contains(i.ClientId));
        if (day is { } d) q = q.Where(i => i.Day == d);
        if (pendingOnly) q = q.Where(i => i.Status == ReportItemStatus.Pending);
        return await q.OrderBy(i => i.DueAt).ThenBy(i => i.Id).Take(1000)
            .Join(db.Clients, i => i.ClientId, c => c.Id, (i, c) => new AmlReportItemView(i.Id, c.ClientNo, i.Day, i.Category, i.Total, i.LargestSingle, i.Count, i.Status, i.DueAt))
            .ToListAsync(ct);
    }

    private static Dictionary<string, string> Facts(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }

    private void Confidential(long clientId, int staffId, object details, string? text = null) =>
        timeline.Append(clientId, TimelineKind.Note, ActorKind.Staff, staffId, "console", EventVisibility.Confidential, text: string.IsNullOrWhiteSpace(text) ? null : text.Trim(), details: details);

    private async Task<DutyResult> SaveAsync(long clientId, long id, CancellationToken ct)
    {
        if (!await timeline.SaveAndPublishAsync(ct)) return DutyResult.Conflict("someone changed it meanwhile; reload");
        live.Publish(new DutyChanged(clientId));
        return DutyResult.Done(id);
    }
}

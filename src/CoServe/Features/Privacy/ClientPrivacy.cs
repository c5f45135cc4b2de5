using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Duties;
using CoServe.Features.Conversations;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Privacy;

/// <summary>What the firm holds about the client, masked: the same masks staff see before they state a purpose.</summary>
public sealed record PrivacyProfile(
    string ClientNo,
    string Name,
    string Mobile,
    string IdNumber,
    string? Branch,
    DateOnly? OpenedOn,
    SuitabilityLevel? Suitability,
    DateOnly? SuitabilityAssessedOn,
    string ServedBy);

public sealed record ConsentRow(ConsentPurpose Purpose, bool Granted, DateTimeOffset? ChangedAt);

/// <summary>One view of the client's data as he is shown it: when, by which role of which branch, which field, what for.</summary>
public sealed record AccessRow(DateTimeOffset At, StaffRole? Role, string? Branch, ProtectedField Field, AccessPurpose Purpose);

public sealed record RightsRequestRow(long Id, DataRight Right, DataRightsStatus Status, DateTimeOffset ReceivedAt, DateTimeOffset DueAt, string Detail, string? Reply, DateTimeOffset? ClosedAt);

public sealed record PrivacyView(PrivacyProfile Profile, IReadOnlyList<ConsentRow> Consents, IReadOnlyList<AccessRow> Accesses, IReadOnlyList<RightsRequestRow> Requests, int AccessHistoryDays);

/// <summary>
/// The client's own privacy page (PIPL articles 44 to 48): what is held about him, his consents (withdrawn as easily
/// as given), who viewed his personal information and why, and his requests to copy, correct or delete it.
/// <para>
/// No tipping-off: a view is left out of his list when its purpose was AML, when the viewer's role is one whose work is
/// confidential (Compliance, and <see cref="PrivacyOptions.AlsoWithheldRoles"/>), or when it was made while an AML matter of his was open or
/// within <see cref="PrivacyOptions.AmlLookBackDays"/> before one opened. The page always carries the same note that
/// views the law keeps confidential are not listed, so nothing on it differs between a client under review and one not.
/// </para>
/// </summary>
public sealed class ClientPrivacy(
    CoServeDb db,
    FieldProtector protector,
    StaffDirectory directory,
    TimelineWriter timeline,
    Notifier notifier,
    DutyCalendar calendar,
    IOptions<PrivacyOptions> options,
    TimeProvider clock)
{
    /// <summary>The timeline channel of what the client does on this page.</summary>
    public const string Channel = "privacy";

    /// <summary>Purposes the client may give or withdraw himself.</summary>
    public static readonly IReadOnlyList<ConsentPurpose> ClientPurposes = Enum.GetValues<ConsentPurpose>();

    public async Task<PrivacyView?> LoadAsync(long clientId, CancellationToken ct)
    {
        var o = options.Value;
        var client = await db.Clients.AsNoTracking().Where(c => c.Id == clientId)
            .Select(c => new { c.ClientNo, c.NameCipher, c.MobileCipher, c.IdNumberCipher, c.BranchId, c.OpenedOn, c.SuitabilityLevel, c.SuitabilityAssessedOn })
            .SingleOrDefaultAsync(ct);
        if (client is null) return null;
        var names = await directory.GetAsync(ct);
        var primary = await db.ClientServicers.AsNoTracking().Where(s => s.ClientId == clientId && s.IsPrimary).Select(s => new { s.StaffId }).FirstOrDefaultAsync(ct);
        var profile = new PrivacyProfile(
            client.ClientNo,
            PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, client.NameCipher)),
            PersonalDataFormat.MaskMobile(protector.DecryptOrNull(ProtectedField.Mobile, client.MobileCipher)),
            PersonalDataFormat.MaskIdNumber(protector.DecryptOrNull(ProtectedField.IdNumber, client.IdNumberCipher)),
            client.BranchId is { } b ? names.BranchName(b) : null,
            client.OpenedOn,
            client.SuitabilityLevel,
            client.SuitabilityAssessedOn,
            primary is null ? StaffDirectory.ServiceOfficerName : names.ServicerName(primary.StaffId));

        var stored = await db.ClientConsents.AsNoTracking().Where(c => c.ClientId == clientId).Select(c => new { c.Purpose, c.Granted, c.ChangedAt }).ToListAsync(ct);
        var consents = ClientPurposes.Select(p => stored.FirstOrDefault(c => c.Purpose == p) is { } c ? new ConsentRow(p, c.Granted, c.ChangedAt) : new ConsentRow(p, false, null)).ToList();

        var now = clock.GetUtcNow();
        var since = now.AddDays(-o.AccessHistoryDays);
        var reads = await db.PersonalDataAccesses.AsNoTracking()
            .Where(a => a.ClientId == clientId && a.At >= since && a.Kind != AccessPurpose.Aml)
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(500)
            .Select(a => new { a.At, a.StaffId, a.ReaderRole, a.ReaderBranchId, a.Field, a.Kind })
            .ToListAsync(ct);
        var confidential = await AmlWindowsAsync(clientId, ct);
        var lookBack = TimeSpan.FromDays(o.AmlLookBackDays);
        var accesses = reads
            .Where(a => !confidential.Any(w => a.At >= w.From - lookBack && (w.To is null || a.At <= w.To)))
            // The role and branch he had when he read (a Compliance read stays withheld after he moves on); older rows: his current ones.
            .Select(a => (a, Role: a.ReaderRole ?? names.Role(a.StaffId), Branch: a.ReaderRole is null && names.Staff.TryGetValue(a.StaffId, out var s) ? s.BranchId : a.ReaderBranchId))
            .Where(x => x.Role is not { } r || !o.IsWithheld(r))
            .Select(x => new AccessRow(x.a.At, x.Role, x.Branch is { } b ? names.BranchName(b) : null, x.a.Field, x.a.Kind ?? AccessPurpose.Other))
            .ToList();

        var requests = (await db.DataRightsRequests.AsNoTracking().Where(r => r.ClientId == clientId)
                .OrderByDescending(r => r.ReceivedAt).ThenByDescending(r => r.Id).Take(50).ToListAsync(ct))
            .ConvertAll(r => new RightsRequestRow(r.Id, r.Right, r.Status, r.ReceivedAt, r.DueAt,
                protector.Decrypt(ProtectedField.MessageText, r.DetailCipher), protector.DecryptOrNull(ProtectedField.MessageText, r.ReplyCipher), r.ClosedAt));
        return new PrivacyView(profile, consents, accesses, requests, o.AccessHistoryDays);
    }

    /// <summary>Gives or withdraws one consent; a change is one timeline event his servicers see. Answers false when nothing changed.</summary>
    public async Task<bool> SetConsentAsync(long clientId, ConsentPurpose purpose, bool granted, CancellationToken ct)
    {
        if (!Enum.IsDefined(purpose)) throw new ArgumentException("unknown consent purpose", nameof(purpose));
        var client = await db.Clients.Include(c => c.Consents).SingleOrDefaultAsync(c => c.Id == clientId, ct)
            ?? throw new KeyNotFoundException("client not found");
        if (client.Consents.FirstOrDefault(c => c.Purpose == purpose) is { } current && current.Granted == granted) return false;
        if (client.Consents.All(c => c.Purpose != purpose) && !granted) return false;
        var now = clock.GetUtcNow();
        client.SetConsent(purpose, granted, ClientConsent.ClientSourcePrefix + Channel, now);
        timeline.Append(clientId, TimelineKind.ConsentChange, ActorKind.Client, null, Channel, EventVisibility.ClientVisible,
            details: new { purpose = purpose.ToString(), granted });
        await db.SaveChangesAsync(ct);
        timeline.Publish();
        return true;
    }

    /// <summary>
    /// Stores a rights request (once per <paramref name="idempotencyKey"/>), due in <see cref="PrivacyOptions.ResponseWorkingDays"/>
    /// working days, and tells the privacy desk. Returns the request's id (the same id for a repeated key).
    /// </summary>
    public async Task<long> SubmitAsync(long clientId, DataRight right, string? detail, string idempotencyKey, CancellationToken ct)
    {
        var o = options.Value;
        if (!Enum.IsDefined(right)) throw new ArgumentException("choose what you are asking for", nameof(right));
        var text = detail?.Trim() ?? "";
        if (text.Length == 0) throw new ArgumentException("describe your request", nameof(detail));
        if (text.Length > o.MaxRequestLength) throw new ArgumentException($"a request is at most {o.MaxRequestLength} characters (this one has {text.Length})", nameof(detail));
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        var set = db.DataRightsRequests;
        if (await set.Where(r => r.ClientId == clientId && r.IdempotencyKey == idempotencyKey).Select(r => (long?)r.Id).SingleOrDefaultAsync(ct) is { } existing) return existing;
        if (await set.CountAsync(r => r.ClientId == clientId && r.Status == DataRightsStatus.Open, ct) >= o.MaxOpenRequestsPerClient)
        {
            throw new ArgumentException($"you already have {o.MaxOpenRequestsPerClient} open requests; we will answer them first", nameof(right));
        }
        if (!await db.Clients.AnyAsync(c => c.Id == clientId, ct)) throw new KeyNotFoundException("client not found");

        var now = clock.GetUtcNow();
        var (remindAt, dueAt) = Deadlines(now);
        var request = new DataRightsRequest(clientId, right, protector.Encrypt(ProtectedField.MessageText, text), Channel, idempotencyKey, now, remindAt, dueAt);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            set.Add(request);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same submission arrived twice at once: the other one stored it (else this is a real failure).
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return await set.AsNoTracking().Where(r => r.ClientId == clientId && r.IdempotencyKey == idempotencyKey).Select(r => (long?)r.Id).SingleOrDefaultAsync(ct)
                    ?? throw new InvalidOperationException("the request could not be stored; please try again");
            }
            timeline.Append(clientId, TimelineKind.PrivacyRequest, ActorKind.Client, null, Channel, EventVisibility.ClientVisible,
                details: new { requestId = request.Id, right = right.ToString(), dueAt = request.DueAt });
            foreach (var staffId in await db.Staff.ActiveInRoleAsync(DataRightsDesk.DeskRole, ct))
            {
                notifier.Add(staffId, NotificationKind.PrivacyRequest, $"个人信息权利请求 · {PrivacyLabels.Right(right)}", DataRightsDesk.Link(request.Id), clientId);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        timeline.Publish();
        await notifier.FlushAsync(ct);
        return request.Id;
    }

    /// <summary>
    /// The deadline (the end of the Nth working day after today, in business time) and the reminder (the start of the
    /// first of the last <see cref="PrivacyOptions.ReminderWorkingDays"/> working days).
    /// </summary>
    private (DateTimeOffset RemindAt, DateTimeOffset DueAt) Deadlines(DateTimeOffset now)
    {
        var o = options.Value;
        var day = Platform.Time.BusinessTime.DateOf(now);
        var remind = day;
        for (var i = 1; i <= o.ResponseWorkingDays; i++)
        {
            day = calendar.NextWorkingDay(day.AddDays(1));
            if (i == o.ResponseWorkingDays - o.ReminderWorkingDays + 1) remind = day;
        }
        return (Platform.Time.BusinessTime.StartOfDay(remind), DutyCalendar.EndOf(day));
    }

    /// <summary>
    /// When the client had an AML matter open: due-diligence tasks (routine ones too: how often a client is reviewed
    /// follows his AML risk level, itself confidential), cases, large-value report items and AML handoffs.
    /// </summary>
    private async Task<List<(DateTimeOffset From, DateTimeOffset? To)>> AmlWindowsAsync(long clientId, CancellationToken ct)
    {
        var windows = new List<(DateTimeOffset, DateTimeOffset?)>();
        windows.AddRange((await db.AmlTasks.AsNoTracking().Where(t => t.ClientId == clientId).Select(t => new { t.CreatedAt, t.CompletedAt }).ToListAsync(ct)).Select(t => (t.CreatedAt, t.CompletedAt)));
        windows.AddRange((await db.AmlCases.AsNoTracking().Where(t => t.ClientId == clientId).Select(t => new { t.CreatedAt, t.DecidedAt }).ToListAsync(ct)).Select(t => (t.CreatedAt, t.DecidedAt)));
        windows.AddRange((await db.AmlReportItems.AsNoTracking().Where(t => t.ClientId == clientId).Select(t => new { t.CreatedAt, t.ReportedAt }).ToListAsync(ct)).Select(t => (t.CreatedAt, t.ReportedAt)));
        windows.AddRange((await db.Tickets.AsNoTracking().Where(t => t.ClientId == clientId && t.Reason == HandoffReason.AmlRelated).Select(t => new { t.CreatedAt, t.ResolvedAt }).ToListAsync(ct)).Select(t => (t.CreatedAt, t.ResolvedAt)));
        return windows;
    }
}

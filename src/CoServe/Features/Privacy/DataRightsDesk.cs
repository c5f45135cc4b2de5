using CoServe.Data;
using CoServe.Features.Notifications;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Privacy;

/// <summary>A rights request as the privacy desk sees it.</summary>
public sealed record DeskRow(
    long Id,
    string ClientNo,
    DataRight Right,
    DataRightsStatus Status,
    DateTimeOffset ReceivedAt,
    DateTimeOffset DueAt,
    bool Overdue,
    string Detail,
    string? Reply,
    string? HandledBy,
    DateTimeOffset? ClosedAt);

/// <summary>
/// The privacy desk (Compliance; an administrator may stand in): every client's rights requests by deadline, and the
/// answer. A refusal must give the client its reason (PIPL article 50), in words that never mention an AML matter.
/// Reading a request is reading what the client wrote, so only the desk's roles may.
/// </summary>
public sealed class DataRightsDesk(CoServeDb db, FieldProtector protector, StaffDirectory directory, TimelineWriter timeline, Notifier notifier, TimeProvider clock)
{
    /// <summary>Who answers rights requests (and is told of them).</summary>
    public const StaffRole DeskRole = StaffRole.Compliance;

    public const int MinReplyLength = 10;
    public const int MaxReplyLength = 2000;

    public static bool MayUse(CurrentStaff staff) => staff.Role is StaffRole.Compliance or StaffRole.Admin;

    public async Task<IReadOnlyList<DeskRow>> ListAsync(CurrentStaff staff, bool openOnly, CancellationToken ct)
    {
        Require(staff);
        var q = from r in db.DataRightsRequests.AsNoTracking()
                join c in db.Clients on r.ClientId equals c.Id
                select new { r, c.ClientNo };
        q = openOnly ? q.Where(x => x.r.Status == DataRightsStatus.Open).OrderBy(x => x.r.DueAt).ThenBy(x => x.r.Id)
                     : q.OrderByDescending(x => x.r.ReceivedAt).ThenByDescending(x => x.r.Id);
        var rows = await q.Take(500).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        var now = clock.GetUtcNow();
        return rows.ConvertAll(x => ToRow(x.r, x.ClientNo, names, now));
    }

    public async Task<DeskRow?> GetAsync(CurrentStaff staff, long id, CancellationToken ct)
    {
        Require(staff);
        var row = await (from r in db.DataRightsRequests.AsNoTracking()
                         join c in db.Clients on r.ClientId equals c.Id
                         where r.Id == id
                         select new { r, c.ClientNo }).SingleOrDefaultAsync(ct);
        return row is null ? null : ToRow(row.r, row.ClientNo, await directory.GetAsync(ct), clock.GetUtcNow());
    }

    /// <summary>Answers a request: what was done (completed) or why not (refused). The client reads the reply on his privacy page.</summary>
    /// <returns>null when there is no such request.</returns>
    public async Task<DeskRow?> AnswerAsync(CurrentStaff staff, long id, DataRightsStatus outcome, string? reply, CancellationToken ct)
    {
        Require(staff);
        if (outcome is not (DataRightsStatus.Completed or DataRightsStatus.Refused)) throw new ArgumentException("answer with Completed or Refused", nameof(outcome));
        var text = reply?.Trim() ?? "";
        if (text.Length < MinReplyLength)
        {
            throw new ArgumentException(outcome == DataRightsStatus.Refused
                ? $"a refusal states its reason to the client (at least {MinReplyLength} characters)"
                : $"tell the client what was done (at least {MinReplyLength} characters)", nameof(reply));
        }
        if (text.Length > MaxReplyLength) throw new ArgumentException($"the reply is at most {MaxReplyLength} characters", nameof(reply));
        var request = await db.DataRightsRequests.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (request is null) return null;
        if (request.Status != DataRightsStatus.Open) throw new RuleViolationException("this request has already been answered");
        var now = clock.GetUtcNow();
        request.Close(outcome, protector.Encrypt(ProtectedField.MessageText, text), staff.Id, now);
        timeline.Append(request.ClientId, TimelineKind.PrivacyRequest, ActorKind.Staff, staff.Id, ClientPrivacy.Channel, EventVisibility.ClientVisible,
            details: new { requestId = request.Id, right = request.Right.ToString(), status = outcome.ToString() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new RuleViolationException("someone else answered this request meanwhile; reload it");
        }
        timeline.Publish();
        return await GetAsync(staff, id, ct);
    }

    /// <summary>
    /// The deadlines, run by the duties job: the desk is reminded once when the last working days begin, and once a
    /// request is overdue the desk and the administrators are told. Idempotent (each step once per request).
    /// </summary>
    /// <returns>Reminders and escalations sent.</returns>
    public async Task<(int Reminded, int Escalated)> RunDeadlinesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.DataRightsRequests
            .Where(r => r.Status == DataRightsStatus.Open && ((r.ReminderSentAt == null && r.RemindAt <= now) || (r.EscalatedAt == null && r.DueAt <= now)))
            .OrderBy(r => r.Id).ToListAsync(ct);
        if (due.Count == 0) return (0, 0);
        var desk = await db.Staff.ActiveInRoleAsync(DeskRole, ct);
        var admins = await db.Staff.ActiveInRoleAsync(StaffRole.Admin, ct);
        int reminded = 0, escalated = 0;
        foreach (var r in due)
        {
            var label = $"个人信息权利请求 · {PrivacyLabels.Right(r.Right)} · {DataRightsRequest.LastDayOf(r.DueAt).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}到期";
            if (r.DueAt <= now)
            {
                r.MarkEscalated(now);
                if (r.ReminderSentAt is null) r.MarkReminded(now);
                foreach (var id in desk.Concat(admins).Distinct()) notifier.Add(id, NotificationKind.SlaEscalation, "已超时：" + label, Link(r.Id), r.ClientId);
                escalated++;
            }
            else
            {
                r.MarkReminded(now);
                foreach (var id in desk) notifier.Add(id, NotificationKind.SlaReminder, "即将到期：" + label, Link(r.Id), r.ClientId);
                reminded++;
            }
        }
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
        return (reminded, escalated);
    }

    /// <summary>The console page of one request.</summary>
    public static string Link(long id) => $"/privacy-requests/{id}";

    private DeskRow ToRow(DataRightsRequest r, string clientNo, StaffDirectory.Snapshot names, DateTimeOffset now) => new(
        r.Id,
        clientNo,
        r.Right,
        r.Status,
        r.ReceivedAt,
        r.DueAt,
        r.Status == DataRightsStatus.Open && now > r.DueAt,
        protector.Decrypt(ProtectedField.MessageText, r.DetailCipher),
        protector.DecryptOrNull(ProtectedField.MessageText, r.ReplyCipher),
        r.HandledByStaffId is { } s ? names.StaffName(s) : null,
        r.ClosedAt);

    private static void Require(CurrentStaff staff)
    {
        if (!MayUse(staff)) throw new UnauthorizedAccessException("only the privacy desk (Compliance) handles personal-information requests");
    }
}

using System.Security.Cryptography;
using System.Text;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Callbacks;

public sealed record CallbackPlanReport(int ExistingClients, int Sampled, int Created);

public sealed record CallbackView(long Id, string ClientNo, CallbackKind Kind, DateOnly DueOn, int? AssigneeStaffId, CallbackStatus Status, Satisfaction? Satisfaction, long? ComplaintId);

/// <summary>
/// Callbacks (回访): every new client within a month of opening, and each year a deterministic sample of at least
/// 10% of existing clients (same clients for the same year and rate, whoever runs it, however often). Owned by the
/// client's primary servicer; clients in the service officer pool are called by the digital team.
/// </summary>
public sealed partial class CallbackPlanner(CoServeDb db, IOptions<DutiesOptions> options, TimeProvider clock, ILogger<CallbackPlanner> logger)
{
    /// <summary>New clients opened within the callback window that have no callback yet.</summary>
    public async Task<int> PlanNewClientsAsync(CancellationToken ct)
    {
        var months = options.Value.Callbacks.NewClientWithinMonths;
        var today = BusinessTime.Today(clock);
        var from = today.AddMonths(-months);
        var rows = await db.Clients.AsNoTracking()
            .Where(c => c.OpenedOn != null && c.OpenedOn >= from && c.OpenedOn <= today)
            .Where(c => !db.Set<ClientCallback>().Any(k => k.ClientId == c.Id && k.Kind == CallbackKind.NewClient))
            .Select(c => new { c.Id, c.OpenedOn, Primary = c.Servicers.Where(s => s.IsPrimary).Select(s => s.StaffId).FirstOrDefault() })
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var r in rows) db.Add(new ClientCallback(r.Id, CallbackKind.NewClient, $"new:{r.Id}", r.OpenedOn!.Value.AddMonths(months), r.Primary, null, now));
        await db.SaveChangesAsync(ct);
        if (rows.Count > 0) LogPlanned(logger, "new-client", rows.Count);
        return rows.Count;
    }

    /// <summary>
    /// The year's sample: clients whose account opened before the year are ordered by SHA-256 of year and client
    /// number, and the first ceil(rate × N) are called back by the end of the year. Deterministic and idempotent.
    /// </summary>
    public async Task<CallbackPlanReport> PlanAnnualAsync(int year, decimal? rate, CancellationToken ct)
    {
        var r = rate ?? options.Value.Callbacks.AnnualSampleRate;
        if (r is < 0.10m or > 1m) throw new ArgumentException("the sample rate must be 0.10..1 (at least 10% of existing clients a year)", nameof(rate));
        if (year is < 2000 or > 2100) throw new ArgumentException("year must be 2000..2100", nameof(year));
        var start = new DateOnly(year, 1, 1);
        var startInstant = BusinessTime.StartOfDay(start);
        var clients = await db.Clients.AsNoTracking()
            .Where(c => c.OpenedOn != null ? c.OpenedOn < start : c.CreatedAt < startInstant)
            .Select(c => new { c.Id, c.ClientNo, Primary = c.Servicers.Where(s => s.IsPrimary).Select(s => s.StaffId).FirstOrDefault() })
            .ToListAsync(ct);
        var take = (int)Math.Ceiling(clients.Count * r);
        var sample = clients.OrderBy(c => SampleKey(year, c.ClientNo), StringComparer.Ordinal).Take(take).ToList();
        var keys = sample.Select(c => $"annual:{year}:{c.Id}").ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i += 500)
        {
            var batch = keys.Skip(i).Take(500).ToList();
            existing.UnionWith(await db.Set<ClientCallback>().Where(k => batch.Contains(k.PlanKey)).Select(k => k.PlanKey).ToListAsync(ct));
        }
        var now = clock.GetUtcNow();
        var created = 0;
        foreach (var c in sample)
        {
            var key = $"annual:{year}:{c.Id}";
            if (existing.Contains(key)) continue;
            db.Add(new ClientCallback(c.Id, CallbackKind.Annual, key, new DateOnly(year, 12, 31), c.Primary, null, now));
            created++;
        }
        await db.SaveChangesAsync(ct);
        LogPlanned(logger, "annual", created);
        return new CallbackPlanReport(clients.Count, sample.Count, created);
    }

    public static string SampleKey(int year, string clientNo) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{year}:{clientNo}")));

    [LoggerMessage(Level = LogLevel.Information, Message = "Callbacks planned ({Kind}): {Count}")]
    private static partial void LogPlanned(ILogger logger, string kind, int count);
}

/// <summary>Recording a callback's outcome; a complaint's satisfaction callback also closes the complaint.</summary>
public sealed class CallbackWork(CoServeDb db, TimelineWriter timeline, FieldProtector protector, LiveEvents live, TimeProvider clock)
{
    /// <summary>Callbacks the staff member may work: his own, his branch's (branch head), the pool's (digital team), all (Compliance reads, Admin).</summary>
    public IQueryable<ClientCallback> Visible(CurrentStaff staff)
    {
        var q = db.Set<ClientCallback>().AsQueryable();
        return staff.Role switch
        {
            StaffRole.Admin or StaffRole.Compliance => q,
            StaffRole.DigitalOps => q.Where(k => k.AssigneeStaffId == null || k.AssigneeStaffId == staff.Id),
            StaffRole.BranchHead => q.Where(k => db.Clients.Any(c => c.Id == k.ClientId && c.BranchId == staff.BranchId)),
            _ => q.Where(k => k.AssigneeStaffId == staff.Id),
        };
    }

    public async Task<IReadOnlyList<CallbackView>> ListAsync(CurrentStaff staff, bool openOnly, CancellationToken ct)
    {
        var q = Visible(staff).AsNoTracking();
        if (openOnly) q = q.Where(k => k.Status == CallbackStatus.Open);
        return await q.OrderBy(k => k.DueOn).ThenBy(k => k.Id).Take(500)
            .Join(db.Clients, k => k.ClientId, c => c.Id, (k, c) => new CallbackView(k.Id, c.ClientNo, k.Kind, k.DueOn, k.AssigneeStaffId, k.Status, k.Satisfaction, k.ComplaintId))
            .ToListAsync(ct);
    }

    public async Task<DutyResult> RecordAsync(CurrentStaff staff, long callbackId, CallbackStatus status, Satisfaction? satisfaction, string? note, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) return DutyResult.Forbidden("your role reads only");
        var callback = await Visible(staff).SingleOrDefaultAsync(k => k.Id == callbackId, ct);
        if (callback is null) return DutyResult.NotFound();
        if (callback.Status != CallbackStatus.Open) return DutyResult.Conflict("the callback is already recorded");
        if (status is not (CallbackStatus.Done or CallbackStatus.Unreachable)) return DutyResult.Invalid("record Done or Unreachable");
        if (status == CallbackStatus.Done && satisfaction is null or Satisfaction.Unreachable) return DutyResult.Invalid("record how satisfied the client is");
        var text = note?.Trim();
        if (text?.Length > 1000) return DutyResult.Invalid("the note is longer than 1000 characters");
        var now = clock.GetUtcNow();
        callback.Complete(status, satisfaction, string.IsNullOrEmpty(text) ? null : protector.Encrypt(ProtectedField.MessageText, text), staff.Id, now);
        if (callback.ComplaintId is { } complaintId)
        {
            var complaint = await db.Set<Complaint>().SingleAsync(c => c.Id == complaintId, ct);
            if (complaint.Status == ComplaintStatus.Resolved) complaint.RecordSatisfaction(callback.Satisfaction!.Value, now);
        }
        timeline.Append(callback.ClientId, TimelineKind.Note, ActorKind.Staff, staff.Id, "console", EventVisibility.Internal, text: string.IsNullOrEmpty(text) ? null : text,
            details: new { duty = "callback", action = "recorded", callback = callback.Id, kind = callback.Kind.ToString(), status = status.ToString(), satisfaction = callback.Satisfaction?.ToString() });
        if (!await timeline.SaveAndPublishAsync(ct)) return DutyResult.Conflict("someone recorded it meanwhile; reload");
        live.Publish(new DutyChanged(callback.ClientId));
        return DutyResult.Done(callback.Id);
    }
}

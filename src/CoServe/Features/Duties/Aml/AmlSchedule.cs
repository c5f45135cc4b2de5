using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Notifications;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Aml;

public sealed record AmlScheduleReport(int Reviews, int IdDocuments, int KycRefreshes);

/// <summary>
/// Due-diligence tasks for the AML duty owner, created <see cref="AmlOptions.TaskLeadDays"/> ahead: periodic reviews
/// by risk level (high every 6 months, medium 12, low 36 by default), expiring identity documents, stale
/// occupation and contact information. Idempotent: a task is unique per client, kind and due date.
/// </summary>
public sealed partial class AmlSchedule(CoServeDb db, DutyPeople people, Notifier notifier, IOptions<DutiesOptions> options, TimeProvider clock, ILogger<AmlSchedule> logger)
{
    public async Task<AmlScheduleReport> RunAsync(CancellationToken ct)
    {
        var o = options.Value.Aml;
        var today = BusinessTime.Today(clock);
        var horizon = today.AddDays(o.TaskLeadDays);
        var now = clock.GetUtcNow();
        var open = (await db.Set<AmlTask>().AsNoTracking().Where(t => t.Status == AmlTaskStatus.Open).Select(t => new { t.ClientId, t.Kind }).ToListAsync(ct))
            .Select(t => (t.ClientId, t.Kind)).ToHashSet();
        var since2y = today.AddYears(-2);
        var created = (await db.Set<AmlTask>().AsNoTracking().Where(t => t.DueOn >= since2y).Select(t => new { t.ClientId, t.Kind, t.DueOn }).ToListAsync(ct))
            .Select(t => (t.ClientId, t.Kind, t.DueOn)).ToHashSet();
        var rows = await db.Clients.AsNoTracking()
            .Where(c => c.AmlRiskLevel != null)
            .GroupJoin(db.Set<AmlProfile>().AsNoTracking(), c => c.Id, p => p.ClientId, (c, p) => new { c, p })
            .SelectMany(x => x.p.DefaultIfEmpty(), (x, p) => new { x.c.Id, x.c.AmlRiskLevel, x.c.OpenedOn, x.c.CreatedAt, Profile = p })
            .ToListAsync(ct);
        int reviews = 0, ids = 0, kyc = 0;
        var perOwner = new Dictionary<int, int>();
        foreach (var r in rows)
        {
            var since = r.OpenedOn ?? BusinessTime.DateOf(r.CreatedAt);
            var reviewDue = (r.Profile?.LastReviewedOn ?? since).AddMonths(o.ReviewMonths[r.AmlRiskLevel!.Value]);
            if (reviewDue <= horizon && await AddAsync(r.Id, AmlTaskKind.PeriodicReview, reviewDue)) reviews++;
            if (r.Profile?.IdDocumentExpiresOn is { } expires && expires <= horizon && await AddAsync(r.Id, AmlTaskKind.IdDocumentExpiring, expires)) ids++;
            var kycDue = (r.Profile?.KycUpdatedOn ?? since).AddMonths(o.KycRefreshMonths);
            if (kycDue <= horizon && await AddAsync(r.Id, AmlTaskKind.KycRefresh, kycDue)) kyc++;
        }
        foreach (var (owner, count) in perOwner) notifier.Add(owner, NotificationKind.DutyTask, $"反洗钱：新增 {count} 项客户尽职调查任务", "/duties/aml");
        await db.SaveChangesAsync(ct);
        await notifier.FlushAsync(ct);
        if (reviews + ids + kyc > 0) LogCreated(logger, reviews, ids, kyc);
        return new AmlScheduleReport(reviews, ids, kyc);

        async Task<bool> AddAsync(long clientId, AmlTaskKind kind, DateOnly due)
        {
            if (!created.Add((clientId, kind, due)) || !open.Add((clientId, kind))) return false;
            var owner = await people.OwnerAsync(clientId, DutyScope.Aml, ct);
            db.Add(new AmlTask(clientId, kind, due, owner, now));
            if (owner is { } id) perOwner[id] = perOwner.GetValueOrDefault(id) + 1;
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AML schedule: {Reviews} reviews, {IdDocuments} identity documents, {Kyc} KYC refreshes")]
    private static partial void LogCreated(ILogger logger, int reviews, int idDocuments, int kyc);
}

using System.Linq.Expressions;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Handoffs;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Reports;

/// <summary>One business day (Asia/Shanghai) of the service officer's work and of the handoffs it opened.</summary>
/// <param name="Day">The business day.</param>
/// <param name="Answered">Client messages the AI answered from the knowledge base.</param>
/// <param name="Clarified">Messages the AI answered with "您是想问：…" (a choice of questions).</param>
/// <param name="HandedOff">Messages the AI passed to a human (a ticket with a reason).</param>
/// <param name="TicketsOpened">Handoff tickets opened that day, whatever opened them.</param>
/// <param name="Responded">Of those, tickets a human has answered since.</param>
/// <param name="RespondedInTime">Of those, answered before their first-response deadline.</param>
/// <param name="MedianFirstResponse">Median time from ticket to a human's first answer, over the answered ones.</param>
public sealed record DayFigures(
    DateOnly Day, int Answered, int Clarified, int HandedOff,
    int TicketsOpened, int Responded, int RespondedInTime, TimeSpan? MedianFirstResponse)
{
    /// <summary>Messages the AI decided on. Messages that arrive while a human waits or holds the conversation are not the AI's.</summary>
    public int Decided => Answered + Clarified + HandedOff;
}

/// <summary>Open handoff tickets of one reason, by where they stand against their first-response deadline.</summary>
public sealed record OpenTickets(HandoffReason Reason, int Open, int Unassigned, int OnTrack, int DueSoon, int Breached, int Responded);

/// <summary>Handoff tickets opened for one reason over the period.</summary>
public sealed record ReasonCount(HandoffReason Reason, int Count);

/// <summary>
/// The service dashboard: what the service officer did over the last days, what it handed to humans and why,
/// how fast humans answered, and what waits now. Scoped like every other view: a client manager sees his own
/// clients' figures, a branch head his branch, the digital team the service officer's clients.
/// </summary>
public sealed record ServiceDashboardView(
    DateOnly From, DateOnly To, DateTimeOffset AsOf,
    IReadOnlyList<DayFigures> Days,
    IReadOnlyList<OpenTickets> Open,
    IReadOnlyList<ReasonCount> HandoffsByReason,
    TimeSpan? MedianFirstResponse, TimeSpan? P90FirstResponse, int Responded, int RespondedInTime,
    int? GuardrailBlocks)
{
    public DayFigures Today => Days[^1];

    public int Decided => Days.Sum(d => d.Decided);
    public int Answered => Days.Sum(d => d.Answered);
    public int Clarified => Days.Sum(d => d.Clarified);
    public int HandedOff => Days.Sum(d => d.HandedOff);
    public int TicketsOpened => Days.Sum(d => d.TicketsOpened);
}

public sealed class ServiceDashboard(CoServeDb db, TimeProvider clock, IOptions<ReportsOptions> options)
{
    /// <summary>The dashboard over the last <paramref name="days"/> business days up to today (the configured default when null).</summary>
    public async Task<ServiceDashboardView> LoadAsync(CurrentStaff staff, int? days, CancellationToken ct)
    {
        var span = days ?? options.Value.DashboardDays;
        if (span < 1 || span > options.Value.MaxDashboardDays)
        {
            throw new ArgumentOutOfRangeException(nameof(days), span, $"days must be 1..{options.Value.MaxDashboardDays}");
        }
        var now = clock.GetUtcNow();
        var to = BusinessTime.Today(clock);
        var from = to.AddDays(1 - span);
        var start = BusinessTime.StartOfDay(from);

        var inScope = db.ClientIdFilter(staff);
        var tickets = db.Tickets.AsNoTracking().WhereClient(t => t.ClientId, inScope);
        var items = ProcessedBetween(start, BusinessTime.StartOfDay(to.AddDays(1))).WhereClient(w => w.ClientId, inScope);

        // One grouped count for the whole period (the scope's ids are gathered once, not once per day).
        var outcomes = (await items.GroupBy(w => new { w.Day, w.Outcome }).Select(g => new { g.Key.Day, g.Key.Outcome, Count = g.Count() }).ToListAsync(ct))
            .ToDictionary(x => (x.Day, x.Outcome ?? ""), x => x.Count);
        var opened = await tickets.Where(t => t.CreatedAt >= start)
            .Select(t => new TicketTimes(t.Reason, t.CreatedAt, t.FirstResponseDueAt, t.FirstRespondedAt))
            .ToListAsync(ct);
        var openedOn = opened.ToLookup(t => BusinessTime.DateOf(t.CreatedAt));
        var figures = new List<DayFigures>(span);
        for (var (day, index) = (from, 0L); day <= to; day = day.AddDays(1), index++)
        {
            var ofDay = openedOn[day].ToList();
            var responded = ofDay.Where(t => t.RespondedAt is not null).ToList();
            figures.Add(new DayFigures(day,
                outcomes.GetValueOrDefault((index, "answered")), outcomes.GetValueOrDefault((index, "clarified")),
                outcomes.GetValueOrDefault((index, "handoff")),
                ofDay.Count, responded.Count, responded.Count(t => t.RespondedAt <= t.DueAt),
                Percentile(responded.Select(t => t.RespondedAt!.Value - t.CreatedAt), 0.5)));
        }

        // Only the columns the SLA state needs: an open ticket's encrypted summary and suggested reply stay in the store.
        // Open and Responded, named: the status index answers a list, not a "not resolved".
        var open = await tickets.Where(t => t.Status == TicketStatus.Open || t.Status == TicketStatus.Responded)
            .Select(t => new { t.Reason, t.AssigneeStaffId, t.CreatedAt, t.FirstResponseDueAt, t.FirstRespondedAt, t.ReminderSentAt })
            .ToListAsync(ct);
        var openByReason = open.GroupBy(t => t.Reason).OrderBy(g => g.Key).Select(g =>
        {
            var states = g.Select(t => ConversationQueries.SlaOf(t.CreatedAt, t.FirstResponseDueAt, t.FirstRespondedAt, t.ReminderSentAt, now)).ToList();
            return new OpenTickets(g.Key, g.Count(), g.Count(t => t.AssigneeStaffId is null),
                states.Count(s => s == SlaState.OnTrack), states.Count(s => s == SlaState.DueSoon),
                states.Count(s => s == SlaState.Breached), states.Count(s => s == SlaState.Met));
        }).ToList();

        var answered = opened.Where(t => t.RespondedAt is not null).ToList();
        var waits = answered.Select(t => t.RespondedAt!.Value - t.CreatedAt).ToList();
        int? blocks = GuardrailRuleEditor.CanRead(staff)
            ? await GuardrailBlocksSince(inScope, start).CountAsync(ct)
            : null;
        return new ServiceDashboardView(from, to, now, figures, openByReason,
            [.. opened.GroupBy(t => t.Reason).Select(g => new ReasonCount(g.Key, g.Count())).OrderByDescending(x => x.Count).ThenBy(x => x.Reason)],
            Percentile(waits, 0.5), Percentile(waits, 0.9), answered.Count, answered.Count(t => t.RespondedAt <= t.DueAt), blocks);
    }

    /// <summary>
    /// The service officer's work items processed in [start, end): each with its day (0 = the day of
    /// <paramref name="start"/>), outcome and client. Shanghai keeps no daylight saving, so a business day is a fixed
    /// 24 hours from the period's start; the database computes the day index while it reads the (ProcessedAt, Id)
    /// index, so a quarter of the officer's work is counted in one statement. SQLite stores instants as UTC ticks,
    /// PostgreSQL as timestamptz.
    /// </summary>
    private IQueryable<ProcessedItem> ProcessedBetween(DateTimeOffset start, DateTimeOffset end)
    {
        if (db.IsSqlite)
        {
            long from = start.UtcTicks, until = end.UtcTicks, day = TimeSpan.TicksPerDay;
            return db.Database.SqlQuery<ProcessedItem>($"""
                SELECT (w."ProcessedAt" - {from}) / {day} AS "Day", w."Outcome" AS "Outcome", w."ClientId" AS "ClientId"
                FROM "OfficerWorkItems" AS w
                WHERE w."ProcessedAt" >= {from} AND w."ProcessedAt" < {until}
                """);
        }
        return db.Database.SqlQuery<ProcessedItem>($"""
            SELECT CAST(FLOOR(EXTRACT(EPOCH FROM (w."ProcessedAt" - {start})) / 86400) AS bigint) AS "Day", w."Outcome" AS "Outcome", w."ClientId" AS "ClientId"
            FROM "OfficerWorkItems" AS w
            WHERE w."ProcessedAt" >= {start} AND w."ProcessedAt" < {end}
            """);
    }

    private IQueryable<GuardrailBlock> GuardrailBlocksSince(Expression<Func<long, bool>>? inScope, DateTimeOffset start)
    {
        var blocks = db.GuardrailBlocks.AsNoTracking().Where(b => b.At >= start);
        // Blocks in the knowledge editor belong to no client; only the roles that see every client count them.
        return inScope is null ? blocks : blocks.Where(b => b.ClientId != null).WhereClient(b => b.ClientId!.Value, inScope);
    }

    /// <summary>The nearest-rank percentile (the value at or below which the share <paramref name="p"/> lies), or null with no values.</summary>
    internal static TimeSpan? Percentile(IEnumerable<TimeSpan> values, double p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    private sealed record ProcessedItem(long Day, string? Outcome, long ClientId);

    private sealed record TicketTimes(HandoffReason Reason, DateTimeOffset CreatedAt, DateTimeOffset DueAt, DateTimeOffset? RespondedAt);
}

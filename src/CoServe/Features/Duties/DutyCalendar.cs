using CoServe.Platform.Time;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties;

/// <summary>
/// Business-day arithmetic for duty deadlines: N business days are N times the configured business day of working
/// time, so weekends, public holidays and make-up workdays (Calendar section) are honoured, and a complaint
/// received on Friday at 10:00 with one day to answer is due on Monday at 10:00.
/// </summary>
public sealed class DutyCalendar(IOptions<DutiesOptions> options, IOptions<CalendarOptions> calendar)
{
    private WorkingHours? _hours;

    public WorkingHours Hours => _hours ??= options.Value.BusinessHours.Build(calendar.Value);

    public TimeSpan BusinessDay => Hours.End - Hours.Start;

    public DateTimeOffset AddBusinessDays(DateTimeOffset from, double days) =>
        Hours.Add(from, TimeSpan.FromTicks((long)(BusinessDay.Ticks * days)));

    /// <summary>The end (local midnight) of a business date, as an instant: when a date-only deadline passes.</summary>
    public static DateTimeOffset EndOf(DateOnly day) => BusinessTime.StartOfDay(day.AddDays(1));

    /// <summary>The first working day on or after <paramref name="day"/>.</summary>
    public DateOnly NextWorkingDay(DateOnly day)
    {
        for (var i = 0; i < 60; i++, day = day.AddDays(1))
        {
            if (Hours.IsWorkingDay(day)) return day;
        }
        return day;
    }
}

public enum DeadlineAction
{
    None = 0,
    Remind = 1,
    Escalate = 2,
}

/// <summary>The reminder-then-escalation ladder every duty deadline follows; pure, so it is unit-tested on its own.</summary>
public static class DeadlineLadder
{
    public static DeadlineAction Next(DateTimeOffset start, DateTimeOffset due, DateTimeOffset? remindedAt, DateTimeOffset? escalatedAt, DateTimeOffset now, DeadlinePolicy policy, DutyCalendar calendar)
    {
        if (now >= due)
        {
            if (escalatedAt is null || escalatedAt < due) return DeadlineAction.Escalate;
            var every = TimeSpan.FromTicks((long)(calendar.BusinessDay.Ticks * policy.EscalateEveryBusinessDays));
            return calendar.Hours.Between(escalatedAt.Value, now) >= every ? DeadlineAction.Escalate : DeadlineAction.None;
        }
        if (remindedAt is not null && remindedAt >= start) return DeadlineAction.None;
        var total = calendar.Hours.Between(start, due);
        var elapsed = calendar.Hours.Between(start, now);
        return total > TimeSpan.Zero && elapsed >= total * policy.ReminderAt ? DeadlineAction.Remind : DeadlineAction.None;
    }
}

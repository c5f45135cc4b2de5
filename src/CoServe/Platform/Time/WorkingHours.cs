namespace CoServe.Platform.Time;

/// <summary>
/// Working time in Asia/Shanghai: which days count and between which local times. SLA deadlines are
/// "N working minutes from now": time outside the window (nights, weekends, public holidays) does not count.
/// Public holidays and the make-up working days the State Council announces each year are configuration.
/// </summary>
public sealed class WorkingHours
{
    private readonly HashSet<DayOfWeek> _days;
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _extraWorkdays;

    public WorkingHours(TimeOnly start, TimeOnly end, IEnumerable<DayOfWeek> days, IEnumerable<DateOnly>? holidays = null, IEnumerable<DateOnly>? extraWorkdays = null)
    {
        if (end <= start) throw new ArgumentException("working hours must end after they start", nameof(end));
        Start = start;
        End = end;
        _days = [.. days];
        if (_days.Count == 0) throw new ArgumentException("at least one working day is needed", nameof(days));
        _holidays = [.. holidays ?? []];
        _extraWorkdays = [.. extraWorkdays ?? []];
    }

    public TimeOnly Start { get; }
    public TimeOnly End { get; }

    public bool IsWorkingDay(DateOnly day) =>
        _extraWorkdays.Contains(day) || (!_holidays.Contains(day) && _days.Contains(day.DayOfWeek));

    public bool IsWorkingTime(DateTimeOffset instant)
    {
        var local = BusinessTime.ToLocal(instant);
        var t = TimeOnly.FromDateTime(local);
        return IsWorkingDay(DateOnly.FromDateTime(local)) && t >= Start && t < End;
    }

    /// <summary>The instant when <paramref name="duration"/> of working time has passed after <paramref name="from"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset from, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var local = BusinessTime.ToLocal(from);
        var day = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        var remaining = duration;
        for (var guard = 0; guard < 3660; guard++)
        {
            if (IsWorkingDay(day) && time < End)
            {
                var begin = time < Start ? Start : time;
                var available = End - begin;
                if (remaining <= available) return BusinessTime.ToInstant(day, begin.Add(remaining));
                remaining -= available;
            }
            day = day.AddDays(1);
            time = TimeOnly.MinValue;
        }
        throw new InvalidOperationException("no working time within ten years; check the working-hours configuration");
    }

    /// <summary>Working time between two instants (zero when <paramref name="to"/> is earlier).</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from) return TimeSpan.Zero;
        var total = TimeSpan.Zero;
        var cursor = BusinessTime.ToLocal(from);
        var end = BusinessTime.ToLocal(to);
        while (cursor < end)
        {
            var day = DateOnly.FromDateTime(cursor);
            if (IsWorkingDay(day))
            {
                var windowStart = day.ToDateTime(Start);
                var windowEnd = day.ToDateTime(End);
                var a = cursor > windowStart ? cursor : windowStart;
                var b = end < windowEnd ? end : windowEnd;
                if (b > a) total += b - a;
            }
            cursor = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        }
        return total;
    }
}

/// <summary>Configuration shape for a working-hours window.</summary>
public sealed class WorkingHoursOptions
{
    public string Start { get; set; } = "09:00";
    public string End { get; set; } = "17:30";

    /// <summary>Working days, e.g. ["Monday", …]. Default Monday to Friday.</summary>
    public List<DayOfWeek> Days { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    public WorkingHours Build(CalendarOptions calendar) =>
        new(TimeOnly.Parse(Start, System.Globalization.CultureInfo.InvariantCulture),
            TimeOnly.Parse(End, System.Globalization.CultureInfo.InvariantCulture),
            Days,
            calendar.Holidays,
            calendar.ExtraWorkdays);

    public IEnumerable<string> Validate(string section)
    {
        if (!TimeOnly.TryParse(Start, System.Globalization.CultureInfo.InvariantCulture, out var s)) yield return $"{section}:Start '{Start}' is not a time (HH:mm)";
        if (!TimeOnly.TryParse(End, System.Globalization.CultureInfo.InvariantCulture, out var e)) yield return $"{section}:End '{End}' is not a time (HH:mm)";
        else if (e <= s) yield return $"{section}: End must be after Start";
        if (Days.Count == 0) yield return $"{section}:Days needs at least one day";
    }
}

/// <summary>Public holidays and make-up working days (调休) in Asia/Shanghai, shared by every SLA.</summary>
public sealed class CalendarOptions
{
    public const string Section = "Calendar";

    public List<DateOnly> Holidays { get; set; } = [];

    /// <summary>Weekend days that are working days (调休上班).</summary>
    public List<DateOnly> ExtraWorkdays { get; set; } = [];
}

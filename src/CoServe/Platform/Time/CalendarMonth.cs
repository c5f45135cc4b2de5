using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CoServe.Platform.Time;

/// <summary>A calendar month such as 2024-01; stored as the integer 202401.</summary>
public readonly record struct CalendarMonth : IComparable<CalendarMonth>
{
    public CalendarMonth(int year, int month)
    {
        if (year is < 1900 or > 9999) throw new ArgumentOutOfRangeException(nameof(year), year, "year must be 1900-9999");
        if (month is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(month), month, "month must be 1-12");
        Year = year;
        Month = month;
    }

    public int Year { get; }
    public int Month { get; }

    public int Key => (Year * 100) + Month;
    public int Days => DateTime.DaysInMonth(Year, Month);
    public DateOnly FirstDay => new(Year, Month, 1);
    public DateOnly LastDay => new(Year, Month, Days);

    public static CalendarMonth Of(DateOnly day) => new(day.Year, day.Month);

    public static CalendarMonth FromKey(int key) => new(key / 100, key % 100);

    public CalendarMonth AddMonths(int months)
    {
        var d = FirstDay.AddMonths(months);
        return new CalendarMonth(d.Year, d.Month);
    }

    public bool Contains(DateOnly day) => day.Year == Year && day.Month == Month;

    public IEnumerable<DateOnly> EachDay()
    {
        for (var d = 1; d <= Days; d++) yield return new DateOnly(Year, Month, d);
    }

    /// <summary>Parses yyyy-MM (also accepts yyyyMM).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out CalendarMonth month)
    {
        month = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var formats = new[] { "yyyy-MM", "yyyyMM" };
        if (!DateTime.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }
        if (parsed.Year < 1900) return false;
        month = new CalendarMonth(parsed.Year, parsed.Month);
        return true;
    }

    public static CalendarMonth Parse(string text) =>
        TryParse(text, out var m) ? m : throw new FormatException($"'{text}' is not a month; use yyyy-MM, e.g. 2024-01");

    public int CompareTo(CalendarMonth other) => Key.CompareTo(other.Key);

    public static bool operator <(CalendarMonth a, CalendarMonth b) => a.Key < b.Key;
    public static bool operator >(CalendarMonth a, CalendarMonth b) => a.Key > b.Key;
    public static bool operator <=(CalendarMonth a, CalendarMonth b) => a.Key <= b.Key;
    public static bool operator >=(CalendarMonth a, CalendarMonth b) => a.Key >= b.Key;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}");
}

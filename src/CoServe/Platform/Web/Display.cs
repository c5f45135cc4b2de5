using System.Globalization;
using CoServe.Platform.Time;

namespace CoServe.Platform.Web;

/// <summary>Formatting for the console: instants in Shanghai time, money with grouping and two decimals.</summary>
public static class Display
{
    public static string Instant(DateTimeOffset instant) =>
        BusinessTime.ToLocal(instant).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A deadline: date-only duties (a review due on a day) are due at local midnight and read as that date.</summary>
    public static string Due(DateTimeOffset due)
    {
        var local = BusinessTime.ToLocal(due);
        return local.TimeOfDay == TimeSpan.Zero ? local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : Instant(due);
    }

    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—";

    public static string Money(decimal? yuan) => yuan?.ToString("#,##0.00", CultureInfo.InvariantCulture) ?? "—";

    public static string Percent(int part, int whole) =>
        whole == 0 ? "—" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);
}

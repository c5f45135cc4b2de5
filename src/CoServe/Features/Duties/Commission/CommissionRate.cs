using System.Globalization;

namespace CoServe.Features.Duties.Commission;

/// <summary>
/// A commission rate, exact: an integer number of ten-millionths of the traded amount (0.025% = 万2.5 = 2500).
/// Rates are never doubles, so floors and discounts compare exactly on every store.
/// </summary>
public readonly record struct CommissionRate(long TenMillionths) : IComparable<CommissionRate>
{
    private const long PerPercent = 100_000;
    private const long PerWan = 1_000;

    public static bool operator <(CommissionRate a, CommissionRate b) => a.TenMillionths < b.TenMillionths;
    public static bool operator >(CommissionRate a, CommissionRate b) => a.TenMillionths > b.TenMillionths;
    public static bool operator <=(CommissionRate a, CommissionRate b) => a.TenMillionths <= b.TenMillionths;
    public static bool operator >=(CommissionRate a, CommissionRate b) => a.TenMillionths >= b.TenMillionths;

    public int CompareTo(CommissionRate other) => TenMillionths.CompareTo(other.TenMillionths);

    /// <summary>"0.025%".</summary>
    public string Percent => (TenMillionths / (decimal)PerPercent).ToString("0.#####", CultureInfo.InvariantCulture) + "%";

    /// <summary>"万2.5", the way brokers and clients say it.</summary>
    public string Wan => "万" + (TenMillionths / (decimal)PerWan).ToString("0.###", CultureInfo.InvariantCulture);

    public override string ToString() => Percent;

    /// <summary>
    /// Parses "0.025%", "万2.5" or "2.5‱". At most five decimals of a percent (one ten-millionth); anything finer,
    /// zero, negative or unparseable is refused with a reason.
    /// </summary>
    public static bool TryParse(string? text, out CommissionRate rate, out string? error)
    {
        rate = default;
        error = null;
        var s = (text ?? "").Trim();
        long scale;
        if (s.EndsWith('%'))
        {
            s = s[..^1];
            scale = PerPercent;
        }
        else if (s.EndsWith('‱'))
        {
            s = s[..^1];
            scale = PerWan;
        }
        else if (s.StartsWith('万'))
        {
            s = s[1..];
            scale = PerWan;
        }
        else
        {
            error = $"'{text}' is not a rate: write it as 0.025% or 万2.5";
            return false;
        }
        if (!decimal.TryParse(s.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            error = $"'{text}' is not a rate: write it as 0.025% or 万2.5";
            return false;
        }
        var units = value * scale;
        if (units != decimal.Truncate(units))
        {
            error = $"'{text}' is finer than 0.00001%";
            return false;
        }
        if (units <= 0)
        {
            error = "a rate must be above zero";
            return false;
        }
        if (units > 10_000_000)
        {
            error = $"'{text}' is more than 100%";
            return false;
        }
        rate = new CommissionRate((long)units);
        return true;
    }

    public static CommissionRate Parse(string text) =>
        TryParse(text, out var rate, out var error) ? rate : throw new FormatException(error);

    /// <summary>Discount from <paramref name="current"/> to <paramref name="proposed"/> as a whole percentage of the current rate, rounded up (0 for a rise).</summary>
    public static int DiscountPercent(CommissionRate current, CommissionRate proposed)
    {
        if (proposed >= current) return 0;
        var cut = (current.TenMillionths - proposed.TenMillionths) * 100;
        return (int)((cut + current.TenMillionths - 1) / current.TenMillionths);
    }
}

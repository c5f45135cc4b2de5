using System.Globalization;

namespace CoServe.Platform.Money;

/// <summary>
/// Money amounts in yuan are decimals in code and whole fen (0.01 yuan) in storage, so that SQLite and
/// PostgreSQL both compare, sum and sort them exactly.
/// </summary>
public static class Fen
{
    /// <summary>Largest accepted absolute amount: 999,999,999,999.99 yuan.</summary>
    public const long MaxAbsolute = 99_999_999_999_999L;

    public static long FromYuan(decimal yuan)
    {
        var fen = yuan * 100m;
        if (fen != decimal.Truncate(fen))
        {
            throw new ArgumentException($"amount {yuan.ToString(CultureInfo.InvariantCulture)} has more than 2 decimal places", nameof(yuan));
        }
        if (Math.Abs(fen) > MaxAbsolute) throw new ArgumentOutOfRangeException(nameof(yuan), "amount is out of range");
        return (long)fen;
    }

    public static decimal ToYuan(long fen) => fen / 100m;

    /// <summary>Rounds fen/divisor half away from zero to whole fen using integer arithmetic only.</summary>
    public static long DivideRounded(long numeratorFen, long divisor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(divisor);
        var q = Math.DivRem(numeratorFen, divisor, out var r);
        if (r != 0 && 2 * Math.Abs(r) >= divisor) q += Math.Sign(numeratorFen);
        return q;
    }

    /// <summary>Formats with exactly two decimals, invariant culture, no grouping: 1234.50.</summary>
    public static string Format(long fen) => ToYuan(fen).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a plain decimal yuan amount: optional sign, digits, optional point and up to two decimals.
    /// Thousands separators, exponents, NaN and currency symbols are rejected with a reason.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out long fen, out string? error)
    {
        fen = 0;
        error = null;
        text = text.Trim();
        if (text.IsEmpty) { error = "amount is empty"; return false; }

        var negative = false;
        var i = 0;
        if (text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }
        long whole = 0;
        var digits = 0;
        for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
        {
            whole = (whole * 10) + (text[i] - '0');
            digits++;
            if (whole > MaxAbsolute / 100) { error = "amount is out of range (max 999999999999.99)"; return false; }
        }
        long fraction = 0;
        var fractionDigits = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            {
                fractionDigits++;
                if (fractionDigits > 2) { error = "amount has more than 2 decimal places"; return false; }
                fraction = (fraction * 10) + (text[i] - '0');
            }
            if (fractionDigits == 1) fraction *= 10;
        }
        if (i < text.Length)
        {
            error = text[i] switch
            {
                ',' => "amount contains a thousands separator; write plain digits like 1234.50",
                'e' or 'E' => "amount uses exponent notation; write plain digits",
                _ => $"amount '{Truncate(text)}' is not a number",
            };
            return false;
        }
        if (digits == 0 && fractionDigits == 0) { error = $"amount '{Truncate(text)}' is not a number"; return false; }
        fen = (whole * 100) + fraction;
        if (negative) fen = -fen;
        return true;
    }

    private static string Truncate(ReadOnlySpan<char> text) => text.Length <= 20 ? text.ToString() : string.Concat(text[..20], "…");
}

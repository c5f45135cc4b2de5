using System.Globalization;
using System.Text;
using CoServe.Features.Clients;
using CoServe.Platform.Csv;
using CoServe.Platform.Money;

namespace CoServe.Features.Assets;

/// <summary>The columns of a daily asset feed and the validation of one row.</summary>
internal sealed class AssetFeedRow
{
    public static readonly CsvColumn[] Columns =
    [
        new("client_no", true, "客户号", "客户编号", "资金账号"),
        new("date", true, "日期", "业务日期"),
        new("total_assets", false, "总资产"),
        new("cash", false, "资金余额", "现金"),
        new("securities", false, "证券市值"),
        new("products", false, "理财产品", "产品市值"),
        new("margin_net", false, "两融净资产"),
    ];

    private readonly int _clientNo;
    private readonly int _date;
    private readonly int _total;
    private readonly int _cash;
    private readonly int _securities;
    private readonly int _products;
    private readonly int _marginNet;
    private readonly AssetsOptions _options;
    private readonly DateOnly _latestAllowed;
    private readonly char[] _upper = new char[ClientNumber.MaxLength];
    private readonly int _fieldCount;

    public AssetFeedRow(CsvHeader header, AssetsOptions options, DateOnly today)
    {
        _clientNo = header.IndexOf("client_no");
        _date = header.IndexOf("date");
        _total = header.IndexOf("total_assets");
        _cash = header.IndexOf("cash");
        _securities = header.IndexOf("securities");
        _products = header.IndexOf("products");
        _marginNet = header.IndexOf("margin_net");
        _options = options;
        _latestAllowed = today.AddDays(options.MaxDaysInFuture);
        _fieldCount = header.FieldCount;
        FastPathApplies = _total >= 0 && _cash < 0 && _securities < 0 && _products < 0 && _marginNet < 0;
    }

    /// <summary>Whether <see cref="TryReadFast"/> can be used: the file carries total_assets and no component columns.</summary>
    public bool FastPathApplies { get; }

    /// <summary>
    /// The common line of a month-end feed, read straight from its bytes: printable ASCII without quotes or
    /// spaces, a valid client number, a yyyy-MM-dd or yyyyMMdd date and a plain amount. Returns false for
    /// anything else, and the caller then reads the line with <see cref="TryRead"/>, which decides and explains.
    /// Only lines that <see cref="TryRead"/> accepts with the same values are accepted here. Requires
    /// <see cref="FastPathApplies"/> and an ASCII-compatible encoding (UTF-8, GBK).
    /// </summary>
    public bool TryReadFast(ReadOnlySpan<byte> line, Span<char> clientNo, out int clientNoLength, out DateOnly date, out long totalFen)
    {
        clientNoLength = 0;
        date = default;
        totalFen = 0;
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (line.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0 || line.Contains((byte)'"')) return false;

        ReadOnlySpan<byte> no = default, dateText = default, total = default;
        var field = 0;
        var rest = line;
        while (true)
        {
            var comma = rest.IndexOf((byte)',');
            var f = comma < 0 ? rest : rest[..comma];
            if (field == _clientNo) no = f;
            else if (field == _date) dateText = f;
            else if (field == _total) total = f;
            field++;
            if (comma < 0) break;
            rest = rest[(comma + 1)..];
        }
        if (field != _fieldCount) return false;

        if (no.IsEmpty || no.Length > ClientNumber.MaxLength) return false;
        for (var i = 0; i < no.Length; i++)
        {
            var c = no[i];
            if (c is >= (byte)'a' and <= (byte)'z') c -= 'a' - 'A';
            else if (!char.IsAsciiLetterOrDigit((char)c) && c is not (byte)'-' and not (byte)'_') return false;
            clientNo[i] = (char)c;
        }
        clientNoLength = no.Length;

        int y, m, d;
        if (dateText.Length == 10 && dateText[4] == (byte)'-' && dateText[7] == (byte)'-')
        {
            if (!Digits(dateText[..4], out y) || !Digits(dateText.Slice(5, 2), out m) || !Digits(dateText.Slice(8, 2), out d)) return false;
        }
        else if (dateText.Length == 8)
        {
            if (!Digits(dateText[..4], out y) || !Digits(dateText.Slice(4, 2), out m) || !Digits(dateText.Slice(6, 2), out d)) return false;
        }
        else
        {
            return false;
        }
        if (y < 1990 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m)) return false;
        date = new DateOnly(y, m, d);
        if (date > _latestAllowed) return false;

        return FenFromBytes(total, out totalFen);
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    /// <summary>Fen.TryParse on ASCII bytes without surrounding spaces; false where Fen.TryParse would fail.</summary>
    private static bool FenFromBytes(ReadOnlySpan<byte> text, out long fen)
    {
        fen = 0;
        if (text.IsEmpty) return false;
        var negative = false;
        var i = 0;
        if (text[0] is (byte)'-' or (byte)'+')
        {
            negative = text[0] == (byte)'-';
            i = 1;
        }
        long whole = 0;
        var digits = 0;
        for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            whole = (whole * 10) + (text[i] - '0');
            digits++;
            if (whole > Fen.MaxAbsolute / 100) return false;
        }
        long fraction = 0;
        var fractionDigits = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++)
            {
                fractionDigits++;
                if (fractionDigits > 2) return false;
                fraction = (fraction * 10) + (text[i] - '0');
            }
            if (fractionDigits == 1) fraction *= 10;
        }
        if (i < text.Length || (digits == 0 && fractionDigits == 0)) return false;
        fen = (whole * 100) + fraction;
        if (negative) fen = -fen;
        return true;
    }

    public static string? HeaderProblem(CsvHeader header) =>
        header.Has("total_assets") || header.Has("cash") || header.Has("securities") || header.Has("products") || header.Has("margin_net")
            ? null
            : "the file needs a total_assets (总资产) column or at least one component column (cash, securities, products, margin_net)";

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyyMMdd"];

    public static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly date)
    {
        text = text.Trim();
        // Fast path for the two accepted shapes (a month-end feed has tens of millions of dates); anything
        // else, including invalid days, goes through the framework parser, which decides.
        if (text.Length == 10 && text[4] == '-' && text[7] == '-'
            && TryDigits(text[..4], out var y) && TryDigits(text.Slice(5, 2), out var m) && TryDigits(text.Slice(8, 2), out var d)
            && TryMakeDate(y, m, d, out date))
        {
            return true;
        }
        if (text.Length == 8 && TryDigits(text[..4], out y) && TryDigits(text.Slice(4, 2), out m) && TryDigits(text.Slice(6, 2), out d)
            && TryMakeDate(y, m, d, out date))
        {
            return true;
        }
        return DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    private static bool TryMakeDate(int year, int month, int day, out DateOnly date)
    {
        date = default;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>
    /// Validates the current line; on success gives the client number (upper-case; valid until the next call),
    /// date and snapshot.
    /// </summary>
    public bool TryRead(CsvLineReader r, CsvHeader header, out ReadOnlySpan<char> clientNo, out DateOnly date, out AssetSnapshot snapshot, out LineProblem? problem)
    {
        clientNo = default;
        date = default;
        snapshot = default;
        problem = null;
        var line = r.LineNumber;
        if (r.Error is not null) { problem = new LineProblem(line, null, r.Error); return false; }
        if (r.FieldCount != header.FieldCount)
        {
            problem = new LineProblem(line, null, $"expected {header.FieldCount} fields, found {r.FieldCount}");
            return false;
        }
        var no = r[_clientNo].Trim();
        if (!ClientNumber.IsValid(no, out var noError)) { problem = new LineProblem(line, "client_no", noError!); return false; }
        clientNo = Upper(no);

        var dateText = r[_date].Trim();
        if (!TryParseDate(dateText, out date))
        {
            problem = new LineProblem(line, "date", dateText.IsEmpty
                ? "date is blank"
                : $"'{Short(dateText)}' is not a valid date (use yyyy-MM-dd or yyyyMMdd)");
            return false;
        }
        if (date.Year < 1990) { problem = new LineProblem(line, "date", "date is before 1990"); return false; }
        if (date > _latestAllowed) { problem = new LineProblem(line, "date", "date is in the future"); return false; }

        if (!Component(r, _cash, "cash", allowNegative: false, out var cash, out problem)) return false;
        if (!Component(r, _securities, "securities", allowNegative: false, out var securities, out problem)) return false;
        if (!Component(r, _products, "products", allowNegative: false, out var products, out problem)) return false;
        if (!Component(r, _marginNet, "margin_net", allowNegative: true, out var marginNet, out problem)) return false;

        long total;
        var totalText = _total >= 0 ? r[_total].Trim() : default;
        if (!totalText.IsEmpty)
        {
            if (!Fen.TryParse(totalText, out total, out var error)) { problem = new LineProblem(line, "total_assets", error!); return false; }
        }
        else if (cash is null && securities is null && products is null && marginNet is null)
        {
            problem = new LineProblem(line, "total_assets", "total_assets is blank and no component values are given");
            return false;
        }
        else
        {
            total = (_options.IncludeCash ? cash ?? 0 : 0)
                + (_options.IncludeSecurities ? securities ?? 0 : 0)
                + (_options.IncludeProducts ? products ?? 0 : 0)
                + (_options.IncludeMarginNet ? marginNet ?? 0 : 0);
        }
        snapshot = new AssetSnapshot(total, cash, securities, products, marginNet);
        return true;
    }

    private static bool Component(CsvLineReader r, int index, string name, bool allowNegative, out long? value, out LineProblem? problem)
    {
        value = null;
        problem = null;
        if (index < 0) return true;
        var text = r[index].Trim();
        if (text.IsEmpty) return true;
        if (!Fen.TryParse(text, out var fen, out var error)) { problem = new LineProblem(r.LineNumber, name, error!); return false; }
        if (fen < 0 && !allowNegative) { problem = new LineProblem(r.LineNumber, name, $"{name} cannot be negative"); return false; }
        value = fen;
        return true;
    }

    /// <summary>Client numbers are ASCII (checked above), so upper-casing is ASCII upper-casing, without allocating.</summary>
    private ReadOnlySpan<char> Upper(ReadOnlySpan<char> no)
    {
        if (!no.ContainsAnyInRange('a', 'z')) return no;
        var upper = _upper.AsSpan(0, no.Length);
        Ascii.ToUpper(no, upper, out _);
        return upper;
    }

    private static string Short(ReadOnlySpan<char> s) => s.Length <= 20 ? s.ToString() : string.Concat(s[..20], "…");
}

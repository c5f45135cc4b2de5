using System.Globalization;
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
    }

    public static string? HeaderProblem(CsvHeader header) =>
        header.Has("total_assets") || header.Has("cash") || header.Has("securities") || header.Has("products") || header.Has("margin_net")
            ? null
            : "the file needs a total_assets (总资产) column or at least one component column (cash, securities, products, margin_net)";

    public static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly date) =>
        DateOnly.TryParseExact(text.Trim(), ["yyyy-MM-dd", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Validates the current line; on success gives the client number, date and snapshot.</summary>
    public bool TryRead(CsvLineReader r, CsvHeader header, out string clientNo, out DateOnly date, out AssetSnapshot snapshot, out LineProblem? problem)
    {
        clientNo = "";
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
        clientNo = no.ToString().ToUpperInvariant();

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

    private static string Short(ReadOnlySpan<char> s) => s.Length <= 20 ? s.ToString() : string.Concat(s[..20], "…");
}

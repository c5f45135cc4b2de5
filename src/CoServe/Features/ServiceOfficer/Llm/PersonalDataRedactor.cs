using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CoServe.Features.Conversations;

namespace CoServe.Features.ServiceOfficer.Llm;

/// <summary>Kinds of personal data replaced by placeholders before text leaves for a model.</summary>
public enum PersonalDataKind
{
    Name = 1,
    Mobile = 2,
    Phone = 3,
    IdNumber = 4,
    BankCard = 5,
    Account = 6,
    Email = 7,
    Amount = 8,
}

/// <summary>
/// Redaction for one request (PIPL, DESIGN tenet 5): personal data in the client's text and the conversation context
/// is replaced by placeholders such as <c>&lt;MOBILE_1&gt;</c>; the same value gets the same placeholder in every
/// text of the request. On the way back only the client's own form of address and amounts are restored; a reply that
/// mentions a mobile, ID, card, account or e-mail placeholder is refused (the officer never echoes those).
/// Not thread-safe: one instance per request.
/// </summary>
public sealed partial class Redaction
{
    private readonly List<(string Value, PersonalDataKind Kind)> _known;
    private readonly Dictionary<string, string> _placeholderOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (PersonalDataKind Kind, string Value)> _valueOf = new(StringComparer.Ordinal);
    private readonly Dictionary<PersonalDataKind, int> _counters = [];

    internal Redaction(List<(string Value, PersonalDataKind Kind)> known)
    {
        // Longest first, so "王小明" is replaced before "王先生" could match part of something else.
        _known = known.Where(k => k.Value.Length >= 2).DistinctBy(k => k.Value).OrderByDescending(k => k.Value.Length).ToList();
    }

    /// <summary>How many distinct values were replaced so far.</summary>
    public int Count => _valueOf.Count;

    /// <summary>The kinds replaced so far (for explanations; never the values).</summary>
    public IEnumerable<PersonalDataKind> Kinds => _valueOf.Values.Select(v => v.Kind).Distinct().Order();

    public static bool IsRestorable(PersonalDataKind kind) => kind is PersonalDataKind.Name or PersonalDataKind.Amount;

    /// <summary>The text with every recognised piece of personal data replaced by its placeholder.</summary>
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var s = NarrowWidth(text);
        foreach (var (value, kind) in _known)
        {
            if (s.Contains(value, StringComparison.Ordinal)) s = s.Replace(value, Placeholder(kind, value), StringComparison.Ordinal);
        }
        s = Email().Replace(s, m => Placeholder(PersonalDataKind.Email, m.Value));
        s = IdNumber().Replace(s, m => Placeholder(PersonalDataKind.IdNumber, Digits(m.Value).ToUpperInvariant()));
        s = BankCard().Replace(s, m => Placeholder(PersonalDataKind.BankCard, Digits(m.Value)));
        s = Mobile().Replace(s, m => Placeholder(PersonalDataKind.Mobile, MobileKey(m.Value)));
        s = Landline().Replace(s, m => Placeholder(PersonalDataKind.Phone, Digits(m.Value)));
        s = AccountAfterLabel().Replace(s, m => m.Groups["label"].Value + Placeholder(PersonalDataKind.Account, m.Groups["no"].Value.ToUpperInvariant()));
        s = LongDigits().Replace(s, m => Placeholder(PersonalDataKind.Account, m.Value));
        s = NameAfterCue().Replace(s, m => m.Groups["cue"].Value + Placeholder(PersonalDataKind.Name, m.Groups["name"].Value));
        s = Amount().Replace(s, m => Placeholder(PersonalDataKind.Amount, m.Value));
        return s;
    }

    /// <summary>
    /// Restores names and amounts; collects placeholders that may not go back to the client (or that this request
    /// never issued) in <paramref name="refused"/>, leaving them in the text.
    /// </summary>
    public string Restore(string text, out IReadOnlyList<string> refused)
    {
        var bad = new List<string>();
        var restored = AnyPlaceholder().Replace(text, m =>
        {
            var key = "<" + m.Groups[1].Value.ToUpperInvariant() + "_" + m.Groups[2].Value + ">";
            if (_valueOf.TryGetValue(key, out var v) && IsRestorable(v.Kind)) return v.Value;
            bad.Add(key);
            return m.Value;
        });
        refused = bad;
        return restored;
    }

    private string Placeholder(PersonalDataKind kind, string value)
    {
        var id = kind + ":" + value;
        if (_placeholderOf.TryGetValue(id, out var existing)) return existing;
        var n = _counters.GetValueOrDefault(kind) + 1;
        _counters[kind] = n;
        var placeholder = "<" + Tag(kind) + "_" + n.ToString(CultureInfo.InvariantCulture) + ">";
        _placeholderOf[id] = placeholder;
        _valueOf[placeholder] = (kind, value);
        return placeholder;
    }

    private static string Tag(PersonalDataKind kind) => kind switch
    {
        PersonalDataKind.Name => "NAME",
        PersonalDataKind.Mobile => "MOBILE",
        PersonalDataKind.Phone => "PHONE",
        PersonalDataKind.IdNumber => "ID",
        PersonalDataKind.BankCard => "CARD",
        PersonalDataKind.Account => "ACCOUNT",
        PersonalDataKind.Email => "EMAIL",
        PersonalDataKind.Amount => "AMOUNT",
        _ => "DATA",
    };

    private static string Digits(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c) || c is 'X' or 'x') sb.Append(c);
        }
        return sb.ToString();
    }

    private static string MobileKey(string s)
    {
        var d = Digits(s);
        return d.Length > 11 ? d[^11..] : d;
    }

    /// <summary>Full-width digits, letters and the signs used in numbers become ASCII, so "１３８…" is caught too.</summary>
    internal static string NarrowWidth(string text)
    {
        var changed = false;
        foreach (var c in text)
        {
            if (c is >= '\uFF01' and <= '\uFF5E' or '\u3000') { changed = true; break; }
        }
        if (!changed) return text;
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '\uFF10' and <= '\uFF19' or >= '\uFF21' and <= '\uFF3A' or >= '\uFF41' and <= '\uFF5A' or '\uFF0B' or '\uFF0D' or '\uFF20' or '\uFF0E')
                sb.Append((char)(c - 0xFEE0));
            else if (c == '\u3000') sb.Append(' ');
            else sb.Append(c);
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    /// <summary>18-character resident ID (last may be X), spaces or dashes allowed between its parts; or the old 15-digit form.</summary>
    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:[1-9]\d{5}[- ]?(?:18|19|20)\d{2}[- ]?(?:0[1-9]|1[0-2])[- ]?(?:0[1-9]|[12]\d|3[01])[- ]?\d{3}[\dXx]|[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])")]
    private static partial Regex IdNumber();

    /// <summary>16-19 digit bank cards, plain or in groups of four (or 6 + rest) separated by spaces or dashes.</summary>
    [GeneratedRegex(@"(?<![0-9])(?:\d{16,19}|\d{4}(?:[- ]\d{4}){3}(?:[- ]?\d{1,3})?|\d{6}[- ]\d{10,13})(?![0-9])")]
    private static partial Regex BankCard();

    /// <summary>Mainland mobiles: 11 digits from 13x-19x, optional +86/0086, spaces or dashes anywhere between digits.</summary>
    [GeneratedRegex(@"(?<![0-9])(?:(?:\+|00)?86[- ]?)?1[- ]?[3-9](?:[- ]?\d){9}(?![0-9])")]
    private static partial Regex Mobile();

    /// <summary>Landlines with an area code: 010-12345678, 0755 1234567.</summary>
    [GeneratedRegex(@"(?<![0-9])0\d{2,3}[- ]?\d{7,8}(?![0-9])")]
    private static partial Regex Landline();

    [GeneratedRegex(@"(?<label>(?:资金账号|资金账户|资金帐号|客户号|客户编号|证券账号|证券账户|股东账号|股东账户|股东代码|账号|帐号|卡号|账户号码?)\s*(?:是|为|:|：)?\s*)(?<no>[A-Za-z]{0,2}\d{5,})")]
    private static partial Regex AccountAfterLabel();

    /// <summary>Any other run of 8 or more digits is treated as an account number (security codes have 6).</summary>
    [GeneratedRegex(@"(?<![0-9])\d{8,}(?![0-9])")]
    private static partial Regex LongDigits();

    [GeneratedRegex(@"(?<cue>我姓)(?<name>[\u4e00-\u9fa5])|(?<cue>我叫|我的名字(?:是|叫)|名字(?:是|叫)|本人姓名(?:是|为)?|姓名(?:是|为|:|：)?\s*)(?<name>[\u4e00-\u9fa5·]{2,4}?)(?=[，,。.！!？?;；\s]|$|先生|女士|小姐|想|要|的|在|是|我|身份证|手机|电话|账号|卡号|，)")]
    private static partial Regex NameAfterCue();

    [GeneratedRegex(@"(?:[¥￥]\s*\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:万|千|百)?元?)?|(?<![0-9.A-Za-z])\d+(?:,\d{3})*(?:\.\d+)?\s*(?:万元|千元|百元|亿元|万块|万|元|块钱|块|[wW](?![A-Za-z]))|[一二两三四五六七八九十百千]*[一二两三四五六七八九十][一二两三四五六七八九十百千]*(?:万元|万块|万(?!分之)|元|块钱))")]
    private static partial Regex Amount();

    [GeneratedRegex(@"<\s*(NAME|MOBILE|PHONE|ID|CARD|ACCOUNT|EMAIL|AMOUNT|DATA)\s*_\s*(\d+)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex AnyPlaceholder();
}

/// <summary>Starts a <see cref="Redaction"/> that knows the client's own values (form of address, name, client number, holdings).</summary>
public static class PersonalDataRedactor
{
    /// <summary>ProfileFacts keys whose values are the client's name.</summary>
    public static readonly IReadOnlyList<string> NameFacts = ["name", "client_name", "full_name", "姓名"];

    /// <summary>ProfileFacts keys whose values are the client's own amounts (holdings, balances, MADA).</summary>
    public static readonly IReadOnlyList<string> AmountFacts = ["total_assets", "assets", "balance", "cash_balance", "holdings_value", "market_value", "mada", "资产", "余额", "市值"];

    /// <summary>ProfileFacts keys whose values are identifiers (mobile, ID, accounts, e-mail).</summary>
    public static readonly IReadOnlyList<(string Key, PersonalDataKind Kind)> IdentifierFacts =
    [
        ("mobile", PersonalDataKind.Mobile), ("phone", PersonalDataKind.Phone), ("id_number", PersonalDataKind.IdNumber),
        ("bank_card", PersonalDataKind.BankCard), ("fund_account", PersonalDataKind.Account), ("email", PersonalDataKind.Email),
    ];

    public static Redaction For(OfficerClientContext client)
    {
        var known = new List<(string, PersonalDataKind)>();
        if (!string.IsNullOrWhiteSpace(client.Salutation)) known.Add((client.Salutation.Trim(), PersonalDataKind.Name));
        if (!string.IsNullOrWhiteSpace(client.ClientNo)) known.Add((client.ClientNo.Trim(), PersonalDataKind.Account));
        foreach (var key in NameFacts)
        {
            if (!client.ProfileFacts.TryGetValue(key, out var name) || string.IsNullOrWhiteSpace(name)) continue;
            name = name.Trim();
            known.Add((name, PersonalDataKind.Name));
            if (name.Length >= 3) known.Add((name[1..], PersonalDataKind.Name));
            foreach (var title in new[] { "先生", "女士", "小姐", "总" }) known.Add((name[..1] + title, PersonalDataKind.Name));
        }
        foreach (var key in AmountFacts)
        {
            if (client.ProfileFacts.TryGetValue(key, out var amount) && amount.Trim().Length >= 2) known.Add((amount.Trim(), PersonalDataKind.Amount));
        }
        foreach (var (key, kind) in IdentifierFacts)
        {
            if (client.ProfileFacts.TryGetValue(key, out var v) && v.Trim().Length >= 4) known.Add((v.Trim(), kind));
        }
        return new Redaction(known);
    }
}

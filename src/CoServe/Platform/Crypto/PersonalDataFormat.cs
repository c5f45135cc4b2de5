using System.Globalization;
using System.Text;

namespace CoServe.Platform.Crypto;

/// <summary>Normalising, validating and masking of personal fields for display.</summary>
public static class PersonalDataFormat
{
    public static string Normalise(ProtectedField field, string value)
    {
        var text = value.Normalize(NormalizationForm.FormKC).Trim();
        return field switch
        {
            ProtectedField.Mobile => NormaliseMobile(text),
            ProtectedField.IdNumber => text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
            ProtectedField.Name => string.Concat(text.Where(c => !char.IsWhiteSpace(c))),
            _ => text,
        };
    }

    private static string NormaliseMobile(string text)
    {
        var digits = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
        }
        var s = digits.ToString();
        if (s.Length == 13 && s.StartsWith("86", StringComparison.Ordinal)) s = s[2..];
        return s;
    }

    /// <summary>Mainland mobile: 11 digits starting 1[3-9].</summary>
    public static bool IsValidMobile(string value)
    {
        var s = Normalise(ProtectedField.Mobile, value);
        return s.Length == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
    }

    /// <summary>18-character resident ID with ISO 7064 MOD 11-2 check digit, or another document number (letters and digits, 6-30).</summary>
    public static bool IsValidIdNumber(string value, out bool isResidentId)
    {
        var s = Normalise(ProtectedField.IdNumber, value);
        isResidentId = s.Length == 18 && s[..17].All(char.IsAsciiDigit);
        if (isResidentId) return ResidentIdCheckDigit(s.AsSpan(0, 17)) == s[17];
        return s.Length is >= 6 and <= 30 && s.All(char.IsAsciiLetterOrDigit);
    }

    public static char ResidentIdCheckDigit(ReadOnlySpan<char> first17)
    {
        ReadOnlySpan<int> weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * weights[i];
        return "10X98765432"[sum % 11];
    }

    public static string MaskName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var chars = StringInfo.GetTextElementEnumerator(name);
        var elements = new List<string>();
        while (chars.MoveNext()) elements.Add((string)chars.Current);
        return elements.Count switch
        {
            1 => "*",
            2 => elements[0] + "*",
            _ => elements[0] + new string('*', elements.Count - 2) + elements[^1],
        };
    }

    public static string MaskMobile(string? mobile)
    {
        if (string.IsNullOrEmpty(mobile)) return "";
        var s = Normalise(ProtectedField.Mobile, mobile);
        return s.Length >= 7 ? string.Concat(s.AsSpan(0, 3), "****", s.AsSpan(s.Length - 4)) : new string('*', s.Length);
    }

    public static string MaskIdNumber(string? id)
    {
        if (string.IsNullOrEmpty(id)) return "";
        var s = Normalise(ProtectedField.IdNumber, id);
        return s.Length > 8 ? string.Concat(s.AsSpan(0, 4), new string('*', s.Length - 8), s.AsSpan(s.Length - 4)) : new string('*', s.Length);
    }

    public static string Mask(ProtectedField field, string? value) => field switch
    {
        ProtectedField.Name => MaskName(value),
        ProtectedField.Mobile => MaskMobile(value),
        ProtectedField.IdNumber => MaskIdNumber(value),
        _ => "***",
    };
}

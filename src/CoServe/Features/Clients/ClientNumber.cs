namespace CoServe.Features.Clients;

/// <summary>Client numbers (客户号): 1-32 characters of letters, digits, '-' and '_'; letters are stored upper-case.</summary>
public static class ClientNumber
{
    public const int MaxLength = 32;

    public static bool IsValid(ReadOnlySpan<char> value, out string? error)
    {
        error = null;
        var v = value.Trim();
        if (v.IsEmpty) { error = "client_no is blank"; return false; }
        if (v.Length > MaxLength) { error = $"client_no is longer than {MaxLength} characters"; return false; }
        foreach (var c in v)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                error = "client_no may contain only letters, digits, '-' and '_'";
                return false;
            }
        }
        return true;
    }

    public static string Normalise(string value) =>
        IsValid(value, out var error) ? value.Trim().ToUpperInvariant() : throw new ArgumentException(error, nameof(value));
}

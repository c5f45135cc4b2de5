using System.Globalization;

namespace CoServe.Bench;

/// <summary>Minimal --name value parsing for benchmark commands.</summary>
internal sealed class BenchArgs(string[] args)
{
    public string? Get(string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public string Get(string name, string fallback) => Get(name) ?? fallback;

    public int Get(string name, int fallback) =>
        Get(name) is { } v ? int.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;

    public bool Has(string flag) => Array.IndexOf(args, flag) >= 0;
}

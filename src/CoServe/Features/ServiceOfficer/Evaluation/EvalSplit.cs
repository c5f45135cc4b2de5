namespace CoServe.Features.ServiceOfficer.Evaluation;

/// <summary>Which half of a shipped evaluation file <c>coserve eval</c> runs on.</summary>
public enum EvalSplit
{
    /// <summary>Every item (the figures of the rounds before the split).</summary>
    All,
    /// <summary>Items at even positions of each file (1st, 3rd, ...): the half that misses may be read on and settings tuned on.</summary>
    Dev,
    /// <summary>Items at odd positions of each file (2nd, 4th, ...): the held-out half the quality figures are reported on.</summary>
    Test,
}

public static class EvalSplits
{
    /// <summary>
    /// The items of one file that belong to <paramref name="split"/>. The eval files list their items grouped by
    /// label (entry by entry, intent by intent), so alternating positions give two halves with the same mix of labels.
    /// </summary>
    public static List<T> Select<T>(IReadOnlyList<T> fileItems, EvalSplit split) => split switch
    {
        EvalSplit.All => [.. fileItems],
        EvalSplit.Dev => [.. fileItems.Where((_, i) => i % 2 == 0)],
        EvalSplit.Test => [.. fileItems.Where((_, i) => i % 2 == 1)],
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown eval split"),
    };

    public static EvalSplit Parse(string value) => value.ToLowerInvariant() switch
    {
        "all" => EvalSplit.All,
        "dev" => EvalSplit.Dev,
        "test" => EvalSplit.Test,
        _ => throw new ArgumentException($"--split must be dev, test or all, not '{value}'"),
    };
}

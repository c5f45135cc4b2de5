namespace CoServe.Bench.Search;

internal static class SearchBench
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length);
}

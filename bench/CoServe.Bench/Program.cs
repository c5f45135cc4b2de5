using CoServe.Bench.WeCom;

namespace CoServe.Bench;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args is ["wecom", .. var rest]) return await WeComBench.RunAsync(rest);
        if (args is ["officer", .. var officerArgs]) return ServiceOfficer.OfficerBench.Run(officerArgs);
        Console.WriteLine("benchmarks: see docs/benchmarks.md");
        return args.Length;
    }
}

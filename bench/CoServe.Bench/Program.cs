namespace CoServe.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["officer", .. var rest]) return ServiceOfficer.OfficerBench.Run(rest);
        Console.WriteLine("benchmarks: see docs/benchmarks.md");
        return args.Length;
    }
}

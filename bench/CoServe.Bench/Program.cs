namespace CoServe.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("benchmarks: see docs/benchmarks.md");
        return args.Length;
    }
}

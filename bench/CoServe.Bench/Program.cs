using CoServe.Bench.WeCom;

namespace CoServe.Bench;

/// <summary>
/// Timed benchmark commands: <c>dotnet run -c Release --project bench/CoServe.Bench -- COMMAND [options]</c>.
/// Each command is one line in <see cref="Commands"/>; figures go to docs/benchmarks.md.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], Task<int>> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["monthclose"] = ("month close from a raw feed, CoServe CLI vs DuckDB (--clients N --month yyyy-MM --work DIR)", MonthClose.MonthCloseBench.RunAsync),
        ["feed"] = ("write a synthetic daily asset feed (--clients N --month yyyy-MM --out FILE)", MonthClose.FeedGenerator.RunAsync),
        ["duckdb-monthclose"] = ("(child process of monthclose) the DuckDB side of the month close", MonthClose.DuckDbMonthClose.RunAsync),
        ["wecom"] = ("WeCom callback throughput and latency (see docs/benchmarks.md)", WeComBench.RunAsync),
        ["wecom-archive"] = ("conversation archive pull from the WeCom simulator to timelines (--messages N --work DIR)", ArchiveBench.RunAsync),
        ["officer"] = ("service officer decisions per second and snapshot build (see docs/quality.md)", a => Task.FromResult(ServiceOfficer.OfficerBench.Run(a))),
        ["aml"] = ("AML detection over a one-day transaction feed (--clients N --transactions N --work DIR)", Duties.AmlBench.RunAsync),
        ["gate"] = ("outbound gate decision latency (rules, in memory, over SQLite) and a campaign planned for N clients (--clients N --work DIR)", Outreach.GateBench.RunAsync),
        ["campaign"] = ("a campaign executed by the campaign worker and the outbox against a loopback channel with a known rate (--recipients N --throttle PER_MINUTE --channel-rate PER_SECOND)", Outreach.CampaignBench.RunAsync),
        ["campaign-channel"] = ("(child process of campaign) the loopback channel", Outreach.CampaignBench.ChannelAsync),
        ["llm"] = ("grounded LLM mode overhead over the model's own latency, local OpenAI-compatible server (--messages N --model-ms M)", ServiceOfficer.LlmModeBench.RunAsync),
        ["core"] = ("co-service core: inbound messages/s over HTTP, latest 50 of 10M timeline events (throughput|latest --store sqlite|postgres)", Core.CoreBench.RunAsync),
        ["core-bare"] = ("(child process of core) a bare Kestrel endpoint", Core.CoreBench.BareAsync),
        ["transfers"] = ("transfer planning over N clients and execution of N moves against the WeCom simulator (plan|execute --clients N --moves N)", Transfers.TransfersBench.RunAsync),
        ["dashboard"] = ("overview page (service dashboard, waiting-for-me) per role over N clients and D days of the officer's work (--clients N --days D --per-day M --store sqlite|postgres)", Reports.DashboardBench.RunAsync),
        ["search"] = ("client list search over N clients, p50/p99 (--clients N --work DIR)", Search.SearchBench.RunAsync),
    };

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            Console.WriteLine("usage: CoServe.Bench COMMAND [options]");
            foreach (var (name, (help, _)) in Commands) Console.WriteLine($"  {name,-20} {help}");
            return args.Length == 0 ? 0 : 2;
        }
        return await command.Run(args[1..]);
    }
}

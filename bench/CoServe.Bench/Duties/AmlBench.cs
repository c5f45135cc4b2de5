using System.Globalization;
using System.Text;

namespace CoServe.Bench.Duties;

/// <summary>
/// AML detection over a one-day transaction feed (issue 8: 5,000,000 transactions in at most 30 s): a store with
/// the clients (made by a one-row-per-client asset feed through the real CLI), a deterministic transaction feed,
/// then <c>coserve aml import</c> in a child process, twice (the second run is the idempotent re-import).
/// </summary>
internal static class AmlBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var clients = a.Get("--clients", 2_000_000);
        var transactions = a.Get("--transactions", 5_000_000);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench/aml"));
        Directory.CreateDirectory(work);
        var cli = Path.Combine(MonthClose.MonthCloseBench.RepoRoot(), "src/CoServe.Cli/bin/Release/net10.0/CoServe.Cli.dll");
        if (!File.Exists(cli)) throw new InvalidOperationException($"{cli} not found: run `dotnet build -c Release` first");

        var dataDir = Path.Combine(work, $"data-{clients}");
        if (!Directory.Exists(dataDir))
        {
            var book = Path.Combine(work, $"clients-{clients}.csv");
            WriteClients(book, clients);
            await ChildProcess.RunAsync("clients (asset feed, one row each)", "dotnet", [cli, "--data-dir", dataDir, "assets", "import", book]);
        }
        var feed = Path.Combine(work, $"txn-{clients}-{transactions}.csv");
        if (!File.Exists(feed))
        {
            Console.WriteLine($"generating {feed} ...");
            WriteTransactions(feed + ".partial", clients, transactions);
            File.Move(feed + ".partial", feed);
        }
        Console.WriteLine($"feed: {new FileInfo(feed).Length / 1e6:N0} MB, {transactions:N0} transactions over {clients:N0} clients; {MonthClose.MonthCloseBench.Load()}");
        await using (var warm = File.OpenRead(feed)) await warm.CopyToAsync(Stream.Null);

        var first = await ChildProcess.RunAsync("coserve aml import (first)", "dotnet", [cli, "--data-dir", dataDir, "aml", "import", feed]);
        Console.WriteLine($"  {MonthClose.MonthCloseBench.Load()}");
        var again = await ChildProcess.RunAsync("coserve aml import (again, idempotent)", "dotnet", [cli, "--data-dir", dataDir, "aml", "import", feed]);
        Console.WriteLine($"  {MonthClose.MonthCloseBench.Load()}");
        Console.WriteLine();
        Console.WriteLine("| Run | Transactions | Wall | CPU-s | Peak RSS |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var r in new[] { first, again })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Name} | {transactions:N0} | {r.Wall.TotalSeconds:0.0} s | {r.CpuSeconds:0.0} | {r.PeakMiB} MiB |"));
        }
        return 0;
    }

    private static string ClientNo(int i) => string.Create(CultureInfo.InvariantCulture, $"A{i:D8}");

    private static void WriteClients(string path, int clients)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        w.WriteLine("client_no,date,total_assets");
        for (var i = 0; i < clients; i++) w.WriteLine($"{ClientNo(i)},2026-11-20,100000.00");
    }

    /// <summary>
    /// A day of activity, deterministic: mostly small transfers; some cash; one client in 2,000 depositing cash just
    /// below the threshold several times (structuring); one in 5,000 moving a large inflow straight out; one in
    /// 10,000 paying many counterparties; rare large, cross-border and organisation transfers.
    /// </summary>
    private static void WriteTransactions(string path, int clients, int transactions)
    {
        var rng = new Random(20261124);
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        w.WriteLine("txn_id,client_no,time,direction,amount,channel,cross_border,party_type,counterparty");
        var n = 0;
        void Row(int client, int second, bool inflow, long fen, bool cash, bool crossBorder, bool organisation, string counterparty)
        {
            var t = TimeSpan.FromSeconds(second);
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"T{n++:D9},{ClientNo(client)},2026-11-24 {t.Hours:00}:{t.Minutes:00}:{t.Seconds:00},{(inflow ? "in" : "out")},{fen / 100}.{fen % 100:00},{(cash ? "cash" : "transfer")},{(crossBorder ? "Y" : "N")},{(organisation ? "non-natural" : "natural")},{counterparty}\n"));
        }
        while (n < transactions)
        {
            var client = rng.Next(clients);
            var second = 9 * 3600 + rng.Next(7 * 3600);
            if (client % 10_000 == 0)
            {
                for (var k = 0; k < 12 && n < transactions; k++) Row(client, second + k * 60, false, 50_000 + rng.Next(100_000), false, false, false, $"CP{k}");
                continue;
            }
            if (client % 5_000 == 1)
            {
                Row(client, second, true, 20_000_000 + rng.Next(10_000_000), false, false, false, "SRC");
                if (n < transactions) Row(client, second + 600, false, 19_500_000 + rng.Next(500_000), false, false, false, "DST");
                continue;
            }
            if (client % 2_000 == 7)
            {
                for (var k = 0; k < 3 && n < transactions; k++) Row(client, second + k * 1800, true, 4_600_000 + rng.Next(390_000), true, false, false, "");
                continue;
            }
            var roll = rng.Next(1000);
            if (roll < 2) Row(client, second, rng.Next(2) == 0, 50_000_000 + rng.Next(100_000_000), false, false, false, "BIG");
            else if (roll < 3) Row(client, second, true, 20_000_000 + rng.Next(5_000_000), false, true, false, "HK1");
            else if (roll < 4) Row(client, second, false, 200_000_000 + rng.Next(50_000_000), false, false, true, "ORG");
            else if (roll < 100) Row(client, second, rng.Next(2) == 0, 10_000 + rng.Next(2_000_000), true, false, false, "");
            else Row(client, second, rng.Next(2) == 0, 10_000 + rng.Next(2_000_000), false, false, false, "");
        }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using CoServe.Platform.Time;

namespace CoServe.Bench.MonthClose;

/// <summary>
/// Month close from a raw feed, side by side: a fresh CoServe store (real CLI, child processes:
/// <c>assets import FILE</c> then <c>segment --month M --out OUT</c>) against DuckDB (child process: read_csv
/// into a persisted table, then the MADA query) on the same file. Both outputs must be byte-identical.
/// </summary>
internal static class MonthCloseBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var clients = a.Get("--clients", 1_000_000);
        var month = CalendarMonth.Parse(a.Get("--month", "2024-04"));
        var runs = a.Get("--runs", 1);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var skipDuckDb = a.Has("--skip-duckdb");
        // Both DuckDB formulations by default; the faster one is the bar CoServe is measured against.
        var formulations = a.Get("--duckdb", "window,asof").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var skipCoServe = a.Has("--skip-coserve");
        Directory.CreateDirectory(work);

        var root = RepoRoot();
        var cli = Path.Combine(root, "src/CoServe.Cli/bin/Release/net10.0/CoServe.Cli.dll");
        if (!File.Exists(cli)) throw new InvalidOperationException($"{cli} not found: run `dotnet build -c Release` first");
        var bench = typeof(MonthCloseBench).Assembly.Location;

        var feed = a.Get("--feed") ?? Path.Combine(work, $"feed-{clients}-{month}.csv");
        if (!File.Exists(feed))
        {
            Console.WriteLine($"generating {feed} ...");
            var tmp = feed + ".partial";
            FeedGenerator.Write(tmp, clients, month);
            File.Move(tmp, feed);
        }
        var feedInfo = new FileInfo(feed);
        Console.WriteLine($"feed: {feed} ({feedInfo.Length / 1e9:0.00} GB), month {month}, {clients:N0} clients, {runs} run(s)");
        // Both sides read the file from the page cache: read it once before the first timed run.
        await using (var warm = File.OpenRead(feed)) await warm.CopyToAsync(Stream.Null);

        var results = new List<(ChildRun Import, ChildRun Segment, List<ChildRun> DuckDb)>();
        for (var run = 1; run <= runs; run++)
        {
            Console.WriteLine($"run {run}: {Load()}");
            ChildRun? import = null, segment = null;
            var ducks = new List<ChildRun>();
            var coserveOut = Path.Combine(work, $"coserve-{month}.csv");
            // Alternate which side goes first so neither always gets the warmer machine.
            foreach (var side in run % 2 == 1 ? new[] { "duckdb", "coserve" } : ["coserve", "duckdb"])
            {
                if (side == "duckdb" && !skipDuckDb)
                {
                    foreach (var formulation in formulations)
                    {
                        var db = Path.Combine(work, "duck.duckdb");
                        File.Delete(db);
                        File.Delete(db + ".wal");
                        var duckOut = Path.Combine(work, $"duckdb-{formulation}-{month}.csv");
                        File.Delete(duckOut);
                        Console.WriteLine($"  ({Load()})");
                        ducks.Add(await ChildProcess.RunAsync($"duckdb {formulation}", "dotnet",
                            [bench, "duckdb-monthclose", "--file", feed, "--db", db, "--month", month.ToString(), "--out", duckOut, "--formulation", formulation]));
                    }
                }
                if (side == "coserve" && !skipCoServe)
                {
                    var dataDir = Path.Combine(work, "coserve-data");
                    if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
                    File.Delete(coserveOut);
                    Console.WriteLine($"  ({Load()})");
                    import = await ChildProcess.RunAsync("coserve assets import", "dotnet", [cli, "--data-dir", dataDir, "assets", "import", feed]);
                    segment = await ChildProcess.RunAsync("coserve segment", "dotnet",
                        [cli, "--data-dir", dataDir, "segment", "--month", month.ToString(), "--out", coserveOut]);
                }
            }
            if (import is null || segment is null || ducks.Count == 0) continue;
            foreach (var formulation in formulations)
            {
                if (!Verify(coserveOut, Path.Combine(work, $"duckdb-{formulation}-{month}.csv"), formulation)) return 1;
            }
            results.Add((import, segment, ducks));
            var coserve = import.Wall + segment.Wall;
            var best = ducks.MinBy(d => d.Wall)!;
            Console.WriteLine($"  => CoServe {coserve.TotalSeconds:0.00} s vs fastest DuckDB ({best.Name}) {best.Wall.TotalSeconds:0.00} s: ratio {coserve / best.Wall:0.00}");
        }
        if (results.Count == 0) return 0;

        Console.WriteLine();
        var rows = File.ReadLines(feed).LongCount() - 1;
        Console.WriteLine($"{clients:N0} clients, {rows:N0} rows, {feedInfo.Length / 1e9:0.00} GB");
        Console.WriteLine($"| Run | CoServe import | CoServe segment | CoServe total | {string.Join(" | ", formulations.Select(f => $"DuckDB {f}"))} | Ratio (vs fastest DuckDB) | CPU-s CoServe / DuckDB ({string.Join(", ", formulations)}) | CoServe peak RSS | DuckDB peak RSS |");
        Console.WriteLine($"|---|---|---|---|{string.Concat(formulations.Select(_ => "---|"))}---|---|---|---|");
        var n = 0;
        foreach (var (import, segment, ducks) in results)
        {
            var total = import.Wall + segment.Wall;
            var best = ducks.MinBy(d => d.Wall)!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {++n} | {import.Wall.TotalSeconds:0.0} s | {segment.Wall.TotalSeconds:0.0} s | {total.TotalSeconds:0.0} s | {string.Join(" | ", ducks.Select(d => d.Wall.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"))} | {total / best.Wall:0.00} | {import.CpuSeconds + segment.CpuSeconds:0} / {string.Join(", ", ducks.Select(d => d.CpuSeconds.ToString("0", CultureInfo.InvariantCulture)))} | {Math.Max(import.PeakRssBytes, segment.PeakRssBytes) / 1048576.0:N0} MiB | {string.Join(" / ", ducks.Select(d => d.PeakMiB))} MiB |"));
        }
        Console.WriteLine($"load after: {Load()}");
        return 0;
    }

    /// <summary>Both outputs are client_no,month,mada,tier sorted by client_no: they must be byte-identical.</summary>
    private static bool Verify(string coserve, string duck, string formulation)
    {
        var h1 = Hash(coserve);
        var h2 = Hash(duck);
        var lines = File.ReadLines(coserve).LongCount() - 1;
        if (h1 == h2)
        {
            Console.WriteLine($"  CoServe and DuckDB ({formulation}) outputs identical: {lines:N0} clients, SHA-256 {h1[..16]}");
            return true;
        }
        Console.WriteLine($"  OUTPUTS DIFFER: CoServe {h1[..16]} vs DuckDB ({formulation}) {h2[..16]}");
        using var x = File.OpenText(coserve);
        using var y = File.OpenText(duck);
        for (var n = 1; ; n++)
        {
            var l1 = x.ReadLine();
            var l2 = y.ReadLine();
            if (l1 is null && l2 is null) break;
            if (l1 != l2)
            {
                Console.WriteLine($"  first difference at line {n}: CoServe '{l1}' vs DuckDB '{l2}'");
                break;
            }
        }
        return false;
    }

    private static string Hash(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s));
    }

    public static string Load() => File.Exists("/proc/loadavg") ? "load average " + File.ReadAllText("/proc/loadavg").Trim() : "";

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CoServe.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("CoServe.slnx not found above " + AppContext.BaseDirectory);
    }
}

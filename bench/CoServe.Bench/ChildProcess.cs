using System.Diagnostics;
using System.Globalization;

namespace CoServe.Bench;

/// <summary>Wall time and peak resident memory of one child process.</summary>
internal sealed record ChildRun(string Name, TimeSpan Wall, long PeakRssBytes, int ExitCode, string Output, double CpuSeconds)
{
    public string PeakMiB => (PeakRssBytes / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>
/// Runs a command as a child process and measures it from the outside: wall time from start to exit, and
/// peak RSS from the kernel's high-water mark (VmHWM in /proc/PID/status), polled every 20 ms, and CPU time
/// (user + system, all threads) from /proc/PID/stat at the last poll before exit: on a shared machine the
/// CPU seconds are a steadier measure of work than wall time.
/// </summary>
internal static class ChildProcess
{
    public static async Task<ChildRun> RunAsync(string name, string fileName, IEnumerable<string> args, bool echo = true)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var output = new System.Text.StringBuilder();
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        long peak = 0;
        double cpu = 0;
        var status = $"/proc/{p.Id}/status";
        var stat = $"/proc/{p.Id}/stat";
        while (!p.HasExited)
        {
            peak = Math.Max(peak, ReadHighWaterMark(status));
            cpu = Math.Max(cpu, ReadCpuSeconds(stat));
            await Task.Delay(20);
        }
        await p.WaitForExitAsync();
        sw.Stop();
        var run = new ChildRun(name, sw.Elapsed, peak, p.ExitCode, output.ToString(), cpu);
        if (echo)
        {
            Console.WriteLine($"  {name}: {run.Wall.TotalSeconds:0.00} s, {run.CpuSeconds:0.0} CPU-s, peak RSS {run.PeakMiB} MiB, exit {run.ExitCode}");
            foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Console.WriteLine($"    | {line.TrimEnd()}");
        }
        if (run.ExitCode != 0) throw new InvalidOperationException($"{name} failed with exit code {run.ExitCode}");
        return run;
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s).</summary>
    private static double ReadCpuSeconds(string statFile)
    {
        try
        {
            var text = File.ReadAllText(statFile);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long ReadHighWaterMark(string statusFile)
    {
        try
        {
            foreach (var line in File.ReadLines(statusFile))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read.
        }
        return 0;
    }
}

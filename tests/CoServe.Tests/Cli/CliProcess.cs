using System.Diagnostics;
using System.Text;

namespace CoServe.Tests.Cli;

/// <summary>The real CLI in a child process over an embedded store in <c>DIR/data</c>, as an operator runs it.</summary>
internal static class CliProcess
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string dir, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = dir,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CoServe.Cli.dll"));
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(Path.Combine(dir, "data"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

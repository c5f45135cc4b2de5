using System.Diagnostics;
using System.Text;

namespace CoServe.Tests.Cli;

/// <summary>The real CLI in a child process, as an operator runs it, in the Production environment.</summary>
internal static class CliProcess
{
    /// <summary>Runs the CLI in <paramref name="dir"/> over an embedded store in <c>DIR/data</c>.</summary>
    public static Task<(int Code, string Out, string Err)> RunAsync(string dir, params string[] args) => RunAsync(dir, null, withStore: true, args);

    /// <param name="dir">Working directory (and the store's parent).</param>
    /// <param name="env">Extra environment variables (settings such as keys).</param>
    /// <param name="withStore">Pass <c>--data-dir DIR/data</c> (commands that read no store take no such option).</param>
    /// <param name="args">The command and its arguments.</param>
    public static async Task<(int Code, string Out, string Err)> RunAsync(string dir, IReadOnlyDictionary<string, string>? env, bool withStore, params string[] args)
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
        if (withStore)
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(Path.Combine(dir, "data"));
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A liveness bound for a loaded machine (the NLU commands train a model), not a timing assertion.
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

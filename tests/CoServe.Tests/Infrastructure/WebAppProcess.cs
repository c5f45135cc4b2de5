using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// The real web app (src/CoServe/bin/{Configuration}/net10.0/CoServe.dll, built with the solution) in a child
/// process over a test store, on a free loopback port: for tests that must crash the process for real.
/// </summary>
public sealed class WebAppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private WebAppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private static string WebAppDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CoServe.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("CoServe.slnx not found above " + AppContext.BaseDirectory);
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(dir.FullName, "src", "CoServe", "bin", configuration, "net10.0", "CoServe.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>
    /// Starts the app with the settings as command-line configuration and waits until /health answers; in the app's
    /// own folder unless <paramref name="workingDirectory"/> says where.
    /// </summary>
    public static async Task<WebAppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string? workingDirectory = null)
    {
        var dll = WebAppDll();
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        foreach (var (k, v) in settings) if (v is not null) psi.ArgumentList.Add($"--{k}={v}");
        psi.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + dll);
        var app = new WebAppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // A liveness bound for a loaded machine, not a timing assertion.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited) throw new InvalidOperationException($"the web app exited with {process.ExitCode}:\n{app.Output}");
            try
            {
                using var r = await http.GetAsync(new Uri(app.BaseAddress, "/health"));
                if (r.IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow start on a busy machine.
            }
            await Task.Delay(100);
        }
        await app.DisposeAsync();
        throw new TimeoutException("the web app did not become healthy:\n" + app.Output);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length < 100_000) _output.AppendLine(line);
        }
    }

    /// <summary>SIGKILL (what Process.Kill sends on Linux): no shutdown code runs.</summary>
    public async Task KillHardAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillHardAsync();
        _process.Dispose();
    }
}

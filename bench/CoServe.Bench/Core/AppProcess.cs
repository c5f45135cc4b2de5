using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CoServe.Bench.Core;

/// <summary>
/// A long-running server in a child process (the real CoServe web app, or the bench's bare Kestrel endpoint):
/// started with configuration on the command line, waited for until it answers, measured from /proc
/// (CPU seconds of all its threads), and stopped (or SIGKILLed) by its own process id.
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The CoServe web app from src/CoServe/bin/{Configuration}/net10.0 (built with the solution).</summary>
    public static string WebAppDll()
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
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: run dotnet build -c {configuration} first");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Starts `dotnet DLL args...` in the DLL's folder and waits until GET health answers 200.</summary>
    public static async Task<AppProcess> StartAsync(string dll, IEnumerable<string> args, int port, string healthPath, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + dll);
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Path.GetFileName(dll)} exited with {process.ExitCode}:\n{app.Output}");
            try
            {
                using var r = await http.GetAsync(new Uri(app.BaseAddress, healthPath));
                if (r.IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Starting slowly on a busy machine.
            }
            await Task.Delay(100);
        }
        await app.DisposeAsync();
        throw new TimeoutException($"{Path.GetFileName(dll)} did not answer {healthPath} within {timeout}:\n{app.Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length < 200_000) _output.AppendLine(line);
        }
    }

    /// <summary>
    /// Bytes the process has handed to the storage layer so far (<c>write_bytes</c> of /proc/PID/io: for SQLite the
    /// write-ahead log and the checkpoints' copies into the database file), NaN when the kernel does not say.
    /// </summary>
    public double WrittenBytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{Pid}/io").FirstOrDefault(l => l.StartsWith("write_bytes:", StringComparison.Ordinal));
            return line is null ? double.NaN : long.Parse(line["write_bytes:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>utime + stime of the whole process so far (fields 14 and 15 of /proc/PID/stat).</summary>
    public double CpuSeconds()
    {
        try
        {
            var text = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)ClockTicks;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private const int ClockTicks = 100;

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillHardAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace CoServe.Bench.WeCom;

/// <summary>
/// `--trace-tail DIR` of the callback bench: what happened while the slow requests waited. Writes requests.csv (each
/// measured callback's start and latency) and events.csv (the runtime's GC pauses and collections, thread-pool
/// thread adjustments, lock contention and background JIT, from an in-process listener), all in milliseconds since the
/// measured phase began, plus the wall-clock instant of that zero so outside traces (strace of fsync) can be lined up.
/// </summary>
internal sealed class TailTrace : EventListener
{
    private const string Runtime = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords Gc = (EventKeywords)0x1;
    private const EventKeywords Contention = (EventKeywords)0x4000;
    private const EventKeywords Threading = (EventKeywords)0x10000;
    private const EventKeywords TieredCompilation = (EventKeywords)0x1000000000;

    private readonly ConcurrentQueue<(DateTime At, string Kind, string Detail)> _events = new();
    private readonly string _dir;
    private long _zero;
    private DateTime _zeroUtc;

    public TailTrace(string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        MarkZero();
    }

    /// <summary>The start of the measured phase: times in the files are relative to it.</summary>
    public void MarkZero()
    {
        _zeroUtc = TimeProvider.System.GetUtcNow().UtcDateTime;
        _zero = Stopwatch.GetTimestamp();
    }

    public long Zero => _zero;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == Runtime) EnableEvents(eventSource, EventLevel.Informational, Gc | Contention | Threading | TieredCompilation);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        string? detail = e.EventName switch
        {
            "GCStart_V2" => string.Create(CultureInfo.InvariantCulture, $"gen{Get(e, "Depth")} reason {Get(e, "Reason")} type {Get(e, "Type")}"),
            "GCEnd_V1" => string.Create(CultureInfo.InvariantCulture, $"gen{Get(e, "Depth")}"),
            "GCSuspendEEBegin_V1" or "GCRestartEEEnd_V1" or "GCRestartEEBegin_V1" or "GCSuspendEEEnd_V1" => "",
            "GCHeapStats_V2" => string.Create(CultureInfo.InvariantCulture, $"gen0 {Get(e, "GenerationSize0")} gen1 {Get(e, "GenerationSize1")} gen2 {Get(e, "GenerationSize2")}"),
            "ThreadPoolWorkerThreadAdjustmentAdjustment" => string.Create(CultureInfo.InvariantCulture, $"threads {Get(e, "NewWorkerThreadCount")} reason {Get(e, "Reason")}"),
            "ThreadPoolWorkerThreadStart" or "ThreadPoolWorkerThreadStop" or "ThreadPoolWorkerThreadWait" => string.Create(CultureInfo.InvariantCulture, $"active {Get(e, "ActiveWorkerThreadCount")} retired {Get(e, "RetiredWorkerThreadCount")}"),
            "ContentionStop_V1" => string.Create(CultureInfo.InvariantCulture, $"{Get(e, "DurationNs")}"),
            "TieredCompilationBackgroundJitStart" => string.Create(CultureInfo.InvariantCulture, $"pending {Get(e, "PendingMethodCount")}"),
            "TieredCompilationBackgroundJitStop" => string.Create(CultureInfo.InvariantCulture, $"pending {Get(e, "PendingMethodCount")} jitted {Get(e, "JittedMethodCount")}"),
            "TieredCompilationPause" or "TieredCompilationResume" => "",
            _ => null,
        };
        if (detail is not null) _events.Enqueue((e.TimeStamp.ToUniversalTime(), e.EventName!, detail));
    }

    private static object? Get(EventWrittenEventArgs e, string name)
    {
        var i = e.PayloadNames?.IndexOf(name) ?? -1;
        return i >= 0 ? e.Payload![i] : null;
    }

    private double Ms(long timestamp) => (timestamp - _zero) * 1000.0 / Stopwatch.Frequency;

    public void Write(long[] starts, long[] latencies)
    {
        var sb = new StringBuilder("start_ms,latency_ms\n");
        for (var i = 0; i < starts.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Ms(starts[i]):F3},{latencies[i] * 1000.0 / Stopwatch.Frequency:F3}\n");
        }
        File.WriteAllText(Path.Combine(_dir, "requests.csv"), sb.ToString());
        sb.Clear().Append("time_ms,kind,detail\n");
        foreach (var (at, kind, detail) in _events)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(at - _zeroUtc).TotalMilliseconds:F3},{kind},{detail}\n");
        }
        File.WriteAllText(Path.Combine(_dir, "events.csv"), sb.ToString());
        File.WriteAllText(Path.Combine(_dir, "zero.txt"), _zeroUtc.ToString("O", CultureInfo.InvariantCulture) + "\n");
    }
}

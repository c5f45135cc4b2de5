using CoServe.Platform.Live;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Platform;

/// <summary>
/// The queue workers' loop: a full pass runs again at once, a partial one waits for the signal (which latches a
/// commit made during the pass), and a worker that does not say otherwise runs again after any work.
/// </summary>
public class SignalledWorkerTests
{
    /// <summary>Records each wait in the shared log and answers at once, as a signal set during the pass does.</summary>
    private sealed class LatchedSignal(List<string> log) : WorkSignal
    {
        public override Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            lock (log) log.Add("wait");
            return Task.FromResult(true);
        }
    }

    /// <summary>Handles the scripted number of items per pass (reads of at most <c>batch</c> items, if given), then ends the test.</summary>
    private sealed class ScriptedWorker(WorkSignal signal, List<string> log, int[] script, int? batch, CancellationTokenSource done)
        : SignalledWorker(signal, TimeSpan.FromHours(1), NullLogger.Instance)
    {
        private int _pass;

        protected override async Task<int> RunOnceAsync(CancellationToken ct)
        {
            if (_pass == script.Length)
            {
                await done.CancelAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct); // until the host stops the worker
            }
            var handled = script[_pass++];
            lock (log) log.Add($"pass {handled}");
            return handled;
        }

        protected override bool MayHaveMore(int handled) => batch is { } full ? handled >= full : base.MayHaveMore(handled);
    }

    private static async Task<List<string>> RunAsync(int[] script, int? batch)
    {
        var log = new List<string>();
        using var done = new CancellationTokenSource();
        using var worker = new ScriptedWorker(new LatchedSignal(log), log, script, batch, done);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, done.Token).WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (OperationCanceledException)
        {
            // The script ran out.
        }
        await worker.StopAsync(CancellationToken.None);
        return log;
    }

    [Fact]
    public async Task AWorkerReadingBatches_RunsAgainAtOnceOnlyAfterAFullOne()
    {
        var log = await RunAsync([10, 4, 10, 10, 0, 3], batch: 10);

        Assert.Equal(["pass 10", "pass 4", "wait", "pass 10", "pass 10", "pass 0", "wait", "pass 3", "wait"], log);
    }

    [Fact]
    public async Task ByDefault_AnyWorkMeansLookAgain_NothingMeansWait()
    {
        var log = await RunAsync([4, 1, 0, 2], batch: null);

        Assert.Equal(["pass 4", "pass 1", "pass 0", "wait", "pass 2"], log);
    }
}

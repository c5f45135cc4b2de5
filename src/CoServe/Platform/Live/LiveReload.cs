namespace CoServe.Platform.Live;

/// <summary>
/// Reloads a screen when live events concern it, at most once per short interval. Lists that follow the whole
/// firm (the inbox, co-served clients, duty worklists) would otherwise reload once per event: at a few hundred
/// client messages a second every open console would query the store hundreds of times a second. Here the first
/// relevant event schedules one reload after <see cref="DefaultDelay"/>; events arriving meanwhile join it; an event
/// arriving while the reload runs schedules exactly one more, so the screen never misses the last change.
/// </summary>
public sealed class LiveReload : IDisposable
{
    /// <summary>Long enough to gather a burst, short enough that a handoff shows within a second.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromMilliseconds(200);

    private const int Idle = 0, Scheduled = 1, Running = 2, RunningAndRequested = 3;

    private readonly Func<Task> _reload;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _clock;
    private readonly IDisposable _subscription;
    private readonly CancellationTokenSource _stop = new();
    private int _state;

    /// <param name="live">The events to follow.</param>
    /// <param name="concerns">Which events concern this screen (cheap: called on the publisher's thread).</param>
    /// <param name="reload">Reloads the screen (for a component: <c>InvokeAsync(load and StateHasChanged)</c>).</param>
    /// <param name="delay">How long a reload waits for more events; <see cref="DefaultDelay"/> unless given.</param>
    /// <param name="clock">The system clock unless given (tests).</param>
    public LiveReload(LiveEvents live, Func<LiveEvent, bool> concerns, Func<Task> reload, TimeSpan? delay = null, TimeProvider? clock = null)
    {
        _reload = reload;
        _delay = delay ?? DefaultDelay;
        _clock = clock ?? TimeProvider.System;
        _subscription = live.Subscribe(e =>
        {
            if (concerns(e)) Request();
        });
    }

    /// <summary>Reloads this many times so far (for tests and diagnostics).</summary>
    public int Reloads { get; private set; }

    public void Request()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            var next = state switch
            {
                Idle => Scheduled,
                Running => RunningAndRequested,
                _ => state, // already scheduled, or a further reload is already due
            };
            if (next == state) return;
            if (Interlocked.CompareExchange(ref _state, next, state) != state) continue;
            if (next == Scheduled) _ = RunAsync();
            return;
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_delay, _clock, _stop.Token);
                Volatile.Write(ref _state, Running);
                await _reload();
                Reloads++;
                if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running) return;
                Volatile.Write(ref _state, Scheduled); // an event came during the reload: one more round
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The screen closed.
        }
        catch (Exception)
        {
            // The reload failed (the screen shows its own error); the next event tries again.
            Volatile.Write(ref _state, Idle);
        }
    }
}

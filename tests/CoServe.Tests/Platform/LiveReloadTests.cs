using System.Threading.Channels;
using CoServe.Features.Handoffs;
using CoServe.Platform.Live;
using Microsoft.Extensions.Time.Testing;

namespace CoServe.Tests.Platform;

public sealed class LiveReloadTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);

    private sealed class Screen : IDisposable
    {
        public readonly LiveEvents Live = new();
        public readonly FakeTimeProvider Clock = new();
        public readonly Channel<TaskCompletionSource> Started = Channel.CreateUnbounded<TaskCompletionSource>();
        public readonly LiveReload Reload;

        public Screen()
        {
            // Each reload announces itself and waits until the test lets it finish.
            Reload = new LiveReload(Live, e => e is TicketChanged, async () =>
            {
                var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await Started.Writer.WriteAsync(finish);
                await finish.Task;
            }, Delay, Clock);
        }

        /// <summary>Moves the clock on until the next reload starts (the timer may not be set yet when called).</summary>
        public async Task<TaskCompletionSource> NextReloadAsync()
        {
            for (var i = 0; i < 500; i++)
            {
                if (Started.Reader.TryRead(out var started)) return started;
                Clock.Advance(Delay);
                await Task.Delay(10);
            }
            throw new TimeoutException("no reload started");
        }

        /// <summary>After the last reload finished: time passes and no further reload starts.</summary>
        public async Task AssertQuietAsync(int reloads)
        {
            Assert.True(SpinWait.SpinUntil(() => Reload.Reloads == reloads, TimeSpan.FromSeconds(5)));
            await Task.Delay(50);
            Clock.Advance(Delay * 10);
            await Task.Delay(50);
            Assert.False(Started.Reader.TryRead(out _));
            Assert.Equal(reloads, Reload.Reloads);
        }

        public void Dispose() => Reload.Dispose();
    }

    [Fact]
    public async Task ABurstOfEventsIsOneReload_AfterTheDelay()
    {
        using var screen = new Screen();
        for (var i = 0; i < 500; i++) screen.Live.Publish(Ticket(i, i));
        Assert.False(screen.Started.Reader.TryRead(out _));

        (await screen.NextReloadAsync()).SetResult();
        await screen.AssertQuietAsync(1);
    }

    [Fact]
    public async Task AnEventDuringTheReload_BringsExactlyOneMoreReload()
    {
        using var screen = new Screen();
        screen.Live.Publish(Ticket(1, 1));
        var first = await screen.NextReloadAsync();

        // Three changes while the first reload reads the store: it may not have seen them.
        for (var i = 0; i < 3; i++) screen.Live.Publish(Ticket(2, i));
        first.SetResult();
        (await screen.NextReloadAsync()).SetResult();
        await screen.AssertQuietAsync(2);
    }

    [Fact]
    public async Task EventsThatDoNotConcernTheScreen_AndEventsAfterItClosed_ReloadNothing()
    {
        var screen = new Screen();
        screen.Live.Publish(new NotificationAdded(7));
        await screen.AssertQuietAsync(0);

        screen.Dispose();
        screen.Live.Publish(Ticket(1, 1));
        await screen.AssertQuietAsync(0);
    }

    private static TicketChanged Ticket(long clientId, long ticketId) => new(clientId, ticketId, TicketQueue.DigitalOps, null, null);
}

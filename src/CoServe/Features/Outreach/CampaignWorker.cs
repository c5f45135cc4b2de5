using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

/// <summary>
/// Runs campaigns in the background: starts due ones, then sends each within its throttle (a token bucket of
/// one second's worth of messages), turns group-message recipients into WeCom tasks, and once an hour purges
/// old ledger rows and counters. Several nodes may run it: recipients are claimed row by row.
/// </summary>
public sealed partial class CampaignWorker(
    CampaignExecutor executor,
    CampaignSignal signal,
    IOptions<OutreachOptions> options,
    TimeProvider clock,
    ILogger<CampaignWorker> logger) : BackgroundService
{
    private const int MaxBatch = 500;
    private static readonly TimeSpan HousekeepingEvery = TimeSpan.FromHours(1);
    private readonly Dictionary<long, TokenBucket> _buckets = [];
    private DateTimeOffset _nextHousekeeping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.Campaigns.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = await RunOnceAsync(stoppingToken);
                if (wait is { } w && w < poll) await Task.Delay(w, clock, stoppingToken);
                else await signal.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex);
                await Task.Delay(poll, clock, stoppingToken);
            }
        }
    }

    /// <summary>One round over the running campaigns; returns how soon there is more to send, if there is.</summary>
    public async Task<TimeSpan?> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now >= _nextHousekeeping)
        {
            _nextHousekeeping = now + HousekeepingEvery;
            await executor.HousekeepAsync(ct);
        }
        var running = await executor.StartDueAsync(ct);
        TimeSpan? next = null;
        foreach (var gone in _buckets.Keys.Where(id => running.All(r => r.Id != id)).ToList()) _buckets.Remove(gone);
        foreach (var c in running)
        {
            if (!_buckets.TryGetValue(c.Id, out var bucket)) _buckets[c.Id] = bucket = new TokenBucket(c.ThrottlePerMinute, clock.GetUtcNow());
            bucket.Rate(c.ThrottlePerMinute);
            var budget = bucket.Take(clock.GetUtcNow(), MaxBatch);
            if (budget == 0)
            {
                next = Min(next, bucket.Next(clock.GetUtcNow()));
                continue;
            }
            var step = await executor.StepAsync(c.Id, budget, ct);
            bucket.GiveBack(budget - step.Processed);
            if (c.Channel == OutreachChannels.WeComGroup) await executor.FlushGroupTasksAsync(c.Id, ct);
            if (step.Finished) _buckets.Remove(c.Id);
            else if (step.Processed == budget) next = Min(next, bucket.Next(clock.GetUtcNow()));
        }
        return next;
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign worker loop failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception ex);

    /// <summary>Messages per minute as a bucket holding at most one second's worth (at least one message).</summary>
    private sealed class TokenBucket(int perMinute, DateTimeOffset now)
    {
        private double _perSecond = perMinute / 60.0;
        private double _tokens = Math.Max(1, perMinute / 60.0);
        private DateTimeOffset _at = now;

        private double Capacity => Math.Max(1, _perSecond);

        public void Rate(int perMinute) => _perSecond = perMinute / 60.0;

        public int Take(DateTimeOffset now, int max)
        {
            Refill(now);
            var n = (int)Math.Min(Math.Floor(_tokens), max);
            _tokens -= n;
            return n;
        }

        public void GiveBack(int n) => _tokens = Math.Min(Capacity, _tokens + Math.Max(0, n));

        public TimeSpan Next(DateTimeOffset now)
        {
            Refill(now);
            // Wait for a small batch rather than a single message: fewer, larger steps at the same rate.
            var missing = Math.Max(0, Math.Min(Capacity, 20) - _tokens);
            return TimeSpan.FromSeconds(missing / _perSecond) + TimeSpan.FromMilliseconds(1);
        }

        private void Refill(DateTimeOffset now)
        {
            var elapsed = (now - _at).TotalSeconds;
            if (elapsed > 0) _tokens = Math.Min(Capacity, _tokens + (elapsed * _perSecond));
            _at = now;
        }
    }
}

using System.Collections.Concurrent;
using CoServe.Platform.Storage;

namespace CoServe.Tests.Platform;

public class GroupCommitTests
{
    [Fact]
    public async Task ConcurrentCallers_EachGetTheirOwnResult_NothingLostOrWrittenTwice()
    {
        var written = new ConcurrentBag<int>();
        var batches = new ConcurrentBag<int>();
        var commit = new GroupCommit<int, int>(async items =>
        {
            await Task.Yield();
            batches.Add(items.Count);
            foreach (var i in items) written.Add(i);
            return items.Select(i => i * 10).ToList();
        }, maxBatch: 8);

        var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => Task.Run(() => commit.SubmitAsync(i, CancellationToken.None))));

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => i * 10), results);
        Assert.Equal(Enumerable.Range(0, 2000), written.Order());
        Assert.All(batches, n => Assert.InRange(n, 1, 8));
    }

    [Fact]
    public async Task BatchesKeepArrivalOrder()
    {
        var seen = new ConcurrentQueue<int>();
        var commit = new GroupCommit<int, bool>(items =>
        {
            foreach (var i in items) seen.Enqueue(i);
            return Task.FromResult<IReadOnlyList<bool>>(items.Select(_ => true).ToList());
        }, maxBatch: 4);

        var pending = Enumerable.Range(0, 50).Select(i => commit.SubmitAsync(i, CancellationToken.None)).ToList();
        await Task.WhenAll(pending);

        Assert.Equal(Enumerable.Range(0, 50), seen);
    }

    [Fact]
    public async Task FailedBatch_IsWrittenOneByOne_AndOnlyTheBadItemFails()
    {
        var splits = 0;
        var commit = new GroupCommit<int, int>(items =>
        {
            if (items.Contains(13)) throw new InvalidOperationException("bad item");
            return Task.FromResult<IReadOnlyList<int>>(items.ToList());
        }, maxBatch: 64);
        commit.BatchSplit += (_, _) => Interlocked.Increment(ref splits);

        var tasks = Enumerable.Range(0, 30).Select(i => commit.SubmitAsync(i, CancellationToken.None)).ToList();
        var bad = await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[13]);

        Assert.Equal("bad item", bad.Message);
        foreach (var i in Enumerable.Range(0, 30).Where(i => i != 13)) Assert.Equal(i, await tasks[i]);
        Assert.True(splits >= 1);
    }

    [Fact]
    public async Task WrongResultCount_FailsTheCallers_AndLaterItemsAreStillWritten()
    {
        var calls = 0;
        var commit = new GroupCommit<int, int>(items =>
            Task.FromResult<IReadOnlyList<int>>(Interlocked.Increment(ref calls) == 1 ? [] : items.ToList()), maxBatch: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => commit.SubmitAsync(1, CancellationToken.None));
        Assert.Equal(2, await commit.SubmitAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task ThrowingSplitHandler_StillAnswersEveryCaller_AndTheWriterGoesOn()
    {
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async items =>
        {
            await gate.Task;
            if (items.Count > 1) throw new InvalidOperationException("batch refused");
            return items.ToList();
        }, maxBatch: 64);
        commit.BatchSplit += (_, _) => throw new InvalidOperationException("handler broke");

        var tasks = Enumerable.Range(0, 6).Select(i => commit.SubmitAsync(i, CancellationToken.None)).ToList();
        gate.SetResult();
        foreach (var (t, i) in tasks.Select((t, i) => (t, i)))
        {
            try
            {
                Assert.Equal(i, await t);
            }
            catch (InvalidOperationException ex)
            {
                Assert.Equal("handler broke", ex.Message);
            }
        }

        Assert.Equal(7, await commit.SubmitAsync(7, CancellationToken.None));
    }

    [Fact]
    public async Task CancelledCaller_StopsWaiting_ButTheBatchGoesOn()
    {
        var gate = new TaskCompletionSource();
        var written = new ConcurrentBag<int>();
        var commit = new GroupCommit<int, int>(async items =>
        {
            await gate.Task;
            foreach (var i in items) written.Add(i);
            return items.ToList();
        }, maxBatch: 64);
        using var cts = new CancellationTokenSource();

        var cancelled = commit.SubmitAsync(1, cts.Token);
        var other = commit.SubmitAsync(2, CancellationToken.None);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();

        Assert.Equal(2, await other);
        Assert.Contains(2, written);
    }
}

using System.Text;
using System.Threading.Channels;

namespace CoServe.Platform.Csv;

/// <summary>
/// Parses a chunked CSV file on every core and hands the results back strictly in file order, so imports keep
/// "first occurrence wins" rules and line-ordered problem lists while the parsing itself runs in parallel.
/// </summary>
public static class CsvParallel
{
    /// <summary>
    /// Finds the header row (the first non-blank line) and leaves its reader positioned after it; the caller
    /// parses the rest of that chunk with the returned reader, then the remaining chunks with
    /// <see cref="ParseInOrderAsync{TState, TResult}"/>.
    /// </summary>
    public static (CsvHeader Header, CsvChunk Chunk, CsvLineReader Reader) ReadHeader(
        IEnumerator<CsvChunk> chunks, string fileName, Encoding encoding, int maxLineBytes, IReadOnlyList<CsvColumn> columns, Func<CsvHeader, string?>? check = null)
    {
        while (true)
        {
            if (!chunks.MoveNext()) throw new ImportRejectedException($"{fileName}: file is empty (a header row is required)", []);
            var chunk = chunks.Current;
            if (chunk.IsOverlongLine)
            {
                throw new ImportRejectedException($"{fileName}: line {chunk.LinesBefore + 1}: header row cannot be read: line is longer than {maxLineBytes} bytes", []);
            }
            var reader = chunk.OpenReader(encoding, maxLineBytes);
            if (!reader.Read())
            {
                var fileError = reader.FileError;
                reader.Dispose();
                chunk.Return();
                if (fileError is not null) throw new ImportRejectedException($"{fileName}: {fileError}", []);
                continue;
            }
            if (reader.Error is not null)
            {
                throw new ImportRejectedException($"{fileName}: line {reader.LineNumber}: header row cannot be read: {reader.Error}", []);
            }
            var header = CsvHeader.Parse(reader, columns, out var headerErrors);
            if (check?.Invoke(header) is { } problem) headerErrors.Add(problem);
            if (headerErrors.Count > 0)
            {
                var list = headerErrors.Select(e => new LineProblem(reader.LineNumber, null, e)).ToList();
                throw new ImportRejectedException($"{fileName}: header (line {reader.LineNumber}) is not usable:\n  " + string.Join("\n  ", headerErrors), list);
            }
            return (header, chunk, reader);
        }
    }

    /// <summary>
    /// One thread reads chunks, one worker per core parses them (each worker with its own state), and the
    /// caller commits the results strictly in chunk order. Chunks are returned to the pool after parsing.
    /// Errors (a failing stream, cancellation) surface as themselves once the pipeline has stopped.
    /// </summary>
    public static async Task ParseInOrderAsync<TState, TResult>(
        IEnumerator<CsvChunk> chunks, Func<TState> newState, Func<CsvChunk, TState, TResult> parse, Action<TResult> commit, CancellationToken ct)
    {
        var workers = Math.Max(1, Environment.ProcessorCount);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = Channel.CreateBounded<(CsvChunk Chunk, TaskCompletionSource<TResult> Done)>(workers * 2);
        var order = Channel.CreateBounded<Task<TResult>>(workers * 4);
        var reader = Task.Run(async () =>
        {
            try
            {
                while (chunks.MoveNext())
                {
                    var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    await work.Writer.WriteAsync((chunks.Current, done), stop.Token);
                    await order.Writer.WriteAsync(done.Task, stop.Token);
                }
            }
            finally
            {
                work.Writer.Complete();
                order.Writer.Complete();
            }
        }, stop.Token);
        var parsers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var state = newState();
            await foreach (var (chunk, done) in work.Reader.ReadAllAsync(stop.Token))
            {
                try
                {
                    done.SetResult(parse(chunk, state));
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
                finally
                {
                    chunk.Return();
                }
            }
        }, stop.Token)).ToList();

        try
        {
            await foreach (var next in order.Reader.ReadAllAsync(stop.Token))
            {
                commit(await next);
            }
        }
        catch
        {
            // Stop the reader and the parsers before the caller's stream and state go away.
            await stop.CancelAsync();
            await Task.WhenAll(parsers.Append(reader).Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));
            throw;
        }
        // A stream that failed halfway surfaces here as itself (e.g. IOException).
        await reader;
        await Task.WhenAll(parsers);
    }
}

using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Diagnostics;
using System.Globalization;
using CoServe.Platform.Time;

namespace CoServe.Bench.MonthClose;

/// <summary>
/// Writes a synthetic daily asset feed the way a brokerage back office sends it: one block per weekday
/// (the previous month's last five weekdays, then every weekday of the month), clients in number order,
/// <c>client_no,date,total_assets</c>. Values are a deterministic function of (client, day), so the same
/// arguments give the same file. About 80% of clients average below 500,000 yuan. Edge cases mixed in:
/// 1% open mid-month, 1% closed before the month (carried forward), 0.1% with gaps, and one row in 10,000
/// corrected later in the same day's block (the last occurrence must win).
/// </summary>
internal static class FeedGenerator
{
    public static Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var clients = a.Get("--clients", 1_000_000);
        var month = CalendarMonth.Parse(a.Get("--month", "2024-04"));
        var output = a.Get("--out", $"feed-{clients}.csv");
        var sw = Stopwatch.StartNew();
        var rows = Write(output, clients, month);
        Console.WriteLine($"wrote {rows:N0} rows, {new FileInfo(output).Length / 1e6:N0} MB to {output} in {sw.Elapsed.TotalSeconds:0.0} s");
        return Task.FromResult(0);
    }

    public static string ClientNo(int i) => "C" + i.ToString("D8", CultureInfo.InvariantCulture);

    public static IReadOnlyList<DateOnly> FeedDays(CalendarMonth month)
    {
        var previous = month.AddMonths(-1).EachDay().Where(IsWeekday).TakeLast(5);
        return previous.Concat(month.EachDay().Where(IsWeekday)).ToList();
    }

    private static bool IsWeekday(DateOnly d) => d.DayOfWeek is not DayOfWeek.Saturday and not DayOfWeek.Sunday;

    public static long Write(string path, int clients, CalendarMonth month)
    {
        var days = FeedDays(month);
        var firstOfMonth = days.ToList().FindIndex(d => d.Month == month.Month);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        var pos = 0;
        long rows = 0;
        Put("client_no,date,total_assets\n"u8);
        var corrections = new List<int>();
        for (var di = 0; di < days.Count; di++)
        {
            var day = days[di];
            var dateText = Encoding.ASCII.GetBytes(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            corrections.Clear();
            for (var c = 1; c <= clients; c++)
            {
                var kind = Mix((uint)c, 0x9E3779B9) % 1000;
                if (kind < 10 && di < firstOfMonth + (int)(Mix((uint)c, 7) % 15)) continue; // opens mid-month
                if (kind is >= 10 and < 20 && di >= firstOfMonth) continue; // closed before the month
                if (kind == 20 && Mix((uint)c, (uint)di) % 10 < 3) continue; // gaps
                Row(c, dateText, Value(c, di, 0));
                if (Mix((uint)c, (uint)(di + 1000)) % 10_000 == 0) corrections.Add(c);
            }
            foreach (var c in corrections) Row(c, dateText, Value(c, di, 1));
        }
        file.Write(buffer, 0, pos);
        return rows;

        void Row(int c, ReadOnlySpan<byte> date, long fen)
        {
            if (pos > buffer.Length - 64)
            {
                file.Write(buffer, 0, pos);
                pos = 0;
            }
            buffer[pos++] = (byte)'C';
            Utf8Formatter.TryFormat(c, buffer.AsSpan(pos), out var n, new StandardFormat('D', 8));
            pos += n;
            buffer[pos++] = (byte)',';
            date.CopyTo(buffer.AsSpan(pos));
            pos += date.Length;
            buffer[pos++] = (byte)',';
            Utf8Formatter.TryFormat(fen / 100, buffer.AsSpan(pos), out n);
            pos += n;
            buffer[pos++] = (byte)'.';
            buffer[pos++] = (byte)('0' + (fen % 100 / 10));
            buffer[pos++] = (byte)('0' + (fen % 10));
            buffer[pos++] = (byte)'\n';
            rows++;
        }

        void Put(ReadOnlySpan<byte> text)
        {
            text.CopyTo(buffer.AsSpan(pos));
            pos += text.Length;
        }
    }

    /// <summary>Client c's total on feed day di in fen: a per-client level (log-uniform 316 .. 3.16M yuan) with daily noise.</summary>
    private static long Value(int c, int di, uint salt)
    {
        var level = Math.Pow(10, 2.5 + (4.0 * (Mix((uint)c, 1) / (double)uint.MaxValue)));
        if (Mix((uint)c, 2) % 50 == 0 && Mix((uint)c, (uint)(di + 77)) % 4 == 0) return 0;
        var noise = ((Mix((uint)c, (uint)((di * 7919) + 3 + salt)) / (double)uint.MaxValue) - 0.5) * 0.06;
        return (long)(level * (1 + noise) * 100);
    }

    private static uint Mix(uint a, uint b)
    {
        var h = (a * 0x85EBCA6Bu) ^ (b * 0xC2B2AE35u) ^ 0x27D4EB2Fu;
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return h;
    }
}

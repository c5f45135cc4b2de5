using System.Diagnostics;
using System.Globalization;
using CoServe.Platform.Time;
using DuckDB.NET.Data;

namespace CoServe.Bench.MonthClose;

/// <summary>
/// The DuckDB side of the month close, run as its own process so that it is measured like the CoServe CLI:
/// read_csv into a persisted table, then MADA with the same rules (last occurrence of a (client, date) pair
/// wins; carry forward the latest snapshot on or before each natural day, also from earlier months; 0 before
/// the first; half away from zero to the fen), stored as a table and written as client_no,month,mada,tier
/// sorted by client_no, like <c>coserve segment --out</c>.
/// </summary>
internal static class DuckDbMonthClose
{
    public static Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var file = Path.GetFullPath(a.Get("--file") ?? throw new ArgumentException("--file is required"));
        var dbPath = Path.GetFullPath(a.Get("--db") ?? throw new ArgumentException("--db is required"));
        var output = Path.GetFullPath(a.Get("--out") ?? throw new ArgumentException("--out is required"));
        var month = CalendarMonth.Parse(a.Get("--month", "2024-04"));
        var threshold = 500_000_00L;

        using var con = new DuckDBConnection($"Data Source={dbPath}");
        con.Open();
        var sw = Stopwatch.StartNew();
        Exec(con, $"""
            CREATE TABLE feed AS
            SELECT * FROM read_csv('{file}', header = true, delim = ',', quote = '"',
                columns = {'{'}'client_no': 'VARCHAR', 'date': 'DATE', 'total_assets': 'DECIMAL(18,2)'{'}'});
            CHECKPOINT;
            """);
        var load = sw.Elapsed;
        Console.WriteLine($"duckdb load: {load.TotalSeconds:0.00} s");

        var first = month.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var last = month.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var days = month.Days;
        var monthText = month.ToString();
        var formulation = a.Get("--formulation", "asof");
        sw.Restart();
        var segments = formulation switch
        {
            // A client x natural-day grid, each day joined to the latest snapshot on or before it.
            "asof" => $"""
                CREATE TABLE segments AS
                WITH snapshots AS (
                    SELECT client_no, date, arg_max(total_assets, rowid) AS total
                    FROM feed WHERE date <= DATE '{last}'
                    GROUP BY client_no, date),
                clients AS (SELECT DISTINCT client_no FROM snapshots),
                days AS (SELECT CAST(range AS DATE) AS day FROM range(DATE '{first}', DATE '{last}' + INTERVAL 1 DAY, INTERVAL 1 DAY)),
                grid AS (SELECT client_no, day FROM clients CROSS JOIN days),
                daily AS (
                    SELECT g.client_no, coalesce(CAST(s.total * 100 AS BIGINT), 0) AS fen
                    FROM grid g ASOF LEFT JOIN snapshots s ON g.client_no = s.client_no AND g.day >= s.date),
                sums AS (SELECT client_no, CAST(sum(fen) AS BIGINT) AS fen FROM daily GROUP BY client_no)
                SELECT client_no, sign(fen) * ((2 * abs(fen) + {days}) // (2 * {days})) AS mada_fen FROM sums;
                """,
            // No grid: each snapshot counts for the days from its date (or the 1st) until the next snapshot
            // (or the month's end), found with lead() over the client's snapshots in date order.
            "window" => $"""
                CREATE TABLE segments AS
                WITH snapshots AS (
                    SELECT client_no, date, CAST(arg_max(total_assets, rowid) * 100 AS BIGINT) AS fen
                    FROM feed WHERE date <= DATE '{last}'
                    GROUP BY client_no, date),
                spans AS (
                    SELECT client_no, fen, greatest(date, DATE '{first}') AS from_day,
                        coalesce(lead(date) OVER (PARTITION BY client_no ORDER BY date), DATE '{last}' + 1) AS to_day
                    FROM snapshots),
                sums AS (
                    SELECT client_no, CAST(sum(CASE WHEN to_day > from_day THEN fen * (to_day - from_day) ELSE 0 END) AS BIGINT) AS fen
                    FROM spans GROUP BY client_no)
                SELECT client_no, sign(fen) * ((2 * abs(fen) + {days}) // (2 * {days})) AS mada_fen FROM sums;
                """,
            _ => throw new ArgumentException("--formulation must be asof or window"),
        };
        Exec(con, segments + $"""
            COPY (
                SELECT client_no, '{monthText}' AS month,
                    CASE WHEN mada_fen < 0 THEN '-' ELSE '' END || CAST(abs(mada_fen) // 100 AS VARCHAR) || '.' || lpad(CAST(abs(mada_fen) % 100 AS VARCHAR), 2, '0') AS mada,
                    CASE WHEN mada_fen < {threshold} THEN 'Base' ELSE 'HighEnd' END AS tier
                FROM segments ORDER BY client_no
            ) TO '{output}' (HEADER, DELIMITER ',');
            """);
        Console.WriteLine($"duckdb segment: {sw.Elapsed.TotalSeconds:0.00} s");
        return Task.FromResult(0);
    }

    private static void Exec(DuckDBConnection con, string sql)
    {
        using var cmd = con.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

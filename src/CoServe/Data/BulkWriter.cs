using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using SQLitePCL;

namespace CoServe.Data;

/// <summary>
/// Writes many rows into one table inside the context's current transaction, far faster than change
/// tracking: one prepared INSERT stepped per row through the native SQLite API on SQLite, binary COPY on
/// PostgreSQL. Values are given as the store sees them, except instants, which are converted the same way
/// the EF model converts them. With conflict columns given, rows are upserts: later values replace the row
/// with the same key.
/// </summary>
public sealed class BulkWriter : IAsyncDisposable
{
    private readonly CoServeDb _db;
    private readonly string _table;
    private readonly string[] _columns;
    private readonly string[]? _conflictColumns;
    private const int SqliteRowsPerStatement = 128;
    private sqlite3? _sqlite;
    private sqlite3_stmt? _insert;
    private object?[]? _pending;
    private int _pendingRows;
    private NpgsqlBinaryImporter? _copy;
    private string? _stagingTable;

    private BulkWriter(CoServeDb db, string table, string[] columns, string[]? conflictColumns)
    {
        _db = db;
        _table = table;
        _columns = columns;
        _conflictColumns = conflictColumns;
    }

    public long Rows { get; private set; }

    public static async Task<BulkWriter> StartAsync(CoServeDb db, string table, string[] columns, string[]? conflictColumns, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("bulk writes need an open transaction");
        var writer = new BulkWriter(db, table, columns, conflictColumns);
        if (db.IsSqlite) writer.PrepareSqlite();
        else await writer.StartCopyAsync(ct);
        return writer;
    }

    private DbConnection Connection => _db.Database.GetDbConnection();
    private DbTransaction Transaction => _db.Database.CurrentTransaction!.GetDbTransaction();

    private async Task StartCopyAsync(CancellationToken ct)
    {
        var npgsql = (NpgsqlConnection)Connection;
        var target = Quote(_table);
        if (_conflictColumns is not null)
        {
            _stagingTable = "bulk_" + Guid.NewGuid().ToString("N")[..12];
            await using var create = npgsql.CreateCommand();
            create.Transaction = (NpgsqlTransaction)Transaction;
            create.CommandText = $"CREATE TEMP TABLE {_stagingTable} ON COMMIT DROP AS SELECT {ColumnList()} FROM {target} WITH NO DATA";
            await create.ExecuteNonQueryAsync(ct);
            target = _stagingTable;
        }
        _copy = await npgsql.BeginBinaryImportAsync($"COPY {target} ({ColumnList()}) FROM STDIN (FORMAT BINARY)", ct);
    }

    /// <summary>
    /// Microsoft.Data.Sqlite binds every parameter through a general-purpose path; a bulk load of millions of
    /// rows spends most of its time there. The statement is prepared once on the connection's native handle
    /// and each row is bound and stepped directly, inside the same transaction.
    /// </summary>
    private void PrepareSqlite()
    {
        _sqlite = ((SqliteConnection)Connection).Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        // The full-size statement is prepared when the first full chunk is written, and the buffer grows to a chunk as
        // rows come: a writer of a few rows (the outbound gate's sends for one officer batch) would otherwise parse a
        // 128-row statement it never runs and allocate a buffer for 128 rows.
        _pending = new object?[Math.Min(8, SqliteRowsPerStatement) * _columns.Length];
    }

    /// <summary>
    /// A multi-row INSERT: fewer statement runs, and on AUTOINCREMENT tables one sqlite_sequence update per
    /// statement instead of one per row.
    /// </summary>
    private sqlite3_stmt PrepareSqlite(int rows)
    {
        var sql = new System.Text.StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {Quote(_table)} ({ColumnList()}) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) sql.Append(',');
            sql.Append('(').Append(string.Join(",", Enumerable.Repeat("?", _columns.Length))).Append(')');
        }
        sql.Append(' ').Append(ConflictClause());
        var rc = raw.sqlite3_prepare_v2(_sqlite, sql.ToString(), out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _sqlite);
        }
        return statement!;
    }

    private void FlushSqlite()
    {
        if (_pendingRows == 0) return;
        var full = _pendingRows == SqliteRowsPerStatement;
        var stmt = full ? _insert ??= PrepareSqlite(SqliteRowsPerStatement) : PrepareSqlite(_pendingRows);
        try
        {
            var n = _pendingRows * _columns.Length;
            for (var i = 0; i < n; i++) Bind(stmt, i + 1, _pending![i]);
            var rc = raw.sqlite3_step(stmt);
            raw.sqlite3_reset(stmt);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _sqlite);
        }
        finally
        {
            if (!full) stmt.Dispose();
        }
        Array.Clear(_pending!);
        _pendingRows = 0;
    }

    public async ValueTask AddAsync(object?[] values, CancellationToken ct)
    {
        if (values.Length != _columns.Length) throw new ArgumentException($"expected {_columns.Length} values", nameof(values));
        Rows++;
        if (_copy is not null)
        {
            await _copy.StartRowAsync(ct);
            foreach (var v in values)
            {
                if (v is null) await _copy.WriteNullAsync(ct);
                else if (v is ReadOnlyMemory<byte> bytes) await _copy.WriteAsync(bytes.ToArray(), ct);
                else await _copy.WriteAsync(v, ct);
            }
            return;
        }
        if ((_pendingRows + 1) * _columns.Length > _pending!.Length)
        {
            Array.Resize(ref _pending, Math.Min(_pending.Length * 4, SqliteRowsPerStatement * _columns.Length));
        }
        values.CopyTo(_pending, _pendingRows * _columns.Length);
        if (++_pendingRows < SqliteRowsPerStatement) return;
        ct.ThrowIfCancellationRequested();
        FlushSqlite();
    }

    /// <summary>Binds the value types the callers write, as Microsoft.Data.Sqlite would store them.</summary>
    private static void Bind(sqlite3_stmt stmt, int index, object? value)
    {
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(stmt, index),
            long v => raw.sqlite3_bind_int64(stmt, index, v),
            int v => raw.sqlite3_bind_int64(stmt, index, v),
            short v => raw.sqlite3_bind_int64(stmt, index, v),
            byte v => raw.sqlite3_bind_int64(stmt, index, v),
            bool v => raw.sqlite3_bind_int64(stmt, index, v ? 1 : 0),
            string v => raw.sqlite3_bind_text(stmt, index, v),
            byte[] v => raw.sqlite3_bind_blob(stmt, index, v),
            ReadOnlyMemory<byte> v => raw.sqlite3_bind_blob(stmt, index, v.Span),
            DateTimeOffset v => raw.sqlite3_bind_int64(stmt, index, v.UtcTicks),
            double v => raw.sqlite3_bind_double(stmt, index, v),
            Enum v => raw.sqlite3_bind_int64(stmt, index, Convert.ToInt64(v, CultureInfo.InvariantCulture)),
            _ => throw new NotSupportedException($"bulk writes do not support values of type {value.GetType().Name}"),
        };
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"binding parameter {index} failed with SQLite code {rc}");
    }

    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_copy is not null)
        {
            await _copy.CompleteAsync(ct);
            await _copy.DisposeAsync();
            _copy = null;
            if (_stagingTable is not null)
            {
                await using var merge = Connection.CreateCommand();
                merge.Transaction = Transaction;
                merge.CommandText = $"INSERT INTO {Quote(_table)} ({ColumnList()}) SELECT {ColumnList()} FROM {_stagingTable} {ConflictClause()}; DROP TABLE {_stagingTable};";
                merge.CommandTimeout = 0;
                await merge.ExecuteNonQueryAsync(ct);
            }
            return;
        }
        FlushSqlite();
    }

    private string ConflictClause()
    {
        if (_conflictColumns is null) return "";
        var updates = _columns.Where(c => !_conflictColumns.Contains(c)).Select(c => $"{Quote(c)} = excluded.{Quote(c)}");
        return $"ON CONFLICT ({string.Join(", ", _conflictColumns.Select(Quote))}) DO UPDATE SET {string.Join(", ", updates)}";
    }

    private string ColumnList() => string.Join(", ", _columns.Select(Quote));

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public async ValueTask DisposeAsync()
    {
        _insert?.Dispose();
        _insert = null;
        if (_copy is not null) await _copy.DisposeAsync();
    }
}

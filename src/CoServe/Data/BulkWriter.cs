using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CoServe.Data;

/// <summary>
/// Writes many rows into one table inside the context's current transaction, far faster than change
/// tracking: multi-row prepared INSERTs on SQLite, binary COPY on PostgreSQL. Values are given as the
/// store sees them, except instants, which are converted the same way the EF model converts them.
/// With conflict columns given, rows are upserts: later values replace the row with the same key.
/// </summary>
public sealed class BulkWriter : IAsyncDisposable
{
    private const int SqliteRowsPerStatement = 64;
    private readonly CoServeDb _db;
    private readonly string _table;
    private readonly string[] _columns;
    private readonly string[]? _conflictColumns;
    private readonly List<object?[]> _pending = [];
    private DbCommand? _sqliteBatch;
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
        if (!db.IsSqlite) await writer.StartCopyAsync(ct);
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
                else await _copy.WriteAsync(v, ct);
            }
            return;
        }
        var row = new object?[values.Length];
        for (var i = 0; i < values.Length; i++) row[i] = values[i] is DateTimeOffset d ? d.UtcTicks : values[i];
        _pending.Add(row);
        if (_pending.Count == SqliteRowsPerStatement) await FlushSqliteAsync(ct);
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
        await FlushSqliteAsync(ct);
    }

    private async Task FlushSqliteAsync(CancellationToken ct)
    {
        if (_pending.Count == 0) return;
        DbCommand cmd;
        if (_pending.Count == SqliteRowsPerStatement)
        {
            _sqliteBatch ??= CreateSqliteCommand(SqliteRowsPerStatement);
            cmd = _sqliteBatch;
        }
        else
        {
            cmd = CreateSqliteCommand(_pending.Count);
        }
        var p = 0;
        foreach (var row in _pending)
        {
            foreach (var v in row) cmd.Parameters[p++].Value = v ?? DBNull.Value;
        }
        await cmd.ExecuteNonQueryAsync(ct);
        if (!ReferenceEquals(cmd, _sqliteBatch)) await cmd.DisposeAsync();
        _pending.Clear();
    }

    private DbCommand CreateSqliteCommand(int rows)
    {
        var cmd = Connection.CreateCommand();
        cmd.Transaction = Transaction;
        cmd.CommandTimeout = 0;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"INSERT INTO {Quote(_table)} ({ColumnList()}) VALUES ");
        var p = 0;
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) sb.Append(',');
            sb.Append('(');
            for (var c = 0; c < _columns.Length; c++)
            {
                if (c > 0) sb.Append(',');
                var name = string.Create(CultureInfo.InvariantCulture, $"$p{p++}");
                sb.Append(name);
                var param = cmd.CreateParameter();
                param.ParameterName = name;
                cmd.Parameters.Add(param);
            }
            sb.Append(')');
        }
        sb.Append(' ').Append(ConflictClause());
        cmd.CommandText = sb.ToString();
        return cmd;
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
        if (_sqliteBatch is not null) await _sqliteBatch.DisposeAsync();
        if (_copy is not null) await _copy.DisposeAsync();
    }
}

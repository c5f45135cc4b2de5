using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CoServe.Data;

/// <summary>One row for <see cref="RowUpdates.ExecuteAsync{TEntity}"/>: its key, the version it must still have, and its new values.</summary>
public sealed record RowUpdate(long Id, int Version, object?[] Values);

/// <summary>
/// Updates many rows of one entity's table with one statement, where EF's change tracking sends one UPDATE per
/// row: <c>UPDATE t SET ... FROM (VALUES ...) v WHERE t.Id = v.column1 AND t.Version = v.column2</c> (SQLite 3.33+
/// and PostgreSQL), so a row whose version moved on meanwhile is not updated, as with EF's concurrency token
/// (<see cref="RowUpdates.SetAsync{TEntity}"/> finds rows by id alone, for tables without a version).
/// Values are given as the entity holds them and converted and cast the way the EF model stores them.
/// </summary>
public static class RowUpdates
{
    /// <summary>Sets <paramref name="properties"/> (the entity must have Id and Version); returns how many rows were updated.</summary>
    public static Task<int> ExecuteAsync<TEntity>(CoServeDb db, string[] properties, IEnumerable<RowUpdate> rows, CancellationToken ct) =>
        UpdateAsync<TEntity>(db, properties, rows.Select(r => (r.Id, (int?)r.Version, r.Values)), ct);

    /// <summary>
    /// Sets <paramref name="properties"/> of rows found by Id alone, for tables without a version whose rows only one
    /// writer changes (an outbox's delivery state, say); returns how many rows were updated.
    /// </summary>
    public static Task<int> SetAsync<TEntity>(CoServeDb db, string[] properties, IEnumerable<(long Id, object?[] Values)> rows, CancellationToken ct) =>
        UpdateAsync<TEntity>(db, properties, rows.Select(r => (r.Id, (int?)null, r.Values)), ct);

    private static async Task<int> UpdateAsync<TEntity>(CoServeDb db, string[] properties, IEnumerable<(long Id, int? Version, object?[] Values)> rows, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("row updates need an open transaction");
        var plan = Plan.Of<TEntity>(db, properties);
        if (plan.Id.Length == 0) throw new ArgumentException($"{plan.TableName} has no Id property", nameof(TEntity));

        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = transaction.GetDbTransaction();
        var values = new StringBuilder();
        var count = 0;
        bool? versioned = null;
        foreach (var row in rows)
        {
            versioned ??= row.Version.HasValue;
            if (row.Values.Length != plan.Columns.Length) throw new ArgumentException($"expected {plan.Columns.Length} values per row", nameof(rows));
            if (versioned != row.Version.HasValue) throw new ArgumentException("either every row or none has a version", nameof(rows));
            values.Append(count++ == 0 ? "(" : ", (");
            Add(cmd, values, row.Id, first: true);
            if (row.Version is { } version) Add(cmd, values, version, first: false);
            for (var i = 0; i < plan.Columns.Length; i++)
            {
                Add(cmd, values, row.Values[i] is { } v && plan.Converters[i] is { } converter ? converter.ConvertToProvider(v) : row.Values[i], first: false);
            }
            values.Append(')');
        }
        if (count == 0) return 0;
        if (versioned == true && plan.Version.Length == 0) throw new ArgumentException($"{plan.TableName} has no Version property", nameof(rows));
        cmd.CommandText = versioned == true
            ? $"UPDATE {plan.Table} SET {plan.VersionedAssignments} FROM (VALUES {values}) AS v WHERE {plan.Table}.{plan.Id} = v.column1 AND {plan.Table}.{plan.Version} = v.column2"
            : $"UPDATE {plan.Table} SET {plan.Assignments} FROM (VALUES {values}) AS v WHERE {plan.Table}.{plan.Id} = v.column1";
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Most parameters one statement of <see cref="InsertAsync{TEntity}"/> binds (SQLite allows 32,766, PostgreSQL 65,535).</summary>
    private const int MaxParameters = 30_000;

    /// <summary>
    /// Inserts rows of one entity's table (one value per property, as the entity holds it) with one multi-row
    /// <c>INSERT ... VALUES (...), (...) RETURNING Id</c> per up to 30,000 values, inside the context's open
    /// transaction and without change tracking; answers the new ids in row order. The ids of one statement are
    /// taken in the order of its VALUES rows (SQLite inserts them in that order into the rowid table, PostgreSQL
    /// draws the identity for each row in that order), and RETURNING itself gives no order, so they are sorted.
    /// </summary>
    public static async Task<long[]> InsertAsync<TEntity>(CoServeDb db, string[] properties, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("row inserts need an open transaction");
        var plan = Plan.Of<TEntity>(db, properties);
        if (plan.Id.Length == 0) throw new ArgumentException($"{plan.TableName} has no Id property", nameof(TEntity));
        var (columns, converters, prefix, returning) = (plan.Columns, plan.Converters, plan.InsertPrefix, plan.Returning);
        var ids = new long[rows.Count];
        var perStatement = Math.Max(1, MaxParameters / columns.Length);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.Transaction = transaction.GetDbTransaction();
            var sql = new StringBuilder(prefix, prefix.Length + returning.Length + count * columns.Length * 8);
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                if (row.Length != columns.Length) throw new ArgumentException($"expected {columns.Length} values per row", nameof(rows));
                sql.Append(r == 0 ? "(" : ", (");
                for (var i = 0; i < columns.Length; i++)
                {
                    Add(cmd, sql, row[i] is { } v && converters[i] is { } converter ? converter.ConvertToProvider(v) : row[i], first: i == 0);
                }
                sql.Append(')');
            }
            cmd.CommandText = sql.Append(returning).ToString();
            var n = start;
            try
            {
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) ids[n++] = reader.GetInt64(0);
            }
            catch (System.Data.Common.DbException ex)
            {
                // As SaveChanges reports it, so that callers' handling of unique-key races (DbErrors) applies.
                throw new DbUpdateException($"inserting into {plan.TableName} failed", ex);
            }
            if (n != start + count) throw new InvalidOperationException($"inserted {n - start} of {count} rows into {plan.TableName}");
            Array.Sort(ids, start, count);
        }
        return ids;
    }

    /// <summary>
    /// Appends one value: whole numbers, booleans and NULL as SQL literals (they cannot carry text, so nothing can be
    /// injected), everything else as a parameter. SQLite finds each named parameter's slot by a linear search of the
    /// statement's parameter names, so binding n parameters costs n² comparisons; a batch of 100 timeline events has
    /// 1,400 values, and literals take most of them out of that search.
    /// </summary>
    private static void Add(System.Data.Common.DbCommand cmd, StringBuilder values, object? value, bool first)
    {
        if (!first) values.Append(", ");
        switch (value)
        {
            case null or DBNull: values.Append("NULL"); return;
            case bool b: values.Append(b ? "TRUE" : "FALSE"); return;
            case long l when l != long.MinValue: values.Append(CultureInfo.InvariantCulture, $"{l}"); return;
            case int or short or byte or sbyte or ushort or uint: values.Append(CultureInfo.InvariantCulture, $"{Convert.ToInt64(value, CultureInfo.InvariantCulture)}"); return;
        }
        var p = cmd.CreateParameter();
        p.ParameterName = string.Create(CultureInfo.InvariantCulture, $"@p{cmd.Parameters.Count}");
        p.Value = value;
        cmd.Parameters.Add(p);
        values.Append(p.ParameterName);
    }

    /// <summary>
    /// What the statements need of the EF model for one entity and list of properties (table and column names, column
    /// types, value converters), worked out once per model rather than on every call of the message path.
    /// </summary>
    private sealed record Plan(string TableName, string Table, IProperty[] Columns, ValueConverter?[] Converters, string Id, string Version,
        string InsertPrefix, string Returning, string Assignments, string VersionedAssignments)
    {
        private static readonly ConcurrentDictionary<(IModel, Type, string), Plan> Plans = new();

        public static Plan Of<TEntity>(CoServeDb db, string[] properties) =>
            Plans.GetOrAdd((db.Model, typeof(TEntity), string.Join(",", properties)), static (key, properties) => Create(key.Item1, key.Item2, properties), properties);

        private static Plan Create(IModel model, Type type, string[] properties)
        {
            var entity = model.FindEntityType(type) ?? throw new ArgumentException($"{type.Name} is not in the model", nameof(type));
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            IProperty Property(string name) => entity.FindProperty(name) ?? throw new ArgumentException($"{entity.DisplayName()} has no property {name}", nameof(properties));
            string Column(IProperty p) => Quote(p.GetColumnName(table)!);
            var columns = properties.Select(Property).ToArray();
            string SetList(int first) => string.Join(", ", columns.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{Column(p)} = CAST(v.column{i + first} AS {p.GetColumnType()})")));
            var id = entity.FindProperty("Id");
            var version = entity.FindProperty("Version");
            return new Plan(entity.GetTableName()!, Quote(entity.GetTableName()!), columns, columns.Select(p => p.GetTypeMapping().Converter).ToArray(),
                id is null ? "" : Column(id), version is null ? "" : Column(version),
                $"INSERT INTO {Quote(entity.GetTableName()!)} ({string.Join(", ", columns.Select(Column))}) VALUES ",
                id is null ? "" : $" RETURNING {Column(id)}", SetList(2), SetList(3));
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

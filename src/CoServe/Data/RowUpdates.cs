using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CoServe.Data;

/// <summary>One row for <see cref="RowUpdates.ExecuteAsync{TEntity}"/>: its key, the version it must still have, and its new values.</summary>
public sealed record RowUpdate(long Id, int Version, object?[] Values);

/// <summary>
/// Updates many rows of one entity's table with one statement, where EF's change tracking sends one UPDATE per
/// row: <c>UPDATE t SET ... FROM (VALUES ...) v WHERE t.Id = v.column1 AND t.Version = v.column2</c> (SQLite 3.33+
/// and PostgreSQL), so a row whose version moved on meanwhile is not updated, as with EF's concurrency token.
/// Values are given as the entity holds them and converted and cast the way the EF model stores them.
/// </summary>
public static class RowUpdates
{
    /// <summary>Sets <paramref name="properties"/> (the entity must have Id and Version); returns how many rows were updated.</summary>
    public static async Task<int> ExecuteAsync<TEntity>(CoServeDb db, string[] properties, IEnumerable<RowUpdate> rows, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("row updates need an open transaction");
        var entity = db.Model.FindEntityType(typeof(TEntity)) ?? throw new ArgumentException($"{typeof(TEntity).Name} is not in the model", nameof(TEntity));
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        IProperty Property(string name) => entity.FindProperty(name) ?? throw new ArgumentException($"{entity.DisplayName()} has no property {name}", nameof(properties));
        string Column(IProperty p) => Quote(p.GetColumnName(table)!);
        var set = properties.Select(Property).ToArray();

        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = transaction.GetDbTransaction();
        var values = new StringBuilder();
        var count = 0;
        foreach (var row in rows)
        {
            if (row.Values.Length != set.Length) throw new ArgumentException($"expected {set.Length} values per row", nameof(rows));
            values.Append(count++ == 0 ? "(" : ", (");
            Add(cmd, values, row.Id, first: true);
            Add(cmd, values, row.Version, first: false);
            for (var i = 0; i < set.Length; i++)
            {
                var converter = set[i].GetTypeMapping().Converter;
                Add(cmd, values, row.Values[i] is { } v && converter is not null ? converter.ConvertToProvider(v) : row.Values[i], first: false);
            }
            values.Append(')');
        }
        if (count == 0) return 0;
        var target = Quote(entity.GetTableName()!);
        var assignments = set.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{Column(p)} = CAST(v.column{i + 3} AS {p.GetColumnType()})"));
        cmd.CommandText = $"UPDATE {target} SET {string.Join(", ", assignments)} FROM (VALUES {values}) AS v "
            + $"WHERE {target}.{Column(Property("Id"))} = v.column1 AND {target}.{Column(Property("Version"))} = v.column2";
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void Add(System.Data.Common.DbCommand cmd, StringBuilder values, object? value, bool first)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = string.Create(CultureInfo.InvariantCulture, $"@p{cmd.Parameters.Count}");
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        if (!first) values.Append(", ");
        values.Append(p.ParameterName);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

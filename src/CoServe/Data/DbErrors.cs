using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CoServe.Data;

/// <summary>Provider-neutral reading of write failures that callers handle (races on unique keys).</summary>
public static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException ex) => ex.InnerException switch
    {
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>Which unique index a violation hit, when the provider says (PostgreSQL names it; SQLite names columns).</summary>
    public static string? Constraint(DbUpdateException ex) => ex.InnerException switch
    {
        PostgresException p => p.ConstraintName,
        SqliteException s => s.Message,
        _ => null,
    };
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CoServe.Data;

/// <summary>Used by dotnet ef to generate the SQLite migration set.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCoServeDb>
{
    public SqliteCoServeDb CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<SqliteCoServeDb>();
        DatabaseSetup.ConfigureSqlite(o, "Data Source=design-time.db");
        return new SqliteCoServeDb(o.Options);
    }
}

/// <summary>Used by dotnet ef to generate the PostgreSQL migration set (no server is contacted).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCoServeDb>
{
    public PostgresCoServeDb CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<PostgresCoServeDb>();
        DatabaseSetup.ConfigurePostgres(o, "Host=localhost;Database=coserve_design");
        return new PostgresCoServeDb(o.Options);
    }
}

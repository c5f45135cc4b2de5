using Npgsql;

namespace CoServe.Tests.Infrastructure;

public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A throwaway database for one test or fixture: a SQLite file in a temp folder, or a fresh database on the
/// PostgreSQL server named by COSERVE_TEST_POSTGRES (started by scripts/test.sh). Never EF in-memory.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    public const string PostgresVariable = "COSERVE_TEST_POSTGRES";
    public const string RequirePostgresVariable = "COSERVE_TEST_REQUIRE_POSTGRES";

    private readonly string? _postgresAdmin;
    private readonly string? _database;

    private TestStore(StoreKind kind, string directory, string? connectionString, string? postgresAdmin, string? database)
    {
        Kind = kind;
        Directory = directory;
        ConnectionString = connectionString;
        _postgresAdmin = postgresAdmin;
        _database = database;
    }

    public StoreKind Kind { get; }

    /// <summary>Data directory for keys, temp files and the SQLite file.</summary>
    public string Directory { get; }

    public string? ConnectionString { get; }

    /// <summary>Skips the calling test when PostgreSQL is not configured, unless CI requires it.</summary>
    public static void SkipUnlessAvailable(StoreKind kind)
    {
        if (kind != StoreKind.Postgres) return;
        var configured = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable));
        if (!configured && Environment.GetEnvironmentVariable(RequirePostgresVariable) == "1")
        {
            throw new InvalidOperationException($"{PostgresVariable} is not set but {RequirePostgresVariable}=1: PostgreSQL tests must run");
        }
        Skip.IfNot(configured, $"PostgreSQL not configured ({PostgresVariable}); run scripts/test.sh");
    }

    public static async Task<TestStore> CreateAsync(StoreKind kind)
    {
        var dir = Path.Combine(Path.GetTempPath(), "coserve-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        if (kind == StoreKind.Sqlite)
        {
            return new TestStore(kind, dir, $"Data Source={Path.Combine(dir, "coserve.db")};Pooling=False;Default Timeout=30", null, null);
        }
        SkipUnlessAvailable(kind);
        var admin = Environment.GetEnvironmentVariable(PostgresVariable)!;
        var database = "coserve_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {database}";
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ToString();
        return new TestStore(kind, dir, cs, admin, database);
    }

    public Dictionary<string, string?> Configuration() => new()
    {
        ["Database:Provider"] = Kind == StoreKind.Sqlite ? "sqlite" : "postgres",
        ["Database:MigrateOnStart"] = "true",
        ["ConnectionStrings:CoServe"] = ConnectionString,
        ["Storage:DataDirectory"] = Directory,
        ["Security:FieldProtection:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        ["Security:FieldProtection:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
        ["Demo:SeedWhenEmpty"] = "false",
        // Only tests that talk to the real service officer pay for its knowledge snapshot.
        ["ServiceOfficer:WarmUpOnStart"] = "false",
        // Tests of release updates turn the start-up comparison of shipped and approved rule lists back on.
        ["ServiceOfficer:CheckRuleReleasesOnStart"] = "false",
    };

    public async ValueTask DisposeAsync()
    {
        if (_postgresAdmin is not null && _database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_postgresAdmin);
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)";
            await cmd.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalising connection: the OS temp cleaner will get it.
        }
    }
}

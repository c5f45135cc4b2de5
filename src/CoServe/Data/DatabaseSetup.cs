using System.Data.Common;
using System.Runtime.CompilerServices;
using CoServe.Platform.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// Registers <see cref="CoServeDb"/> for the configured provider: a pooled factory (Blazor components and
    /// jobs create short-lived contexts) and a scoped context for endpoints.
    /// </summary>
    public static IServiceCollection AddCoServeDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));

        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        if (provider == DatabaseProvider.Sqlite)
        {
            services.AddOptions<SqliteCheckpointOptions>().Bind(configuration.GetSection(SqliteCheckpointOptions.Section)).ValidateOnStart();
            services.AddSingleton<IValidateOptions<SqliteCheckpointOptions>, SqliteCheckpointOptionsValidator>();
            services.AddPooledDbContextFactory<SqliteCoServeDb>((sp, o) =>
                ConfigureSqlite(o, SqliteConnectionString(configuration, sp.GetRequiredService<IOptions<StorageOptions>>().Value),
                    sp.GetRequiredService<IOptions<SqliteCheckpointOptions>>().Value.FallbackPages));
            services.AddSingleton<IDbContextFactory<CoServeDb>>(sp =>
                new UpcastFactory<SqliteCoServeDb>(sp.GetRequiredService<IDbContextFactory<SqliteCoServeDb>>()));
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton(sp => new SqliteCheckpointer(SqliteConnectionString(configuration, sp.GetRequiredService<IOptions<StorageOptions>>().Value),
                sp.GetRequiredService<IOptions<SqliteCheckpointOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteCheckpointer>>()));
            services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpointer>());
        }
        else
        {
            var cs = configuration.GetConnectionString("CoServe");
            if (string.IsNullOrWhiteSpace(cs))
            {
                throw new InvalidOperationException("Database:Provider is postgres but ConnectionStrings:CoServe is not set");
            }
            services.AddPooledDbContextFactory<PostgresCoServeDb>(o => ConfigurePostgres(o, cs));
            services.AddSingleton<IDbContextFactory<CoServeDb>>(sp =>
                new UpcastFactory<PostgresCoServeDb>(sp.GetRequiredService<IDbContextFactory<PostgresCoServeDb>>()));
        }
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContext());
        return services;
    }

    public static string SqliteConnectionString(IConfiguration configuration, StorageOptions storage)
    {
        var configured = configuration.GetConnectionString("CoServe");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var dir = storage.ResolveDataDirectory();
        Directory.CreateDirectory(dir);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dir, "coserve.db"),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>
    /// A list in a query (<c>ids.Contains(x.Id)</c>) is sent as one array-like parameter: <c>IN (SELECT value FROM
    /// json_each(@ids))</c> on SQLite, <c>= ANY (@ids)</c> on PostgreSQL. EF 10's default, one parameter per element,
    /// makes the SQL depend on the list's length, so EF generated the statement anew on every execution of the hot
    /// path's batch reads (and SQLite binds n named parameters with n² name comparisons).
    /// </summary>
    private const ParameterTranslationMode ListsAs = ParameterTranslationMode.Parameter;

    /// <summary>The SQLite store's EF options; a committing connection checkpoints the log past <paramref name="walAutocheckpointPages"/> (see <see cref="SqliteCheckpointer"/>).</summary>
    public static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString, int walAutocheckpointPages = SqliteCheckpointOptions.DefaultFallbackPages) =>
        o.UseSqlite(connectionString, x => x.MigrationsAssembly(typeof(CoServeDb).Assembly.FullName).CommandTimeout(600).UseParameterizedCollectionMode(ListsAs))
         .AddInterceptors(SqlitePragmas.For(walAutocheckpointPages), SqliteWriteLane.Instance);

    public static void ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, x => x.MigrationsAssembly(typeof(CoServeDb).Assembly.FullName).CommandTimeout(600).UseParameterizedCollectionMode(ListsAs));

    private sealed class UpcastFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<CoServeDb>
        where T : CoServeDb
    {
        public CoServeDb CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>
/// Per-connection SQLite settings: WAL lets readers run beside the single writer; NORMAL sync is durable
/// across application crashes in WAL mode; a busy timeout queues writers instead of failing them; a committing
/// connection checkpoints the log only past the fallback size, since <see cref="SqliteCheckpointer"/> does it in the
/// background (every connection of the store gets the same settings through here). They belong to
/// the native connection, which the pool keeps across opens: they are applied once per native handle, not on
/// every open (a request opens a pooled connection many times; five PRAGMAs each time were a measurable share of
/// an inbound message's cost).
/// </summary>
internal sealed class SqlitePragmas(int walAutocheckpointPages) : DbConnectionInterceptor
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, SqlitePragmas> ByPages = new();

    /// <summary>One instance per setting, so every context of a store shares EF's internal services.</summary>
    public static SqlitePragmas For(int walAutocheckpointPages) => ByPages.GetOrAdd(walAutocheckpointPages, p => new SqlitePragmas(p));

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            if (Configured.TryGetValue(handle, out _)) return;
            Configure(connection);
            Configured.AddOrUpdate(handle, this);
            return;
        }
        Configure(connection);
    }

    private void Configure(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824; "
            + "PRAGMA wal_autocheckpoint=" + walAutocheckpointPages.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";";
        cmd.ExecuteNonQuery();
    }
}

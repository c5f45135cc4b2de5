using CoServe.Data;
using CoServe.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using CoServe.Platform.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CoServe.Bench;

/// <summary>The app's services (the same AddCoServeCore as the web app and CLI) over a bench store, without logging.</summary>
internal static class BenchHost
{
    public static IHost Build(string dataDir, IDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null, bool logSql = false)
    {
        var settings = new Dictionary<string, string?> { [$"{StorageOptions.Section}:DataDirectory"] = dataDir };
        if (extra is not null) foreach (var (k, v) in extra) settings[k] = v;
        return Build(settings, services, logSql);
    }

    public static IHost Build(IEnumerable<KeyValuePair<string, string?>> settings, Action<IServiceCollection>? services = null, bool logSql = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (logSql)
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
        }
        builder.Services.AddCoServeCore(builder.Configuration);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// Removes a bench's own store directory once its hosts are disposed; SQLite's pooled connections hold the
    /// files open until the pools are cleared.
    /// </summary>
    public static void DeleteStore(string dataDir)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
    }

    /// <summary>
    /// Bulk-written servicer rows carry no client number; the app copies it from the client when it adds a servicer.
    /// Benches call this once after filling ClientServicers directly.
    /// </summary>
    public static Task<int> FillServicerClientNosAsync(CoServeDb db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(
            "UPDATE \"ClientServicers\" SET \"ClientNo\" = (SELECT c.\"ClientNo\" FROM \"Clients\" c WHERE c.\"Id\" = \"ClientServicers\".\"ClientId\") WHERE \"ClientNo\" = ''",
            ct);
}

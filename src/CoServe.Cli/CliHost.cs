using System.CommandLine;
using CoServe.Platform.Storage;
using CoServe.Platform.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CoServe.Cli;

/// <summary>
/// Builds the same services as the web app from the same configuration (appsettings.json, environment
/// variables), with the global flags --provider, --connection and --data-dir on top.
/// </summary>
internal static class CliHost
{
    public static readonly Option<string?> Provider = new("--provider") { Description = "Database provider: sqlite (default) or postgres", Recursive = true };
    public static readonly Option<string?> Connection = new("--connection") { Description = "Connection string (ConnectionStrings:CoServe)", Recursive = true };
    public static readonly Option<string?> DataDir = new("--data-dir") { Description = "Data directory for the embedded store (Storage:DataDirectory)", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show informational logs", Recursive = true };

    public static void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Provider);
        root.Options.Add(Connection);
        root.Options.Add(DataDir);
        root.Options.Add(Verbose);
    }

    public static IHost Build(ParseResult parse)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                ?? Environments.Production,
        });
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(Provider) is { } provider) overrides[$"{DatabaseOptions.Section}:Provider"] = provider;
        if (parse.GetValue(Connection) is { } connection) overrides["ConnectionStrings:CoServe"] = connection;
        if (parse.GetValue(DataDir) is { } dataDir) overrides[$"{StorageOptions.Section}:DataDirectory"] = Path.GetFullPath(dataDir);
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        var level = parse.GetValue(Verbose) ? LogLevel.Information : LogLevel.Warning;
        builder.Services.PostConfigure<LoggerFilterOptions>(o =>
        {
            // The CLI prints its own results; logs are for --verbose and for problems.
            o.Rules.Clear();
            o.MinLevel = level;
            o.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        });
        builder.Services.AddCoServeCore(builder.Configuration);
        return builder.Build();
    }

    /// <summary>Runs a command body in a DI scope with a ready store; maps known failures to exit codes.</summary>
    public static Task<int> RunAsync(ParseResult parse, Func<IServiceProvider, Task<int>> body, CancellationToken ct) =>
        RunCoreAsync(parse, body, ensureStore: true, ct);

    /// <summary>Like <see cref="RunAsync"/> but without preparing the store (for db migrate itself).</summary>
    public static Task<int> RunWithoutStoreAsync(ParseResult parse, Func<IServiceProvider, Task<int>> body, CancellationToken ct) =>
        RunCoreAsync(parse, body, ensureStore: false, ct);

    private static async Task<int> RunCoreAsync(ParseResult parse, Func<IServiceProvider, Task<int>> body, bool ensureStore, CancellationToken ct)
    {
        try
        {
            using var host = Build(parse);
            await using var scope = host.Services.CreateAsyncScope();
            if (ensureStore) await scope.ServiceProvider.GetRequiredService<StoreMigrations>().EnsureReadyAsync(ct);
            return await body(scope.ServiceProvider);
        }
        catch (Exception ex) when (Failure.Describe(ex) is { } message)
        {
            Console.Error.WriteLine(message);
            return 1;
        }
    }
}

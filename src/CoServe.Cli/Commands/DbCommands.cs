using System.CommandLine;
using CoServe.Platform.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class DbCommands
{
    public static Command Create()
    {
        var db = new Command("db", "Database schema");
        var migrate = new Command("migrate", "Apply pending migrations for the configured provider");
        migrate.SetAction((parse, ct) => CliHost.RunWithoutStoreAsync(parse, async sp =>
        {
            var applied = await sp.GetRequiredService<StoreMigrations>().MigrateAsync(ct);
            Console.WriteLine(applied.Count == 0 ? "database is up to date" : $"applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return 0;
        }, ct));
        db.Subcommands.Add(migrate);
        return db;
    }
}

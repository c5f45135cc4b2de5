using CoServe.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Platform.Storage;

/// <summary>Applies or checks migrations for the configured provider.</summary>
public sealed class StoreMigrations(IDbContextFactory<CoServeDb> dbFactory, IOptions<DatabaseOptions> options)
{
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        return pending;
    }

    /// <summary>The embedded store migrates itself; a server store must be migrated explicitly first.</summary>
    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        if (options.Value.ShouldMigrateOnStart)
        {
            await MigrateAsync(ct);
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException($"the database schema is {pending.Count} migration(s) behind; run `coserve db migrate` first");
        }
    }
}

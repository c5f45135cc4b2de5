using CoServe.Data;
using CoServe.Platform.Storage;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// The app's services (the same AddCoServeCore the web app and CLI use) over a real, migrated store, with a
/// fake clock. For use-case tests that do not need HTTP.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CoreHarness(TestStore store, ServiceProvider services, FakeTimeProvider clock)
    {
        Store = store;
        _services = services;
        Clock = clock;
    }

    public TestStore Store { get; }
    public FakeTimeProvider Clock { get; }
    public IServiceProvider Services => _services;

    /// <summary>Default test clock: 2026-11-25 10:00 in Shanghai.</summary>
    public static DateTimeOffset DefaultNow { get; } = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    public static async Task<CoreHarness> StartAsync(StoreKind kind, Action<Dictionary<string, string?>>? configure = null, DateTimeOffset? now = null, Action<IServiceCollection>? services = null)
    {
        var store = await TestStore.CreateAsync(kind);
        var settings = store.Configuration();
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var clock = new FakeTimeProvider(now ?? DefaultNow);
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddCoServeCore(configuration);
        collection.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await provider.GetRequiredService<StoreMigrations>().MigrateAsync(CancellationToken.None);
        return new CoreHarness(store, provider, clock);
    }

    /// <summary>Runs an operation with a fresh DI scope (one DbContext), like one request.</summary>
    public async Task<T> RunAsync<TService, T>(Func<TService, Task<T>> operation)
        where TService : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await operation(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task RunAsync<TService>(Func<TService, Task> operation)
        where TService : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        await operation(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public CoServeDb NewDb() => _services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Store.DisposeAsync();
    }
}

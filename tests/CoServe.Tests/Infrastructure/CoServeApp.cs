using CoServe.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace CoServe.Tests.Infrastructure;

/// <summary>The real web app (Program) over a test store, with a fake clock; Kestrel on a free port for browser tests.</summary>
public sealed class CoServeApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string? _settingsFile;

    // settingsFile: a JSON settings file loaded with reloadOnChange, as appsettings.json is in production.
    public CoServeApp(TestStore store, FakeTimeProvider clock, bool kestrel = false, Action<Dictionary<string, string?>>? configure = null, string? settingsFile = null)
    {
        Store = store;
        Clock = clock;
        _settingsFile = settingsFile;
        _settings = store.Configuration();
        configure?.Invoke(_settings);
        if (kestrel) UseKestrel(0);
    }

    public TestStore Store { get; }
    public FakeTimeProvider Clock { get; }

    public static async Task<CoServeApp> StartAsync(StoreKind kind = StoreKind.Sqlite, bool kestrel = false, Action<Dictionary<string, string?>>? configure = null, string? settingsFile = null)
    {
        var store = await TestStore.CreateAsync(kind);
        var app = new CoServeApp(store, new FakeTimeProvider(CoreHarness.DefaultNow), kestrel, configure, settingsFile);
        if (kestrel) app.StartServer();
        else _ = app.Server;
        return app;
    }

    /// <summary>Base address of the Kestrel server (browser tests).</summary>
    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Framework assets (blazor.web.js) come from the static web assets manifest, which only Development loads by itself.
        builder.UseStaticWebAssets();
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (_settingsFile is not null) builder.ConfigureAppConfiguration(c => c.AddJsonFile(_settingsFile, optional: false, reloadOnChange: true));
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    public CoServeDb NewDb() => Services.GetRequiredService<IDbContextFactory<CoServeDb>>().CreateDbContext();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Store.DisposeAsync();
    }
}

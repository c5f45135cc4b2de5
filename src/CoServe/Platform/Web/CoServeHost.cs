using System.Globalization;
using System.Text.Json.Serialization;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Archive;
using CoServe.Features.Channels.WebChat;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Coverage;
using CoServe.Features.Demo;
using CoServe.Features.Duties;
using CoServe.Features.Organization;
using CoServe.Features.Outreach;
using CoServe.Features.Privacy;
using CoServe.Features.Reports;
using CoServe.Features.Security;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.Transfers;
using CoServe.Platform.Auth;
using CoServe.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;

namespace CoServe.Platform.Web;

/// <summary>Composition of the web app and the CLI from the features; Program.cs only calls these.</summary>
public static class CoServeHost
{
    /// <summary>Services shared by the web app and the CLI: store, clock, features' use cases.</summary>
    public static IServiceCollection AddCoServeCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddCoServeDatabase(configuration);
        services.AddSingleton<StoreMigrations>();
        services.AddOrganization();
        services.AddSecurity(configuration);
        services.AddClients();
        services.AddAssets(configuration);
        services.AddDemo(configuration);
        services.AddServiceOfficer(configuration);
        services.AddOutreach(configuration);
        services.AddConversations(configuration);
        services.AddTransfers(configuration);
        services.AddCoverage(configuration);
        services.AddWeCom(configuration);
        services.AddWeComArchive(configuration);
        services.AddDuties(configuration);
        services.AddReports(configuration);
        services.AddPrivacy(configuration);
        services.AddSingleton<Microsoft.AspNetCore.Identity.IPasswordHasher<StaffMember>, Microsoft.AspNetCore.Identity.PasswordHasher<StaffMember>>();
        services.AddDataProtection()
            .SetApplicationName("CoServe")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(new StorageOptions { DataDirectory = configuration[$"{StorageOptions.Section}:DataDirectory"] }.ResolveDataDirectory(), "dataprotection-keys")));
        return services;
    }

    public static WebApplicationBuilder AddCoServe(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCoServeCore(builder.Configuration);
        services.AddConversationWorkers();
        services.AddDutyWorkers();
        services.AddOutreachWorkers();
        services.AddHostedService<ServiceOfficerWarmup>();
        services.AddHostedService<TransferWeComWorker>();
        services.AddWeComArchiveWorker();
        services.AddCoServeAuth();
        services.AddLocalization();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, StaffRevalidatingAuthenticationState>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, PresenceCircuitHandler>();
        services.AddAntiforgery();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        return builder;
    }

    public static WebApplication UseCoServe(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var cultures = new[] { CultureInfo.GetCultureInfo("zh-CN"), CultureInfo.GetCultureInfo("en") };
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("zh-CN"),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
        });
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapCoServe(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapHealthChecks("/health");
        app.MapAccount();
        app.MapClients();
        app.MapAssets();
        app.MapChannels();
        app.MapConversations();
        app.MapDuties();
        app.MapWebChat();
        app.MapWeCom();
        app.MapCoverage();
        app.MapTransfers();
        app.MapOutreach();
        app.MapKnowledgeBase();
        app.MapGuardrails();
        app.MapIntentRules();
        app.MapReports();
        app.MapPrivacy();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// Brings the store up to date before serving: migrations for the embedded default (PostgreSQL is migrated
    /// by `coserve db migrate`), then demo data when configured and the store is empty (with the demo's client conversations).
    /// </summary>
    public static async Task PrepareStoreAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        await sp.GetRequiredService<StoreMigrations>().EnsureReadyAsync(CancellationToken.None);
        var demo = sp.GetRequiredService<IOptions<DemoOptions>>().Value;
        if (demo.SeedWhenEmpty)
        {
            var seeder = sp.GetRequiredService<DemoSeeder>();
            if (!await seeder.IsStoreEmptyAsync(CancellationToken.None)) return;
            await seeder.SeedAsync(CancellationToken.None);
            if (demo.Conversations) DemoSetup.ReplayConversationsOnceStarted(app.Services, app.Lifetime);
        }
    }
}

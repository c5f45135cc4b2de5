using CoServe.Platform.Web;
using CoServe.Tests.Infrastructure;

namespace CoServe.Tests.Platform;

public sealed class ContentRootTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("coserve-root-").FullName;

    private string Dir(string name, bool withSettings)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (withSettings) File.WriteAllText(Path.Combine(dir, ContentRoot.SettingsFile), "{}");
        return dir;
    }

    private static string? NoVariables(string _) => null;

    [Fact]
    public void StartedElsewhere_TheAppsOwnFolder_ElseTheFrameworksChoice()
    {
        var app = Dir("app", withSettings: true);
        var home = Dir("home", withSettings: false);
        var project = Dir("project", withSettings: true);

        Assert.Equal(app, ContentRoot.For([], home, app, NoVariables));
        // dotnet run (the project folder) and a service started in its folder keep the working directory.
        Assert.Null(ContentRoot.For([], project, app, NoVariables));
        Assert.Null(ContentRoot.For([], app, app, NoVariables));
        // A content root given by hand wins.
        Assert.Null(ContentRoot.For(["--contentRoot", home], home, app, NoVariables));
        Assert.Null(ContentRoot.For(["--contentroot=" + home], home, app, NoVariables));
        Assert.Null(ContentRoot.For([], home, app, v => v == "ASPNETCORE_CONTENTROOT" ? home : null));
        Assert.Null(ContentRoot.For([], home, app, v => v == "DOTNET_CONTENTROOT" ? home : null));
        // Nowhere to find settings: nothing to improve on.
        Assert.Null(ContentRoot.For([], home, Dir("bare", withSettings: false), NoVariables));
    }

    [Fact]
    public async Task TheWebApp_StartedFromAnotherFolder_ReadsItsOwnSettings()
    {
        // appsettings.json sets Entity Framework's log level to Warning: without it every SQL statement is logged.
        await using var store = await TestStore.CreateAsync(StoreKind.Sqlite);
        var elsewhere = Dir("elsewhere", withSettings: false);
        await using var app = await WebAppProcess.StartAsync(store.Configuration(), elsewhere);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var login = await http.GetAsync(new Uri("/login", UriKind.Relative));
        Assert.True(login.IsSuccessStatusCode, $"/login: {login.StatusCode}");
        Assert.DoesNotContain("Executed DbCommand", app.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

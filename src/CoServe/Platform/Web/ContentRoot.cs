namespace CoServe.Platform.Web;

/// <summary>
/// Where the app finds appsettings.json and wwwroot. ASP.NET Core takes the working directory, which is right for
/// <c>dotnet run</c> (the project folder) and for a service started in the app's folder, but a published app started
/// from elsewhere (<c>dotnet /opt/coserve/CoServe.dll</c> from a home directory, a unit file without
/// WorkingDirectory) would run without its settings: another address, SQL statements in the log, no console styles.
/// </summary>
public static class ContentRoot
{
    public const string SettingsFile = "appsettings.json";

    /// <summary>
    /// The app's own folder when the working directory holds no settings file and the app's folder does; null (the
    /// framework's choice) otherwise, and always when the content root is given (<c>--contentRoot</c>, or the
    /// ASPNETCORE_/DOTNET_CONTENTROOT variables).
    /// </summary>
    public static string? For(IReadOnlyList<string> args, string workingDirectory, string appDirectory, Func<string, string?> environment)
    {
        var given = args.Any(a => a.TrimStart('-').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(environment("ASPNETCORE_CONTENTROOT")) || !string.IsNullOrEmpty(environment("DOTNET_CONTENTROOT"));
        if (given || File.Exists(Path.Combine(workingDirectory, SettingsFile))) return null;
        return File.Exists(Path.Combine(appDirectory, SettingsFile)) ? appDirectory : null;
    }

    public static string? For(string[] args) =>
        For(args, Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Environment.GetEnvironmentVariable);
}

namespace CoServe.Platform.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Where the embedded database, generated keys and other local files live. Default: the user's local
    /// application data folder (~/.local/share/coserve on Linux), shared by the web app and the CLI.
    /// </summary>
    public string? DataDirectory { get; set; }

    public string ResolveDataDirectory()
    {
        var dir = string.IsNullOrWhiteSpace(DataDirectory)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "coserve")
            : DataDirectory;
        return Path.GetFullPath(dir);
    }
}

using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// The source and key ring of each archive app. The source is opened on first use and kept: the native SDK when
/// WeCom:Archive:SdkLibraryPath is set (a clear error when the file is missing or not loadable), otherwise the
/// simulator at WeCom:ApiBaseAddress. The key ring is the current one (<see cref="ArchiveKeyRings"/>: it follows
/// configuration changes while CoServe runs).
/// </summary>
public sealed class ArchiveSources(IOptions<ArchiveOptions> options, IOptions<WeComOptions> wecom, IHttpClientFactory httpFactory, ArchiveKeyRings keyRings) : IDisposable
{
    private readonly Dictionary<string, IArchiveSource> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyCollection<string> Apps => options.Value.Apps.Keys;

    public (IArchiveSource Source, ArchiveKeyRing Keys) For(string app)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(app, out var open)) return (open, keyRings.For(app));
            var o = options.Value;
            if (!o.Apps.TryGetValue(app, out var archive)) throw new ArgumentException($"WeCom:Archive:Apps has no app '{app}'", nameof(app));
            if (!wecom.Value.Apps.TryGetValue(app, out var config)) throw new ArgumentException($"WeCom:Apps has no app '{app}'", nameof(app));
            IArchiveSource source = string.IsNullOrWhiteSpace(o.SdkLibraryPath)
                ? new SimulatorArchiveSource(httpFactory.CreateClient(WeComApiClient.HttpClientName), config.CorpId, archive.Secret, o.TimeoutSeconds)
                : FinanceSdkArchiveSource.Open(o.SdkLibraryPath, config.CorpId, archive.Secret, o);
            _open[app] = source;
            return (source, keyRings.For(app));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var source in _open.Values) source.Dispose();
            _open.Clear();
        }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// The key ring each archive app decrypts with, following the configuration while CoServe runs: WeCom's admin
/// rotates keys (uploads a new public key), and the new private key must take effect without a restart. The ring is
/// rebuilt on first use after WeCom:Archive:Apps:{app}:PrivateKeys changes (a configuration reload) or a configured
/// key file changes (size or write time, looked at on each use: every pull and retry). A configuration that does not
/// load (not an RSA private key, a missing file, a version that is not a number, any other invalid archive setting)
/// is rejected as a whole: the previous ring stays in use, and the error, naming the version and never the key, is
/// logged once and shown in the archive status until a loadable configuration replaces it. A new ring has a new
/// fingerprint, so the worker's next round retries the quarantined records (<see cref="ArchivePuller.RetryQuarantinedAsync"/>);
/// a configuration reload, valid or not, wakes it at once (a replaced key file waits for the round, WeCom:Archive:IntervalSeconds).
/// </summary>
public sealed partial class ArchiveKeyRings : IDisposable
{
    private readonly IOptionsMonitor<ArchiveOptions> _options;
    private readonly ILogger<ArchiveKeyRings> _logger;
    private readonly List<IDisposable> _reloads;
    private readonly Dictionary<string, Current> _rings = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The ring in use, the configuration it was loaded from, and the last rejected configuration with its error.</summary>
    private sealed record Current(ArchiveKeyRing Ring, string Stamp, string? RejectedStamp = null, string? Problem = null);

    public ArchiveKeyRings(
        IOptionsMonitor<ArchiveOptions> options,
        IOptionsMonitorCache<ArchiveOptions> cache,
        IEnumerable<IOptionsChangeTokenSource<ArchiveOptions>> reloads,
        ArchiveSignal signal,
        ILogger<ArchiveKeyRings> logger)
    {
        _options = options;
        _logger = logger;
        // The change tokens rather than the monitor's OnChange: that one stays silent when the new values fail
        // validation, and a rejected key should be reported at once too. The token's callbacks run newest first, so
        // this one runs before the monitor drops its cached values: it drops them itself before waking the puller,
        // which would otherwise read the old keys, find nothing changed and sleep until the next round.
        _reloads = [.. reloads.Where(r => r.Name == Options.DefaultName).Select(r => ChangeToken.OnChange(r.GetChangeToken, () =>
        {
            cache.TryRemove(Options.DefaultName);
            signal.Notify();
        }))];
    }

    /// <summary>The current key ring of <paramref name="app"/>, reloaded first when its configuration changed.</summary>
    public ArchiveKeyRing For(string app)
    {
        lock (_gate)
        {
            _rings.TryGetValue(app, out var current);
            ArchiveAppOptions? configured;
            try
            {
                configured = _options.CurrentValue.Apps.GetValueOrDefault(app);
            }
            catch (OptionsValidationException ex)
            {
                // The validator's messages name the setting and what is wrong, never a key.
                return Reject(app, current, "invalid:" + ex.Message, ex.Failures.ToList());
            }
            if (configured is null) return Reject(app, current, "missing", [$"WeCom:Archive:Apps has no app '{app}'"]);
            var stamp = Stamp(configured);
            if (current is not null && current.Stamp == stamp)
            {
                // Back to the configuration in use (a rejected change was undone): nothing to report any more.
                if (current.Problem is not null) _rings[app] = current with { RejectedStamp = null, Problem = null };
                return current.Ring;
            }
            if (ArchiveKeyRing.TryLoad(app, configured, out var errors) is not { } ring) return Reject(app, current, stamp, errors);
            // The ring replaced is not disposed: a pull or retry running now may still be decrypting with it.
            _rings[app] = new Current(ring, stamp);
            if (current is not null) LogReloaded(_logger, app, ring.Versions, ring.Fingerprint[..12]);
            return ring;
        }
    }

    /// <summary>Why the configured keys of <paramref name="app"/> are not in use (the previous ring is), or null.</summary>
    public string? Problem(string app)
    {
        lock (_gate)
        {
            return _rings.TryGetValue(app, out var current) ? current.Problem : null;
        }
    }

    private ArchiveKeyRing Reject(string app, Current? current, string stamp, IReadOnlyList<string> errors)
    {
        var problem = string.Join("; ", errors);
        // Without an earlier ring there is nothing to keep: the pull fails with the reason (start-up validation
        // normally stops a configuration like this before the first pull).
        if (current is null) throw new InvalidOperationException($"WeCom archive {app}: the configured private keys do not load: {problem}");
        if (current.RejectedStamp != stamp)
        {
            _rings[app] = current with { RejectedStamp = stamp, Problem = problem };
            LogRejected(_logger, app, problem, current.Ring.Versions);
        }
        return current.Ring;
    }

    /// <summary>
    /// What the ring is loaded from: the versions with their PEM text, or a file's path, size and write time. A hash,
    /// so no key material is kept beside the ring.
    /// </summary>
    private static string Stamp(ArchiveAppOptions configured)
    {
        var text = new StringBuilder();
        foreach (var (version, key) in configured.PrivateKeys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            text.Append(version).Append('\n');
            if (key.Contains("-----BEGIN", StringComparison.Ordinal) || !File.Exists(key))
            {
                text.Append(key);
            }
            else
            {
                var file = new FileInfo(key);
                text.Append(key).Append('\n').Append(file.Length).Append('\n').Append(file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public void Dispose()
    {
        foreach (var r in _reloads) r.Dispose();
        lock (_gate)
        {
            foreach (var current in _rings.Values) current.Ring.Dispose();
            _rings.Clear();
        }
    }

    [LoggerMessage(LogLevel.Information, "WeCom archive {App}: private keys reloaded, versions {Versions} (key ring {Fingerprint}); quarantined records are retried with them")]
    private static partial void LogReloaded(ILogger logger, string app, string versions, string fingerprint);

    [LoggerMessage(LogLevel.Error, "WeCom archive {App}: the changed private key configuration was rejected ({Problem}); still decrypting with versions {Versions}")]
    private static partial void LogRejected(ILogger logger, string app, string problem, string versions);
}

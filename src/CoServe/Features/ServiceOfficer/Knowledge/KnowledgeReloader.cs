using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>
/// Keeps the running engine on the approved knowledge: an approval or retirement signals it; after a short quiet
/// period (several approvals in a row make one rebuild) it rebuilds the snapshot in the background while the old one
/// keeps answering. It also polls the store, so approvals made on another node or by the CLI, and a new business
/// day (effective periods), reach this node too.
/// </summary>
public sealed partial class KnowledgeReloader(ServiceOfficerEngine engine, IKnowledgeSource source, IOptions<KnowledgeBaseOptions> options, ILogger<KnowledgeReloader> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Dispose() => _signal.Dispose();

    /// <summary>Something the engine answers from changed; reload soon.</summary>
    public void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Reloads when the store has changed since the current snapshot was built; false when nothing was to do.</summary>
    public async Task<bool> ReloadIfChangedAsync(CancellationToken ct)
    {
        // Before the first load there is nothing to refresh: the first message loads the newest knowledge anyway.
        if (engine.Current is null || source is not DbKnowledgeSource store) return false;
        var current = await store.CurrentRevisionAsync(ct);
        var loaded = store.LoadedRevision;
        if (loaded == current) return false;
        if (loaded is { } l && l with { GuardrailVersion = current.GuardrailVersion, IntentRuleVersion = current.IntentRuleVersion } == current)
        {
            // Only rule lists changed: the index and models stay. New guardrails check the approved answers again;
            // new intent rules hold from the next message.
            if (l.GuardrailVersion != current.GuardrailVersion)
            {
                var rules = await store.LoadGuardrailsAsync(ct);
                await engine.SwapGuardrailsAsync(rules, ct);
                LogGuardrailsSwapped(logger, rules.Version, rules.Rules.Count);
            }
            if (l.IntentRuleVersion != current.IntentRuleVersion)
            {
                var rules = await store.LoadIntentRulesAsync(ct);
                await engine.SwapIntentRulesAsync(rules, ct);
                LogIntentRulesSwapped(logger, rules.Version, rules.Rules.Count);
            }
            return true;
        }
        var snapshot = await engine.ReloadAsync(ct);
        LogReloaded(logger, current.LastChange, snapshot.Entries.Count);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Guardrail rules v{Version} in force ({Rules} rules enabled)")]
    private static partial void LogGuardrailsSwapped(ILogger logger, int version, int rules);

    [LoggerMessage(Level = LogLevel.Information, Message = "Intent rules v{Version} in force ({Rules} rules enabled)")]
    private static partial void LogIntentRulesSwapped(ILogger logger, int version, int rules);

    internal async Task RunAsync(CancellationToken ct)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        var debounce = TimeSpan.FromMilliseconds(options.Value.ReloadDebounceMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Real time, not the business clock: these are technical waits.
                var signalled = await _signal.WaitAsync(poll, ct);
                if (signalled && debounce > TimeSpan.Zero)
                {
                    await Task.Delay(debounce, ct);
                    _signal.Wait(0, CancellationToken.None);
                }
                await ReloadIfChangedAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The old snapshot keeps serving; the next signal or poll tries again.
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge base changed (change #{Change}); engine reloaded with {Entries} entries")]
    private static partial void LogReloaded(ILogger logger, long change, int entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading the service officer's knowledge failed; the previous snapshot keeps serving")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}

/// <summary>
/// Runs the reloader in the web app. The seed import into an empty store happens on the engine's first load
/// (ServiceOfficer:WarmUpOnStart builds it at start-up) or with `coserve kb import|export`.
/// </summary>
internal sealed class KnowledgeReloadWorker(KnowledgeReloader reloader) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => reloader.RunAsync(stoppingToken);
}

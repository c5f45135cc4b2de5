using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom.Simulator;

/// <summary>Demo only: run the WeCom simulator inside the app so the whole WeCom path works without WeCom.</summary>
public sealed class WeComSimulatorHostOptions
{
    public const string Section = "WeCom:Simulator";

    public bool Enabled { get; set; }
    public int Port { get; set; } = 5090;

    /// <summary>Where the simulator delivers callbacks (CoServe's own endpoint).</summary>
    public string CallbackUrl { get; set; } = "http://127.0.0.1:5080/api/wecom/callback/main";
}

internal sealed partial class WeComSimulatorHost(IOptions<WeComSimulatorHostOptions> options, IOptions<WeComOptions> wecom, ILogger<WeComSimulatorHost> logger) : IHostedService
{
    private WeComSimulator? _simulator;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled) return;
        var sim = new SimulatorOptions { CallbackUrl = options.Value.CallbackUrl };
        if (wecom.Value.Apps.TryGetValue("main", out var app))
        {
            sim.CorpId = app.CorpId;
            sim.Token = app.Token;
            sim.EncodingAesKey = app.EncodingAesKey;
            sim.Secret = app.Secret ?? sim.Secret;
            sim.OpenKfId = app.OpenKfId ?? sim.OpenKfId;
        }
        _simulator = await WeComSimulator.StartAsync(sim, options.Value.Port, cancellationToken);
        LogStarted(logger, _simulator.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_simulator is not null) await _simulator.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom simulator (demo) listening on {Address}; not for production")]
    private static partial void LogStarted(ILogger logger, Uri address);
}

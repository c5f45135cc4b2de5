using System.Collections.Concurrent;
using System.Net;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoServe.Tests.Channels.WeCom;

/// <summary>The core's inbound sink, hand-written: stores each idempotency key once and records every call.</summary>
internal sealed class FakeSink : IInboundMessageSink
{
    private readonly ConcurrentDictionary<string, InboundClientMessage> _stored = new(StringComparer.Ordinal);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);
    public IReadOnlyCollection<InboundClientMessage> Stored => [.. _stored.Values.OrderBy(m => m.SentAt)];

    public Task<InboundResult> AcceptAsync(InboundClientMessage message, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        var outcome = _stored.TryAdd(message.IdempotencyKey, message) ? InboundOutcome.Stored : InboundOutcome.Duplicate;
        return Task.FromResult(new InboundResult(outcome, _stored.Count, null));
    }
}

internal sealed class FakeContactEvents : IWeComContactEvents
{
    public ConcurrentQueue<WeComContactChange> Changes { get; } = new();

    public Task OnContactChangedAsync(WeComContactChange change, CancellationToken ct)
    {
        Changes.Enqueue(change);
        return Task.CompletedTask;
    }
}

/// <summary>The simulator plus a minimal CoServe web app with AddWeCom + MapWeCom, wired to each other over loopback.</summary>
internal sealed class WeComRig : IAsyncDisposable
{
    private WeComRig(WeComSimulator sim, WebApplication app, Uri address, FakeSink sink, FakeContactEvents events)
    {
        Sim = sim;
        App = app;
        Address = address;
        Sink = sink;
        Events = events;
        Http = new HttpClient { BaseAddress = address };
    }

    public WeComSimulator Sim { get; }
    public WebApplication App { get; }
    public Uri Address { get; }
    public FakeSink Sink { get; }
    public FakeContactEvents Events { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => App.Services;

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<WeComRig> StartAsync(
        Action<SimulatorOptions>? simulator = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var simOptions = new SimulatorOptions { StaffUsers = 3, ContactsPerUser = 5 };
        simulator?.Invoke(simOptions);
        var sim = await WeComSimulator.StartAsync(simOptions);
        var config = new Dictionary<string, string?>
        {
            ["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom:Apps:main:CorpId"] = simOptions.CorpId,
            ["WeCom:Apps:main:Token"] = simOptions.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = simOptions.EncodingAesKey,
            ["WeCom:Apps:main:Secret"] = simOptions.Secret,
            ["WeCom:Apps:main:AgentId"] = simOptions.AgentId,
            ["WeCom:Apps:main:OpenKfId"] = simOptions.OpenKfId,
            ["WeCom:RetryBaseDelayMilliseconds"] = "5",
            ["WeCom:RetryMaxDelayMilliseconds"] = "40",
            ["WeCom:MaxRetries"] = "3",
        };
        if (settings is not null) foreach (var (k, v) in settings) config[k] = v;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var sink = new FakeSink();
        var events = new FakeContactEvents();
        builder.Services.AddSingleton<IInboundMessageSink>(sink);
        builder.Services.AddSingleton<IWeComContactEvents>(events);
        services?.Invoke(builder.Services);
        builder.Services.AddWeCom(builder.Configuration);
        var app = builder.Build();
        app.MapWeCom();
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        simOptions.CallbackUrl = new Uri(address, "/api/wecom/callback/main").ToString();
        return new WeComRig(sim, app, address, sink, events);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Sim.DisposeAsync();
    }

    /// <summary>Waits until the condition holds (background worker), failing after the timeout.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var until = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > until) Assert.Fail("condition not met in time");
            await Task.Delay(20);
        }
    }
}

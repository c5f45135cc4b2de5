using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>
/// A minimal OpenAI-compatible chat-completions server on loopback (Kestrel) for the LLM-mode tests: answers
/// POST /v1/chat/completions with scripted replies in order (the last one repeats) and records every request body.
/// </summary>
internal sealed class ChatCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Script> _scripts = new();
    private readonly ConcurrentQueue<string> _bodies = new();
    private Script _last = Script.Reply("""{"status":"no_answer","sources":[],"reply":""}""");

    private ChatCompletionsServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The OpenAI base address ("…/v1") to configure.</summary>
    public string Endpoint => new Uri(BaseAddress, "v1").ToString();

    public IReadOnlyList<string> Bodies => [.. _bodies];

    public int Requests => _bodies.Count;

    /// <summary>Signalled with each request as it arrives (before the scripted reply).</summary>
    public event Action<int>? Arrived;

    public static async Task<ChatCompletionsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ChatCompletionsServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    public void Enqueue(params Script[] scripts)
    {
        foreach (var s in scripts) _scripts.Enqueue(s);
    }

    /// <summary>The text of every message of a recorded request (JSON-decoded, so assertions see what was sent).</summary>
    public static IReadOnlyList<string> MessageTexts(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content") switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString()!,
            var parts => string.Concat(parts.EnumerateArray().Select(p => p.GetProperty("text").GetString())),
        }).ToList();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        _bodies.Enqueue(body);
        Arrived?.Invoke(_bodies.Count);
        if (_scripts.TryDequeue(out var script)) _last = script;
        else script = _last;
        await script.RunAsync(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Script(Func<HttpContext, Task> run)
    {
        public Task RunAsync(HttpContext context) => run(context);

        /// <summary>A completion whose message content is <paramref name="content"/>.</summary>
        public static Script Reply(string content) => new(async context =>
        {
            var payload = new
            {
                id = "chatcmpl-test",
                @object = "chat.completion",
                created = 1_764_000_000,
                model = "test-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(payload), context.RequestAborted);
        });

        /// <summary>The model's JSON object as the prompt asks for it.</summary>
        public static Script Answer(string reply, params int[] sources) =>
            Reply(JsonSerializer.Serialize(new { status = "answer", sources, reply }));

        public static Script Status(int status) => new(context =>
        {
            context.Response.StatusCode = status;
            return context.Response.WriteAsync("""{"error":{"message":"scripted failure","type":"server_error"}}""", context.RequestAborted);
        });

        /// <summary>Never answers until the client gives up (or <paramref name="release"/> completes, then answers with <paramref name="then"/>).</summary>
        public static Script Hang(Task? release = null, Script? then = null) => new(async context =>
        {
            try
            {
                if (release is null) await Task.Delay(Timeout.Infinite, context.RequestAborted);
                else await release.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (then is not null) await then.RunAsync(context);
        });
    }
}

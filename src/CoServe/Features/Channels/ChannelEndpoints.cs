using System.Security.Cryptography;
using System.Text;
using CoServe.Features.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Channels;

public sealed record ChannelMessageRequest(string? ClientNo, string? Text, string? IdempotencyKey);

public sealed record ChannelMessageAccepted(long EventId, bool Duplicate);

/// <summary>
/// Inbound client messages from channel adapters over HTTP. Each channel authenticates with its own key
/// (header X-CoServe-Channel-Key, configured as Channels:{channel}:Key). Answers 202 with the stored event id;
/// the same idempotency key gets the same id again.
/// </summary>
public static class ChannelEndpoints
{
    public const string KeyHeader = "X-CoServe-Channel-Key";

    public static IEndpointRouteBuilder MapChannels(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/channels/{channel}/messages", ReceiveAsync)
            .WithTags("Channels")
            .WithSummary("A client's message from a channel adapter (idempotent by idempotencyKey)")
            .AllowAnonymous();
        return app;
    }

    private static async Task<Results<Accepted<ChannelMessageAccepted>, ProblemHttpResult>> ReceiveAsync(
        string channel,
        ChannelMessageRequest request,
        HttpContext http,
        IConfiguration configuration,
        ReceiveClientMessage receive,
        CancellationToken ct)
    {
        var configured = configuration[$"Channels:{channel}:Key"];
        var presented = http.Request.Headers[KeyHeader].ToString();
        if (string.IsNullOrEmpty(configured) || !FixedTimeEquals(configured, presented))
        {
            return TypedResults.Problem(statusCode: 401, title: "Channel key missing or wrong", detail: $"send the key configured as Channels:{channel}:Key in {KeyHeader}");
        }
        if (string.IsNullOrWhiteSpace(request.ClientNo)) return Bad("clientNo is required");
        var result = await receive.AcceptAsync(new InboundClientMessage(channel, ClientReferenceKind.ClientNo, request.ClientNo, request.Text ?? "",
            request.IdempotencyKey ?? "", DateTimeOffset.MinValue, []), ct);
        return result.Outcome switch
        {
            InboundOutcome.Stored => TypedResults.Accepted((string?)null, new ChannelMessageAccepted(result.EventId!.Value, false)),
            InboundOutcome.Duplicate => TypedResults.Accepted((string?)null, new ChannelMessageAccepted(result.EventId!.Value, true)),
            InboundOutcome.UnknownClient => TypedResults.Problem(statusCode: 404, title: "Unknown client", detail: $"no client with client_no '{request.ClientNo}'"),
            _ => Bad(result.Problem ?? "message rejected"),
        };
    }

    private static ProblemHttpResult Bad(string detail) => TypedResults.Problem(statusCode: 400, title: "The message is not valid", detail: detail);

    private static bool FixedTimeEquals(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}

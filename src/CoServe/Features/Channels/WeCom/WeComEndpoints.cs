using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Channels.WeCom;

/// <summary>
/// WeCom's callback URL. Anonymous by design: each request is authenticated by its msg_signature. Errors
/// carry a generic title only; the reason is in the logs.
/// </summary>
public static class WeComEndpoints
{
    public static RouteGroupBuilder MapWeCom(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/wecom").WithTags("WeCom").AllowAnonymous();
        group.MapGet("/callback/{app}", VerifyUrl).WithSummary("WeCom URL verification (echostr)");
        group.MapPost("/callback/{app}", ReceiveAsync).WithSummary("WeCom message and event callbacks").DisableAntiforgery();
        return group;
    }

    private static Results<ContentHttpResult, ProblemHttpResult, NotFound> VerifyUrl(string app, HttpRequest request, WeComCallbackReceiver receiver)
    {
        var q = request.Query;
        var (verdict, plain) = receiver.VerifyUrl(app, q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]);
        return verdict switch
        {
            // Exactly the plaintext: no quotes, BOM or newline, or WeCom's check fails.
            CallbackVerdict.Accepted => TypedResults.Text(plain, "text/plain"),
            CallbackVerdict.UnknownApp => TypedResults.NotFound(),
            _ => Problem(verdict),
        };
    }

    private static async Task<Results<Ok, ProblemHttpResult, NotFound>> ReceiveAsync(string app, HttpRequest request, WeComCallbackReceiver receiver, CancellationToken ct)
    {
        var max = receiver.MaxBodyBytes;
        if (request.ContentLength > max) return Problem(StatusCodes.Status413PayloadTooLarge);
        var buffer = ArrayPool<byte>.Shared.Rent(max + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= max && (read = await request.Body.ReadAsync(buffer.AsMemory(length, max + 1 - length), ct)) > 0) length += read;
            if (length > max) return Problem(StatusCodes.Status413PayloadTooLarge);
            var q = request.Query;
            var verdict = await receiver.ReceiveAsync(app, q["msg_signature"], q["timestamp"], q["nonce"], buffer.AsSpan(0, length), ct);
            return verdict switch
            {
                // WeCom takes an empty 200 as "received"; a duplicate is answered the same so it stops retrying.
                CallbackVerdict.Accepted or CallbackVerdict.Duplicate => TypedResults.Ok(),
                CallbackVerdict.UnknownApp => TypedResults.NotFound(),
                _ => Problem(verdict),
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ProblemHttpResult Problem(CallbackVerdict verdict) => verdict switch
    {
        CallbackVerdict.Unauthorized => Problem(StatusCodes.Status401Unauthorized),
        CallbackVerdict.Busy => Problem(StatusCodes.Status503ServiceUnavailable),
        _ => Problem(StatusCodes.Status400BadRequest),
    };

    private static ProblemHttpResult Problem(int status) => TypedResults.Problem(statusCode: status, title: status switch
    {
        StatusCodes.Status401Unauthorized => "Callback rejected",
        StatusCodes.Status413PayloadTooLarge => "Callback too large",
        StatusCodes.Status503ServiceUnavailable => "Busy, retry later",
        _ => "Bad callback",
    });
}

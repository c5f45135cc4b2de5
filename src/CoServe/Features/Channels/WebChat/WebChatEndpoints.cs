using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CoServe.Features.Channels.WebChat;

public static class WebChatEndpoints
{
    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/chat/account").ExcludeFromDescription();
        group.MapPost("/login", LoginAsync).RequireRateLimiting(AuthSetup.LoginRateLimit).AllowAnonymous();
        group.MapPost("/logout", (Delegate)LogoutAsync).AllowAnonymous();
        return app;
    }

    private static async Task<RedirectHttpResult> LoginAsync([FromForm] string? clientNo, [FromForm] string? code, WebChatAccess access, HttpContext http, CancellationToken ct)
    {
        var client = await access.RedeemAsync(clientNo, code, ct);
        if (client is null) return TypedResults.Redirect($"/chat/login?error=1&clientNo={Uri.EscapeDataString(clientNo ?? "")}");
        await http.SignInAsync(AuthSetup.ClientChatScheme, client.ToPrincipal(AuthSetup.ClientChatScheme));
        return TypedResults.Redirect("/chat");
    }

    private static async Task<RedirectHttpResult> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(AuthSetup.ClientChatScheme);
        return TypedResults.Redirect("/chat/login");
    }
}

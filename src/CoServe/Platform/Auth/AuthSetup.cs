using System.Threading.RateLimiting;
using CoServe.Features.Organization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace CoServe.Platform.Auth;

public static class AuthSetup
{
    public const string SmartScheme = "CookieOrToken";
    public const string LoginRateLimit = "login";
    public const string ClientChatScheme = "ClientChat";
    public const string StaffCookie = "coserve.auth";
    public const string ClientChatCookie = "coserve.chat";

    /// <summary>
    /// Console users sign in with a cookie; API callers present bearer tokens. One policy scheme picks the
    /// handler per request, so endpoints and pages share the same authorization rules.
    /// </summary>
    public static IServiceCollection AddCoServeAuth(this IServiceCollection services)
    {
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, SmartScheme, o =>
                o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? ApiTokenAuthenticationHandler.SchemeName
                    : !ctx.Request.Cookies.ContainsKey(StaffCookie) && ctx.Request.Cookies.ContainsKey(ClientChatCookie) ? ClientChatScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = StaffCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = StaffSessionCheck.ValidatePrincipalAsync;
            })
            .AddCookie(ClientChatScheme, o =>
            {
                // The web chat's client session: separate cookie, separate claims, never a staff principal.
                o.LoginPath = "/chat/login";
                o.AccessDeniedPath = "/chat/login";
                o.Cookie.Name = ClientChatCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.ExpireTimeSpan = TimeSpan.FromHours(2);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);

        var staffOnly = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(CurrentStaff.IdClaim).Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(staffOnly)
            .AddPolicy(Policies.Staff, staffOnly)
            .AddPolicy(Policies.Client, p => p.AddAuthenticationSchemes(ClientChatScheme).RequireAuthenticatedUser().RequireClaim(Features.Channels.WebChat.CurrentClient.IdClaim))
            .AddPolicy(Policies.DigitalOps, p => p.RequireClaim(CurrentStaff.IdClaim).RequireRole(nameof(StaffRole.DigitalOps), nameof(StaffRole.Admin)))
            .AddPolicy(Policies.Compliance, p => p.RequireRole(nameof(StaffRole.Compliance), nameof(StaffRole.Admin)))
            .AddPolicy(Policies.Admin, p => p.RequireRole(nameof(StaffRole.Admin)));
        services.AddCascadingAuthenticationState();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(LoginRateLimit, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || ctx.Request.Path.StartsWithSegments("/_blazor", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}

public static class Policies
{
    public const string Staff = "staff";
    public const string Compliance = "compliance";
    public const string Admin = "admin";
    public const string Client = "client";
    public const string DigitalOps = "digitalops";
}

using System.Globalization;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;

namespace CoServe.Features.Security;

/// <summary>Console sign-in and sign-out (cookie), and the UI language switch.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccount(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account").ExcludeFromDescription();
        group.MapPost("/login", LoginAsync).RequireRateLimiting(AuthSetup.LoginRateLimit);
        group.MapPost("/logout", (Delegate)LogoutAsync);
        group.MapGet("/culture", SetCulture);
        return app;
    }

    private static async Task<RedirectHttpResult> LoginAsync(
        [FromForm] string? login,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        SignIn signIn,
        HttpContext http,
        CancellationToken ct)
    {
        var target = SafeReturnUrl(returnUrl);
        var staff = await signIn.ValidateAsync(login, password, ct);
        if (staff is null)
        {
            return TypedResults.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(target)}");
        }
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, staff.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme));
        return TypedResults.Redirect(target);
    }

    private static async Task<RedirectHttpResult> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.Redirect("/login");
    }

    private static RedirectHttpResult SetCulture(string culture, string? returnUrl, HttpContext http)
    {
        var chosen = culture.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "zh-CN";
        http.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(CultureInfo.GetCultureInfo(chosen))),
            new CookieOptions { Expires = DateTimeOffset.MaxValue.AddYears(-1), IsEssential = true, SameSite = SameSiteMode.Lax });
        return TypedResults.Redirect(SafeReturnUrl(returnUrl));
    }

    /// <summary>Only local paths: an open redirect after sign-in is a phishing tool.</summary>
    private static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}

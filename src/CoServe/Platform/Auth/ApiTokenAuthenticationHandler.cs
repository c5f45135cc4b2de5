using System.Text.Encodings.Web;
using CoServe.Features.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CoServe.Platform.Auth;

/// <summary>Authenticates "Authorization: Bearer cst_..." headers against stored token hashes.</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var staff = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (staff is null) return AuthenticateResult.Fail("invalid, expired or revoked token");
        return AuthenticateResult.Success(new AuthenticationTicket(staff.ToPrincipal(SchemeName), SchemeName));
    }
}

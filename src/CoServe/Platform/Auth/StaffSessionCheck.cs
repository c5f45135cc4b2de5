using System.Security.Claims;
using CoServe.Features.Organization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace CoServe.Platform.Auth;

/// <summary>
/// Whether a signed-in staff principal still stands for an active account with the role and branch it was issued
/// with. Checked on every request the console cookie authenticates and, for open console tabs (Blazor circuits, which
/// make no requests), every <see cref="StaffRevalidatingAuthenticationState.Interval"/>: an account deactivated when
/// someone leaves, or a changed role, loses its rights at once instead of keeping them for the cookie's 8 sliding hours.
/// Read from the staff directory's snapshot (at most a few seconds old, dropped when this process changes staff).
/// </summary>
public static class StaffSessionCheck
{
    public static bool StillValid(CurrentStaff signedIn, StaffDirectory.Snapshot directory) =>
        directory.Staff.TryGetValue(signedIn.Id, out var s) && s.IsActive && s.Role == signedIn.Role && s.BranchId == signedIn.BranchId;

    /// <summary>True for a principal that is not a staff member's (the web chat's clients are checked by their own scheme).</summary>
    public static async Task<bool> StillValidAsync(ClaimsPrincipal user, StaffDirectory directory, CancellationToken ct) =>
        CurrentStaff.FromPrincipal(user) is not { } staff || StillValid(staff, await directory.GetAsync(ct));

    /// <summary>The console cookie's check on each request: a stale session is signed out and sent to the login page.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null) return;
        var directory = context.HttpContext.RequestServices.GetRequiredService<StaffDirectory>();
        if (await StillValidAsync(context.Principal, directory, context.HttpContext.RequestAborted)) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}

/// <summary>An open console tab's sign-in, checked again every minute (see <see cref="StaffSessionCheck"/>).</summary>
public sealed class StaffRevalidatingAuthenticationState(ILoggerFactory loggers, StaffDirectory directory) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override TimeSpan RevalidationInterval => Interval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        StaffSessionCheck.StillValidAsync(authenticationState.User, directory, cancellationToken);
}

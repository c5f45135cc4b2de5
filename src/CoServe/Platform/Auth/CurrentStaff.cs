using System.Globalization;
using System.Security.Claims;
using CoServe.Features.Organization;

namespace CoServe.Platform.Auth;

/// <summary>The signed-in staff member, as carried in claims by both the console cookie and API tokens.</summary>
public sealed record CurrentStaff(int Id, string Login, string DisplayName, StaffRole Role, int? BranchId)
{
    public const string IdClaim = "coserve:staff_id";
    public const string BranchClaim = "coserve:branch_id";
    public const string LoginClaim = "coserve:login";

    public bool IsReadOnly => Role == StaffRole.Compliance;

    public static CurrentStaff From(StaffMember s) => new(s.Id, s.Login, s.DisplayName, s.Role, s.BranchId);

    public ClaimsPrincipal ToPrincipal(string authenticationType)
    {
        var claims = new List<Claim>
        {
            new(IdClaim, Id.ToString(CultureInfo.InvariantCulture)),
            new(LoginClaim, Login),
            new(ClaimTypes.Name, DisplayName),
            new(ClaimTypes.Role, Role.ToString()),
        };
        if (BranchId is { } b) claims.Add(new Claim(BranchClaim, b.ToString(CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static CurrentStaff? FromPrincipal(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return null;
        var id = user.FindFirstValue(IdClaim);
        var role = user.FindFirstValue(ClaimTypes.Role);
        if (id is null || role is null || !Enum.TryParse<StaffRole>(role, out var r)) return null;
        var branch = user.FindFirstValue(BranchClaim);
        return new CurrentStaff(
            int.Parse(id, CultureInfo.InvariantCulture),
            user.FindFirstValue(LoginClaim) ?? "",
            user.Identity.Name ?? "",
            r,
            branch is null ? null : int.Parse(branch, CultureInfo.InvariantCulture));
    }

    public static CurrentStaff Require(ClaimsPrincipal? user) =>
        FromPrincipal(user) ?? throw new UnauthorizedAccessException("not signed in");
}

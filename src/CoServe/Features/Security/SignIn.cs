using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Security;

/// <summary>Checks a local account's password (PBKDF2 via ASP.NET Core's password hasher).</summary>
public sealed class SignIn(CoServeDb db, IPasswordHasher<StaffMember> hasher)
{
    private static readonly StaffMember Dummy = CreateDummy();

    public async Task<CurrentStaff?> ValidateAsync(string? login, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password) || password.Length > 256) return null;
        var normalised = login.Trim().ToLowerInvariant();
        var staff = await db.Staff.SingleOrDefaultAsync(s => s.Login == normalised, ct);
        if (staff?.PasswordHash is null || !staff.IsActive)
        {
            // Same work whether or not the account exists, so timing does not reveal logins.
            hasher.VerifyHashedPassword(Dummy, Dummy.PasswordHash!, password);
            return null;
        }
        var result = hasher.VerifyHashedPassword(staff, staff.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            staff.SetPasswordHash(hasher.HashPassword(staff, password));
            await db.SaveChangesAsync(ct);
        }
        return CurrentStaff.From(staff);
    }

    public async Task SetPasswordAsync(string login, string password, CancellationToken ct)
    {
        if (password.Length < 8) throw new ArgumentException("a password needs at least 8 characters", nameof(password));
        var staff = await db.Staff.SingleOrDefaultAsync(s => s.Login == login.Trim().ToLowerInvariant(), ct)
            ?? throw new ArgumentException($"no staff account with login '{login}'", nameof(login));
        staff.SetPasswordHash(hasher.HashPassword(staff, password));
        await db.SaveChangesAsync(ct);
    }

    private static StaffMember CreateDummy()
    {
        var dummy = new StaffMember("dummy", "dummy", StaffRole.Admin, null);
        dummy.SetPasswordHash(new PasswordHasher<StaffMember>().HashPassword(dummy, Guid.NewGuid().ToString()));
        return dummy;
    }
}

using CoServe.Data;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

/// <summary>The staff member a command acts as (<c>--as LOGIN</c>): the same role checks as in the console apply.</summary>
internal static class CliStaff
{
    public static async Task<CurrentStaff> AsAsync(IServiceProvider sp, string login, CancellationToken ct)
    {
        var l = login.Trim().ToLowerInvariant();
        var staff = await sp.GetRequiredService<CoServeDb>().Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Login == l && s.IsActive, ct)
            ?? throw new ArgumentException($"no active staff account '{login}'");
        return CurrentStaff.From(staff);
    }
}

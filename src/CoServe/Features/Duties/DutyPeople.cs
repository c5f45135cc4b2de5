using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties;

/// <summary>Who holds a duty for a client, and who stands on each rung of an escalation ladder. Routing is data.</summary>
public sealed class DutyPeople(CoServeDb db)
{
    /// <summary>The active staff member holding <paramref name="duty"/> for the client (a co-servicer first), or null.</summary>
    public async Task<int?> HolderAsync(long clientId, DutyScope duty, CancellationToken ct) =>
        await db.ClientServicers.AsNoTracking()
            .Where(s => s.ClientId == clientId && s.StaffId != null && (s.Duties & duty) != 0)
            .Where(s => db.Staff.Any(m => m.Id == s.StaffId && m.IsActive))
            .OrderBy(s => s.IsPrimary)
            .ThenBy(s => s.Since)
            .Select(s => s.StaffId)
            .FirstOrDefaultAsync(ct);

    /// <summary>The holder, else the head of the client's branch, else an administrator: somebody always owns a duty.</summary>
    public async Task<int?> OwnerAsync(long clientId, DutyScope duty, CancellationToken ct)
    {
        if (await HolderAsync(clientId, duty, ct) is { } holder) return holder;
        var branch = await db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.BranchId).SingleOrDefaultAsync(ct);
        var head = await db.Staff.AsNoTracking().Where(s => s.IsActive && s.Role == StaffRole.BranchHead && s.BranchId == branch).OrderBy(s => s.Id).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct);
        return head ?? await db.Staff.AsNoTracking().Where(s => s.IsActive && s.Role == StaffRole.Admin).OrderBy(s => s.Id).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>Everyone in a role on a ladder rung: branch heads of the client's branch, or all of Compliance / Admin.</summary>
    public async Task<List<int>> InRoleAsync(StaffRole role, int? branchId, CancellationToken ct)
    {
        var staff = db.Staff.AsNoTracking();
        if (role is StaffRole.BranchHead or StaffRole.ClientManager) staff = staff.Where(s => s.BranchId == branchId);
        return await staff.ActiveInRoleAsync(role, ct);
    }
}

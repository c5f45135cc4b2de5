using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Coverage;

/// <summary>One row of coverage: a servicer (null = the service officer pool) or a branch.</summary>
public sealed record CoverageRow(int? Id, string Name, int Served, int Linked, decimal Percent, bool BelowTarget);

public sealed record CoverageReport(int TargetPercent, CoverageRow Total, IReadOnlyList<CoverageRow> Branches, IReadOnlyList<CoverageRow> Managers);

public sealed record UnlinkedClient(string ClientNo, string Servicer, string? Branch);

public sealed record UnlinkedWorklist(int Total, IReadOnlyList<UnlinkedClient> Clients);

public sealed record AmbiguousContact(string ExternalUserId, IReadOnlyList<string> CandidateClientNos, DateTimeOffset UpdatedAt);

public sealed record LinkRequest(string ClientNo, string ExternalUserId, string? Reason);

public sealed record UnlinkRequest(string ClientNo, string? Reason);

/// <summary>
/// WeCom coverage (添加率) = clients linked to a WeCom external contact / clients served, per primary servicer and
/// per branch, within the caller's scope (a manager his own clients, a branch head his branch, the digital team,
/// compliance and admins everything).
/// </summary>
public sealed class CoverageQueries(IDbContextFactory<CoServeDb> dbFactory, IOptions<CoverageOptions> options)
{
    public async Task<CoverageReport> ReportAsync(CurrentStaff staff, CancellationToken ct)
    {
        var target = options.Value.TargetPercent;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var served = WeComContactLinker.LinkableBy(db.Clients.AsNoTracking(), staff)
            .SelectMany(c => c.Servicers.Where(s => s.IsPrimary), (c, s) => new { s.StaffId, c.BranchId, Linked = c.WeComExternalUserId != null });
        var byStaff = await served.GroupBy(x => x.StaffId)
            .Select(g => new { g.Key, Served = g.Count(), Linked = g.Count(x => x.Linked) }).ToListAsync(ct);
        var byBranch = await served.GroupBy(x => x.BranchId)
            .Select(g => new { g.Key, Served = g.Count(), Linked = g.Count(x => x.Linked) }).ToListAsync(ct);
        var staffIds = byStaff.Where(x => x.Key != null).Select(x => x.Key!.Value).ToList();
        var names = await db.Staff.AsNoTracking().Where(s => staffIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.DisplayName, ct);
        var branches = await db.Branches.AsNoTracking().ToDictionaryAsync(b => b.Id, b => b.Name, ct);

        var managers = byStaff
            .Select(x => Row(x.Key, x.Key is { } id ? names.GetValueOrDefault(id, "#" + id) : ServiceOfficerPool, x.Served, x.Linked, target))
            .OrderBy(r => r.Percent).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var branchRows = byBranch
            .Select(x => Row(x.Key, x.Key is { } id ? branches.GetValueOrDefault(id, "#" + id) : NoBranch, x.Served, x.Linked, target))
            .OrderBy(r => r.Percent).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var total = Row(null, "", byStaff.Sum(x => x.Served), byStaff.Sum(x => x.Linked), target);
        return new CoverageReport(target, total, branchRows, managers);
    }

    /// <summary>Clients in scope not linked to any WeCom contact, optionally of one servicer (0 = the service officer pool).</summary>
    public async Task<UnlinkedWorklist> UnlinkedAsync(CurrentStaff staff, int? servicerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = WeComContactLinker.LinkableBy(db.Clients.AsNoTracking(), staff).Where(c => c.WeComExternalUserId == null)
            .SelectMany(c => c.Servicers.Where(s => s.IsPrimary), (c, s) => new { c.ClientNo, c.BranchId, s.StaffId });
        if (servicerId is 0) q = q.Where(x => x.StaffId == null);
        else if (servicerId is { } sid) q = q.Where(x => x.StaffId == sid);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(x => x.ClientNo).Take(options.Value.WorklistLimit).ToListAsync(ct);
        var staffIds = rows.Where(r => r.StaffId != null).Select(r => r.StaffId!.Value).Distinct().ToList();
        var names = await db.Staff.AsNoTracking().Where(s => staffIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.DisplayName, ct);
        var branches = await db.Branches.AsNoTracking().ToDictionaryAsync(b => b.Id, b => b.Name, ct);
        return new UnlinkedWorklist(total, [.. rows.Select(r => new UnlinkedClient(
            r.ClientNo,
            r.StaffId is { } id ? names.GetValueOrDefault(id, "#" + id) : ServiceOfficerPool,
            r.BranchId is { } b ? branches.GetValueOrDefault(b) : null))]);
    }

    /// <summary>Contacts whose remark mobile matched several clients (or a client linked elsewhere), with the candidates in scope.</summary>
    public async Task<IReadOnlyList<AmbiguousContact>> AmbiguousAsync(CurrentStaff staff, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var matches = await db.WeComContactMatches.AsNoTracking().Where(m => m.State == ContactMatchState.Ambiguous)
            .OrderByDescending(m => m.UpdatedAt).Take(options.Value.WorklistLimit * 5).ToListAsync(ct);
        var ids = matches.SelectMany(m => m.Candidates.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(long.Parse).Distinct().ToList();
        var visible = await WeComContactLinker.LinkableBy(db.Clients.AsNoTracking(), staff).Where(c => ids.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, c => c.ClientNo, ct);
        return [.. matches
            .Select(m => new AmbiguousContact(m.ExternalUserId,
                [.. m.Candidates.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).Where(visible.ContainsKey).Select(id => visible[id])],
                m.UpdatedAt))
            .Where(a => a.CandidateClientNos.Count > 0)
            .Take(options.Value.WorklistLimit)];
    }

    /// <summary>Current external contacts linked to no client, for the manual link form; a manager sees those he follows.</summary>
    public async Task<IReadOnlyList<string>> UnlinkedContactsAsync(CurrentStaff staff, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var contacts = db.WeComContacts.AsNoTracking().Where(x => x.DeletedAt == null
            && !db.Clients.Any(c => c.WeComExternalUserId == x.ExternalUserId));
        if (staff.Role is StaffRole.ClientManager or StaffRole.Advisor)
        {
            var me = await db.Staff.AsNoTracking().Where(s => s.Id == staff.Id).Select(s => s.WeComUserId).FirstOrDefaultAsync(ct);
            contacts = contacts.Where(x => x.FollowUserId == me);
        }
        else if (staff.Role == StaffRole.BranchHead)
        {
            var branchUsers = db.Staff.Where(s => s.BranchId == staff.BranchId && s.WeComUserId != null).Select(s => s.WeComUserId);
            contacts = contacts.Where(x => branchUsers.Contains(x.FollowUserId));
        }
        return await contacts.Select(x => x.ExternalUserId).Distinct().OrderBy(x => x).Take(options.Value.WorklistLimit).ToListAsync(ct);
    }

    /// <summary>Shown for the service officer pool's row (null servicer).</summary>
    public const string ServiceOfficerPool = "服务官";
    public const string NoBranch = "-";

    private static CoverageRow Row(int? id, string name, int served, int linked, int target)
    {
        var percent = served == 0 ? 0m : Math.Round(linked * 100m / served, 1, MidpointRounding.AwayFromZero);
        return new CoverageRow(id, name, served, linked, percent, served > 0 && percent < target);
    }
}

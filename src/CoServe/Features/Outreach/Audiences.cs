using System.Globalization;
using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Outreach;

/// <summary>
/// Who a campaign is for. Empty lists mean "any". Criteria drawn from the client's profile (tier, tags,
/// holdings, risk level, contact recency) make the push personalised in PIPL's sense, so clients who switched
/// personalised push off are left out; branch and servicer alone are not personal characteristics.
/// </summary>
public sealed record AudienceFilter
{
    public IReadOnlyList<AssetTier> Tiers { get; init; } = [];
    public IReadOnlyList<int> BranchIds { get; init; } = [];
    public IReadOnlyList<int> ServicerStaffIds { get; init; } = [];

    /// <summary>Clients whose primary servicer is the service officer pool.</summary>
    public bool OfficerPool { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Holdings { get; init; } = [];
    public IReadOnlyList<SuitabilityLevel> RiskLevels { get; init; } = [];

    /// <summary>Last client, AI or staff message within this many days.</summary>
    public int? ContactedWithinDays { get; init; }

    /// <summary>No client, AI or staff message for at least this many days.</summary>
    public int? NotContactedForDays { get; init; }

    public bool IsPersonalised =>
        Tiers.Count > 0 || Tags.Count > 0 || Holdings.Count > 0 || RiskLevels.Count > 0 || ContactedWithinDays is not null || NotContactedForDays is not null;

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Tiers.Any(t => !Enum.IsDefined(t))) p.Add("unknown tier");
        if (RiskLevels.Any(l => !Enum.IsDefined(l))) p.Add("risk levels are C1-C5");
        if (Tags.Count > 20 || Holdings.Count > 50 || BranchIds.Count > 200 || ServicerStaffIds.Count > 500) p.Add("too many values in one criterion");
        if (ContactedWithinDays is < 1 or > 3650 || NotContactedForDays is < 1 or > 3650) p.Add("contact recency is 1-3650 days");
        return p;
    }

    public AudienceFilter Normalised() => this with
    {
        Tags = [.. Tags.Select(ClientAttributes.NormaliseTag).Distinct(StringComparer.Ordinal)],
        Holdings = [.. Holdings.Select(ClientAttributes.NormaliseCode).Distinct(StringComparer.Ordinal)],
        Tiers = [.. Tiers.Distinct()],
        BranchIds = [.. BranchIds.Distinct()],
        ServicerStaffIds = [.. ServicerStaffIds.Distinct()],
        RiskLevels = [.. RiskLevels.Distinct()],
    };

    public string ToJson() => JsonSerializer.Serialize(this, DetailsJson.Options);

    public static AudienceFilter FromJson(string json) => JsonSerializer.Deserialize<AudienceFilter>(json, DetailsJson.Options) ?? new AudienceFilter();

    /// <summary>A one-line Chinese description for lists and reports.</summary>
    public string Describe(StaffDirectory.Snapshot names)
    {
        var parts = new List<string>();
        if (Tiers.Count > 0) parts.Add("分层：" + string.Join("、", Tiers.Select(t => t == AssetTier.Base ? "两基客户" : "高端客户")));
        if (BranchIds.Count > 0) parts.Add("营业部：" + string.Join("、", BranchIds.Select(names.BranchName)));
        if (ServicerStaffIds.Count > 0 || OfficerPool)
        {
            parts.Add("服务人员：" + string.Join("、", ServicerStaffIds.Select(names.StaffName).Concat(OfficerPool ? [StaffDirectory.ServiceOfficerName] : [])));
        }
        if (Tags.Count > 0) parts.Add("标签：" + string.Join("、", Tags));
        if (Holdings.Count > 0) parts.Add("持仓：" + string.Join("、", Holdings));
        if (RiskLevels.Count > 0) parts.Add("风险等级：" + string.Join("、", RiskLevels));
        if (ContactedWithinDays is { } w) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{w}天内有联系"));
        if (NotContactedForDays is { } n) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n}天以上未联系"));
        return parts.Count == 0 ? "范围内全部客户" : string.Join("；", parts);
    }
}

/// <summary>A saved audience definition.</summary>
public sealed class Audience
{
    private Audience()
    {
    }

    public Audience(string name, AudienceFilter filter, int createdBy, DateTimeOffset now)
    {
        CreatedBy = createdBy;
        CreatedAt = now;
        Update(name, filter, now);
    }

    public long Id { get; private set; }
    public string Name { get; private set; } = "";
    public string FilterJson { get; private set; } = "{}";
    public int CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public AudienceFilter Filter => AudienceFilter.FromJson(FilterJson);

    public void Update(string name, AudienceFilter filter, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 60) throw new ArgumentException("an audience name has 1-60 characters", nameof(name));
        Name = name.Trim();
        FilterJson = filter.ToJson();
        UpdatedAt = now;
    }
}

public sealed record AudienceView(long Id, string Name, AudienceFilter Filter, string Description, string Owner, DateTimeOffset UpdatedAt);

/// <summary>
/// Audiences: saved filters over the client book, always within the data scope of the person who uses them
/// (a branch head targets the branch, the digital team the service officer's clients, admins everyone).
/// </summary>
public sealed class Audiences(CoServeDb db, StaffDirectory directory, TimeProvider clock)
{
    public static bool CanManage(CurrentStaff s) => s.Role is StaffRole.DigitalOps or StaffRole.BranchHead or StaffRole.Admin;

    private static readonly TimelineKind[] ContactKinds = [TimelineKind.ClientMessage, TimelineKind.OfficerMessage, TimelineKind.StaffMessage];

    /// <summary>The audience as a query over <see cref="Client"/>, within the staff member's scope.</summary>
    public async Task<IQueryable<Client>> QueryAsync(CurrentStaff scope, AudienceFilter filter, CancellationToken ct)
    {
        var problems = filter.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(filter));
        var f = filter.Normalised();
        var q = db.Clients.AsNoTracking().VisibleTo(scope).Where(c => !c.IsIncomplete);
        if (f.Tiers.Count > 0)
        {
            var month = await db.SegmentationRuns.AsNoTracking().MaxAsync(r => (int?)r.Month, ct);
            var tiers = f.Tiers.ToList();
            q = month is { } m ? q.Where(c => db.MonthlySegments.Any(s => s.ClientId == c.Id && s.Month == m && tiers.Contains(s.Tier))) : q.Where(_ => false);
        }
        if (f.BranchIds.Count > 0)
        {
            var branches = f.BranchIds.ToList();
            q = q.Where(c => c.BranchId != null && branches.Contains(c.BranchId.Value));
        }
        if (f.ServicerStaffIds.Count > 0 || f.OfficerPool)
        {
            var staff = f.ServicerStaffIds.ToList();
            var pool = f.OfficerPool;
            q = q.Where(c => c.Servicers.Any(s => (s.StaffId != null && staff.Contains(s.StaffId.Value)) || (pool && s.IsPrimary && s.StaffId == null)));
        }
        if (f.Tags.Count > 0)
        {
            var tags = f.Tags.ToList();
            q = q.Where(c => db.ClientTags.Any(t => t.ClientId == c.Id && tags.Contains(t.Tag)));
        }
        if (f.Holdings.Count > 0)
        {
            var codes = f.Holdings.ToList();
            q = q.Where(c => db.ClientHoldings.Any(h => h.ClientId == c.Id && codes.Contains(h.SecurityCode)));
        }
        if (f.RiskLevels.Count > 0)
        {
            var levels = f.RiskLevels.Select(l => (SuitabilityLevel?)l).ToList();
            q = q.Where(c => levels.Contains(c.SuitabilityLevel));
        }
        var now = clock.GetUtcNow();
        var kinds = ContactKinds;
        if (f.ContactedWithinDays is { } within)
        {
            var since = now.AddDays(-within);
            q = q.Where(c => db.TimelineEvents.Any(e => e.ClientId == c.Id && e.At >= since && kinds.Contains(e.Kind)));
        }
        if (f.NotContactedForDays is { } silent)
        {
            var since = now.AddDays(-silent);
            q = q.Where(c => !db.TimelineEvents.Any(e => e.ClientId == c.Id && e.At >= since && kinds.Contains(e.Kind)));
        }
        return q;
    }

    /// <summary>The live count shown while an audience is built.</summary>
    public async Task<int> CountAsync(CurrentStaff staff, AudienceFilter filter, CancellationToken ct) =>
        await (await QueryAsync(staff, filter, ct)).CountAsync(ct);

    public async Task<IReadOnlyList<AudienceView>> ListAsync(CurrentStaff staff, CancellationToken ct)
    {
        var rows = await db.Audiences.AsNoTracking().OrderByDescending(a => a.UpdatedAt).Take(200).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return [.. rows.Where(a => staff.Role is StaffRole.Admin or StaffRole.DigitalOps || a.CreatedBy == staff.Id).Select(a => View(a, names))];
    }

    public async Task<AudienceView?> GetAsync(long id, CancellationToken ct)
    {
        var a = await db.Audiences.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        return a is null ? null : View(a, await directory.GetAsync(ct));
    }

    public async Task<AudienceView> SaveAsync(CurrentStaff staff, long? id, string name, AudienceFilter filter, CancellationToken ct)
    {
        if (!CanManage(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins build audiences");
        var problems = filter.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(filter));
        var normalised = filter.Normalised();
        var now = clock.GetUtcNow();
        Audience audience;
        if (id is { } existing)
        {
            audience = await db.Audiences.SingleOrDefaultAsync(a => a.Id == existing, ct) ?? throw new ArgumentException("no such audience", nameof(id));
            if (audience.CreatedBy != staff.Id && staff.Role != StaffRole.Admin) throw new UnauthorizedAccessException("only its owner changes an audience");
            audience.Update(name, normalised, now);
        }
        else
        {
            audience = new Audience(name, normalised, staff.Id, now);
            db.Audiences.Add(audience);
        }
        await db.SaveChangesAsync(ct);
        return View(audience, await directory.GetAsync(ct));
    }

    private static AudienceView View(Audience a, StaffDirectory.Snapshot names)
    {
        var f = a.Filter;
        return new AudienceView(a.Id, a.Name, f, f.Describe(names), names.StaffName(a.CreatedBy), a.UpdatedAt);
    }
}

internal sealed class AudienceConfiguration : IEntityTypeConfiguration<Audience>
{
    public void Configure(EntityTypeBuilder<Audience> b)
    {
        b.ToTable("Audiences");
        b.Property(x => x.Name).HasMaxLength(60);
        b.Property(x => x.FilterJson).HasMaxLength(8000);
        b.Ignore(x => x.Filter);
        b.HasOne<StaffMember>().WithMany().HasForeignKey(x => x.CreatedBy).OnDelete(DeleteBehavior.Restrict);
    }
}

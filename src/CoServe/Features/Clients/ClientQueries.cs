using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Clients;

public sealed record ClientSearchRequest(
    string? Query = null,
    AssetTier? Tier = null,
    int? BranchId = null,
    string? Servicer = null,
    string? After = null,
    int PageSize = 50);

public sealed record ClientListItem(
    string ClientNo,
    string Name,
    string? Branch,
    AssetTier? Tier,
    decimal? Mada,
    string PrimaryServicer,
    bool IsIncomplete);

public sealed record ClientPage(IReadOnlyList<ClientListItem> Items, string? NextAfter, CalendarMonthInfo? TierMonth, int CountCapped, bool CountIsCapped);

public sealed record CalendarMonthInfo(int Key, string Label);

public sealed record ServicerView(int? StaffId, string Name, StaffRole? Role, bool IsPrimary, DutyScope Duties, DateTimeOffset Since);

public sealed record ConsentView(ConsentPurpose Purpose, bool Granted, DateTimeOffset ChangedAt, string Source);

public sealed record ClientProfile(
    long Id,
    string ClientNo,
    string Name,
    string Mobile,
    string IdNumber,
    string? Branch,
    string? BranchHotline,
    string? DevelopingManager,
    DateOnly? OpenedOn,
    string? WeComExternalUserId,
    SuitabilityLevel? SuitabilityLevel,
    DateOnly? SuitabilityAssessedOn,
    bool IsProfessionalInvestor,
    AmlRiskLevel? AmlRiskLevel,
    bool AmlRiskVisible,
    bool IsIncomplete,
    IReadOnlyList<ServicerView> Servicers,
    IReadOnlyList<ConsentView> Consents);

/// <summary>Scoped reads of the client book: search, list, profile. Personal fields leave only masked.</summary>
public sealed class ClientQueries(CoServeDb db, FieldProtector protector, StaffDirectory directory)
{
    public const int MaxPageSize = 200;
    private const int CountCap = 10_000;

    public async Task<ClientPage> SearchAsync(CurrentStaff staff, ClientSearchRequest request, CancellationToken ct)
    {
        var pageSize = Math.Clamp(request.PageSize, 1, MaxPageSize);
        var q = db.Clients.AsNoTracking().VisibleTo(staff);
        if (await IsBroadAsync(request.Query, ct)) q = NarrowToServiced(q, staff);
        q = ApplyQuery(q, request.Query);
        if (request.BranchId is { } branch) q = q.Where(c => c.BranchId == branch);
        if (!string.IsNullOrWhiteSpace(request.Servicer))
        {
            var servicer = request.Servicer.Trim();
            if (servicer.Equals("pool", StringComparison.OrdinalIgnoreCase))
            {
                q = q.Where(c => c.Servicers.Any(s => s.IsPrimary && s.StaffId == null));
            }
            else if (int.TryParse(servicer, System.Globalization.CultureInfo.InvariantCulture, out var staffId))
            {
                q = q.Where(c => c.Servicers.Any(s => s.StaffId == staffId));
            }
            else
            {
                throw new ArgumentException("servicer must be a staff id or 'pool'", nameof(request));
            }
        }

        var month = await db.SegmentationRuns.AsNoTracking().MaxAsync(r => (int?)r.Month, ct);
        if (request.Tier is { } tier)
        {
            if (month is null) q = q.Where(_ => false);
            else q = q.Where(c => db.MonthlySegments.Any(s => s.ClientId == c.Id && s.Month == month && s.Tier == tier));
        }

        var counted = await q.Take(CountCap + 1).CountAsync(ct);
        if (!string.IsNullOrEmpty(request.After)) q = q.Where(c => string.Compare(c.ClientNo, request.After) > 0);

        // Scalar subqueries, one index lookup per listed client: projecting the primary servicer or the segment as
        // an object makes EF number every servicer and segment row in the book (ROW_NUMBER) on each search.
        var rows = await q.OrderBy(c => c.ClientNo)
            .Take(pageSize + 1)
            .Select(c => new
            {
                c.ClientNo,
                c.NameCipher,
                c.BranchId,
                c.IsIncomplete,
                HasPrimary = c.Servicers.Any(s => s.IsPrimary),
                PrimaryStaffId = c.Servicers.Where(s => s.IsPrimary).Select(s => s.StaffId).FirstOrDefault(),
                Tier = db.MonthlySegments.Where(s => s.ClientId == c.Id && s.Month == month).Select(s => (AssetTier?)s.Tier).FirstOrDefault(),
                Mada = db.MonthlySegments.Where(s => s.ClientId == c.Id && s.Month == month).Select(s => (decimal?)s.Mada).FirstOrDefault(),
            })
            .ToListAsync(ct);

        var staffNames = await directory.GetAsync(ct);
        var items = rows.Take(pageSize).Select(r => new ClientListItem(
            r.ClientNo,
            PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, r.NameCipher)),
            r.BranchId is { } b ? staffNames.BranchName(b) : null,
            r.Tier,
            r.Mada,
            r.HasPrimary ? staffNames.ServicerName(r.PrimaryStaffId) : "",
            r.IsIncomplete)).ToList();
        var next = rows.Count > pageSize ? items[^1].ClientNo : null;
        var monthInfo = month is { } m ? new CalendarMonthInfo(m, Platform.Time.CalendarMonth.FromKey(m).ToString()) : null;
        return new ClientPage(items, next, monthInfo, Math.Min(counted, CountCap), counted > CountCap);
    }

    /// <summary>
    /// Whether the search text matches many clients before scopes apply: no text, or a client_no prefix with more
    /// than <see cref="BroadRange"/> clients (counted on the client_no index, capped). Exact mobiles and names match
    /// a handful and are best found through their own indexes.
    /// </summary>
    private async Task<bool> IsBroadAsync(string? query, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(query)) return true;
        var text = query.Trim();
        if (PersonalDataFormat.IsValidMobile(text) || !ClientNumber.IsValid(text, out _)) return false;
        var prefix = text.ToUpperInvariant();
        var upper = prefix + "\u007f";
        var inRange = await db.Clients.Where(c => string.Compare(c.ClientNo, prefix) >= 0 && string.Compare(c.ClientNo, upper) < 0)
            .Select(c => c.Id).Take(BroadRange + 1).CountAsync(ct);
        return inRange > BroadRange;
    }

    private const int BroadRange = 2_000;

    /// <summary>
    /// The same clients <see cref="ClientScope.VisibleTo"/> allows a manager, advisor or the service officer's team,
    /// stated as "id in (their servicer rows)": for a broad search the store can then start from the servicer
    /// index (a few thousand rows) instead of testing the scope on every client in client_no order.
    /// </summary>
    private IQueryable<Client> NarrowToServiced(IQueryable<Client> q, CurrentStaff staff) => staff.Role switch
    {
        StaffRole.ClientManager or StaffRole.Advisor =>
            q.Where(c => db.ClientServicers.Where(s => s.StaffId == staff.Id).Select(s => s.ClientId).Contains(c.Id)),
        StaffRole.DigitalOps => q.Where(c => db.ClientServicers.Where(s => s.StaffId == null).Select(s => s.ClientId).Contains(c.Id)),
        _ => q,
    };

    /// <summary>
    /// One search box: 11 digits starting with 1 = exact mobile or client_no prefix; client-number characters =
    /// client_no prefix; anything else = exact name. Exact matches go through blind indexes.
    /// </summary>
    private IQueryable<Client> ApplyQuery(IQueryable<Client> q, string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return q;
        var text = query.Trim();
        if (PersonalDataFormat.IsValidMobile(text) && text.All(c => char.IsAsciiDigit(c) || c is ' ' or '-' or '+'))
        {
            var idx = protector.BlindIndex(ProtectedField.Mobile, text);
            var prefix = PersonalDataFormat.Normalise(ProtectedField.Mobile, text);
            var upper = prefix + "\u007f";
            return q.Where(c => c.MobileIndex == idx || (string.Compare(c.ClientNo, prefix) >= 0 && string.Compare(c.ClientNo, upper) < 0));
        }
        if (ClientNumber.IsValid(text, out _))
        {
            var prefix = text.ToUpperInvariant();
            var upper = prefix + "\u007f";
            return q.Where(c => string.Compare(c.ClientNo, prefix) >= 0 && string.Compare(c.ClientNo, upper) < 0);
        }
        var nameIdx = protector.BlindIndex(ProtectedField.Name, text);
        return q.Where(c => c.NameIndex == nameIdx);
    }

    public async Task<Client?> FindVisibleAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        return await db.Clients.AsNoTracking().VisibleTo(staff)
            .Include(c => c.Servicers)
            .Include(c => c.Consents)
            .SingleOrDefaultAsync(c => c.ClientNo == no, ct);
    }

    public async Task<ClientProfile?> ProfileAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var c = await FindVisibleAsync(staff, clientNo, ct);
        if (c is null) return null;
        var names = await directory.GetAsync(ct);
        var amlVisible = ClientScope.CanSeeAmlRisk(staff, c.Servicers);
        return new ClientProfile(
            c.Id,
            c.ClientNo,
            PersonalDataFormat.MaskName(protector.DecryptOrNull(ProtectedField.Name, c.NameCipher)),
            PersonalDataFormat.MaskMobile(protector.DecryptOrNull(ProtectedField.Mobile, c.MobileCipher)),
            PersonalDataFormat.MaskIdNumber(protector.DecryptOrNull(ProtectedField.IdNumber, c.IdNumberCipher)),
            c.BranchId is { } b ? names.BranchName(b) : null,
            c.BranchId is { } b2 ? names.BranchHotline(b2) : null,
            c.DevelopingManagerId is { } m ? names.StaffName(m) : null,
            c.OpenedOn,
            c.WeComExternalUserId,
            c.SuitabilityLevel,
            c.SuitabilityAssessedOn,
            c.IsProfessionalInvestor,
            amlVisible ? c.AmlRiskLevel : null,
            amlVisible,
            c.IsIncomplete,
            c.Servicers.OrderByDescending(s => s.IsPrimary).ThenBy(s => s.StaffId)
                .Select(s => new ServicerView(s.StaffId, names.ServicerName(s.StaffId), s.StaffId is { } id ? names.Role(id) : null, s.IsPrimary, s.Duties, s.Since))
                .ToList(),
            c.Consents.OrderBy(x => x.Purpose).Select(x => new ConsentView(x.Purpose, x.Granted, x.ChangedAt, x.Source)).ToList());
    }
}

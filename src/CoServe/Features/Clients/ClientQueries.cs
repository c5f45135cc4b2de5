using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using System.Linq.Expressions;
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
        var q = ApplyQuery(db.Clients.AsNoTracking().VisibleTo(staff), request.Query);
        var clientFilters = request.BranchId is not null || !string.IsNullOrWhiteSpace(request.Servicer) || request.Tier is not null;
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

        var book = BookOf(staff);
        List<ListRow> rows;
        int counted;
        if (book is not null && IsListOrPrefix(request.Query))
        {
            // A manager's (advisor's, the service officer team's) list or client_no search walks their own servicer
            // rows in client_no order on the (StaffId, ClientNo) index: a page reads its 51 clients and the count no
            // client at all, however large the book. Exact mobiles and names go through their blind indexes below.
            if (!string.IsNullOrWhiteSpace(request.Query))
            {
                var (prefix, upper) = PrefixRange(request.Query);
                book = book.Where(x => string.Compare(x.ClientNo, prefix) >= 0 && string.Compare(x.ClientNo, upper) < 0);
            }
            var listed = book.Join(q, x => x.ClientId, c => c.Id, (x, c) => new { x.ClientNo, Client = c });
            counted = clientFilters ? await listed.Take(CountCap + 1).CountAsync(ct) : await book.Take(CountCap + 1).CountAsync(ct);
            if (!string.IsNullOrEmpty(request.After)) listed = listed.Where(p => string.Compare(p.ClientNo, request.After) > 0);
            rows = await listed.OrderBy(p => p.ClientNo).Take(pageSize + 1).Select(p => p.Client).Select(Project(month)).ToListAsync(ct);
        }
        else
        {
            counted = await q.Take(CountCap + 1).CountAsync(ct);
            if (!string.IsNullOrEmpty(request.After)) q = q.Where(c => string.Compare(c.ClientNo, request.After) > 0);
            rows = await q.OrderBy(c => c.ClientNo).Take(pageSize + 1).Select(Project(month)).ToListAsync(ct);
        }

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

    private sealed record ListRow(string ClientNo, byte[]? NameCipher, int? BranchId, bool IsIncomplete, bool HasPrimary, int? PrimaryStaffId, AssetTier? Tier, decimal? Mada);

    /// <summary>
    /// One listed client. The primary servicer, tier and MADA are scalar subqueries, one index lookup per listed
    /// client: projected as objects, EF numbers every servicer and segment row in the book (ROW_NUMBER) on each search.
    /// </summary>
    private Expression<Func<Client, ListRow>> Project(int? month) => c => new ListRow(
        c.ClientNo,
        c.NameCipher,
        c.BranchId,
        c.IsIncomplete,
        c.Servicers.Any(s => s.IsPrimary),
        c.Servicers.Where(s => s.IsPrimary).Select(s => s.StaffId).FirstOrDefault(),
        db.MonthlySegments.Where(s => s.ClientId == c.Id && s.Month == month).Select(s => (AssetTier?)s.Tier).FirstOrDefault(),
        db.MonthlySegments.Where(s => s.ClientId == c.Id && s.Month == month).Select(s => (decimal?)s.Mada).FirstOrDefault());

    /// <summary>No search text, or text that is a client_no prefix (and not a mobile number).</summary>
    private static bool IsListOrPrefix(string? query) =>
        string.IsNullOrWhiteSpace(query) || (!PersonalDataFormat.IsValidMobile(query.Trim()) && ClientNumber.IsValid(query, out _));

    private static (string Prefix, string Upper) PrefixRange(string query)
    {
        var prefix = query.Trim().ToUpperInvariant();
        return (prefix, prefix + "\u007f");
    }

    /// <summary>
    /// The servicer rows of a manager's, advisor's or the service officer's team's book (one row per client and
    /// servicer), which the client list shows; null for roles whose scope is not a servicer book. (A manager or
    /// advisor may also open a client outside his book while an open handoff of that client is his to work on, see
    /// <see cref="ClientScope.VisibleTo"/>; the list stays his book.)
    /// </summary>
    private IQueryable<ClientServicer>? BookOf(CurrentStaff staff) => staff.Role switch
    {
        StaffRole.ClientManager or StaffRole.Advisor => db.ClientServicers.AsNoTracking().Where(s => s.StaffId == staff.Id),
        StaffRole.DigitalOps => db.ClientServicers.AsNoTracking().Where(s => s.StaffId == null),
        _ => null,
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

using System.Linq.Expressions;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Web;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Coverage;

public sealed class LinkRuleException(string message) : RuleViolationException(message);

/// <summary>
/// Links WeCom external contacts to clients. Automatically only when the remark mobile a member set matches
/// exactly one client's mobile (through the blind index) and neither side is linked elsewhere; anything else
/// goes to the ambiguous worklist for a person to decide. Every link and unlink is audited.
/// </summary>
public sealed partial class WeComContactLinker(IDbContextFactory<CoServeDb> dbFactory, TimeProvider clock, ILogger<WeComContactLinker> logger)
{
    /// <summary>Matches the given external contacts by their current (not deleted) remark mobiles.</summary>
    public async Task MatchAsync(IReadOnlyCollection<string> externalUserIds, CancellationToken ct)
    {
        if (externalUserIds.Count == 0) return;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = externalUserIds.ToList();
        var follows = await db.WeComContacts.AsNoTracking()
            .Where(x => ids.Contains(x.ExternalUserId) && x.DeletedAt == null)
            .Select(x => new { x.ExternalUserId, x.RemarkMobileIndexes }).ToListAsync(ct);
        var indexesByExternal = ids.ToDictionary(id => id, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var f in follows)
        {
            foreach (var ix in f.RemarkMobileIndexes.Split(',', StringSplitOptions.RemoveEmptyEntries)) indexesByExternal[f.ExternalUserId].Add(ix);
        }
        var matches = await db.WeComContactMatches.Where(x => ids.Contains(x.ExternalUserId)).ToDictionaryAsync(x => x.ExternalUserId, StringComparer.Ordinal, ct);
        var linkedClients = await db.Clients.Where(c => c.WeComExternalUserId != null && ids.Contains(c.WeComExternalUserId))
            .ToDictionaryAsync(c => c.WeComExternalUserId!, StringComparer.Ordinal, ct);

        var allIndexes = indexesByExternal.Values.SelectMany(x => x).Distinct(StringComparer.Ordinal).ToList();
        var clientsByIndex = new Dictionary<string, List<Client>>(StringComparer.Ordinal);
        foreach (var chunk in allIndexes.Chunk(50))
        {
            foreach (var c in await db.Clients.Where(MobileIndexIn(chunk)).ToListAsync(ct))
            {
                var key = Convert.ToHexStringLower(c.MobileIndex!);
                if (!clientsByIndex.TryGetValue(key, out var list)) clientsByIndex[key] = list = [];
                list.Add(c);
            }
        }

        var linkedNow = 0;
        foreach (var ext in ids.Distinct(StringComparer.Ordinal))
        {
            if (!matches.TryGetValue(ext, out var match))
            {
                match = new WeComContactMatch { ExternalUserId = ext };
                db.WeComContactMatches.Add(match);
                matches[ext] = match;
            }
            else if (match.State == ContactMatchState.UnlinkedByHand)
            {
                continue;
            }
            match.UpdatedAt = now;
            match.Candidates = "";
            if (linkedClients.ContainsKey(ext))
            {
                match.State = ContactMatchState.Linked;
                continue;
            }
            var indexes = indexesByExternal[ext];
            if (indexes.Count == 0)
            {
                match.State = ContactMatchState.NoRemarkMobile;
                continue;
            }
            var candidates = indexes.SelectMany(ix => clientsByIndex.GetValueOrDefault(ix) ?? []).DistinctBy(c => c.Id).ToList();
            if (candidates.Count == 0)
            {
                match.State = ContactMatchState.NoMatch;
            }
            else if (candidates.Count == 1 && candidates[0].WeComExternalUserId is null)
            {
                var client = candidates[0];
                client.WeComExternalUserId = ext;
                client.Touch(now);
                linkedClients[ext] = client;
                db.WeComLinkAudits.Add(new WeComLinkAudit { ClientId = client.Id, ExternalUserId = ext, Linked = true, Method = LinkMethod.RemarkMobile, At = now });
                match.State = ContactMatchState.Linked;
                linkedNow++;
            }
            else
            {
                // Several clients share the mobile, or the one client is already linked to another contact.
                match.State = ContactMatchState.Ambiguous;
                match.Candidates = string.Join(',', candidates.Take(20).Select(c => c.Id));
            }
        }
        await db.SaveChangesAsync(ct);
        if (linkedNow > 0) LogLinked(logger, linkedNow);
    }

    /// <summary>Links a client to an external contact by hand (the contact must be known and unlinked).</summary>
    public async Task LinkAsync(CurrentStaff staff, string clientNo, string externalUserId, string? reason, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) throw new UnauthorizedAccessException("this role cannot change links");
        var ext = externalUserId?.Trim() ?? "";
        if (ext.Length is 0 or > 64) throw new ArgumentException("externalUserId: 1-64 characters required", nameof(externalUserId));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var client = await FindInScopeAsync(db, staff, clientNo, ct);
        if (client.WeComExternalUserId == ext) return;
        if (client.WeComExternalUserId is not null) throw new LinkRuleException($"client {client.ClientNo} is already linked to another WeCom contact; unlink it first");
        if (!await db.WeComContacts.AnyAsync(x => x.ExternalUserId == ext && x.DeletedAt == null, ct))
        {
            throw new LinkRuleException($"externalUserId {ext} is not a current WeCom external contact of any staff member");
        }
        if (await db.Clients.AnyAsync(c => c.WeComExternalUserId == ext, ct)) throw new LinkRuleException($"externalUserId {ext} is already linked to another client");
        var now = clock.GetUtcNow();
        client.WeComExternalUserId = ext;
        client.Touch(now);
        db.WeComLinkAudits.Add(new WeComLinkAudit { ClientId = client.Id, ExternalUserId = ext, Linked = true, Method = LinkMethod.Manual, StaffId = staff.Id, Reason = Trim(reason), At = now });
        await SetMatchAsync(db, ext, ContactMatchState.Linked, now, ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Removes a client's link by hand; matching will not re-link that contact by itself.</summary>
    public async Task UnlinkAsync(CurrentStaff staff, string clientNo, string? reason, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) throw new UnauthorizedAccessException("this role cannot change links");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var client = await FindInScopeAsync(db, staff, clientNo, ct);
        if (client.WeComExternalUserId is not { } ext) return;
        var now = clock.GetUtcNow();
        client.WeComExternalUserId = null;
        client.Touch(now);
        db.WeComLinkAudits.Add(new WeComLinkAudit { ClientId = client.Id, ExternalUserId = ext, Linked = false, Method = LinkMethod.Manual, StaffId = staff.Id, Reason = Trim(reason), At = now });
        await SetMatchAsync(db, ext, ContactMatchState.UnlinkedByHand, now, ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The contact is no longer followed by anyone: the client is no longer reachable on WeCom.</summary>
    public async Task UnlinkDeletedContactAsync(string externalUserId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.WeComContacts.AnyAsync(x => x.ExternalUserId == externalUserId && x.DeletedAt == null, ct)) return;
        var client = await db.Clients.FirstOrDefaultAsync(c => c.WeComExternalUserId == externalUserId, ct);
        if (client is null) return;
        var now = clock.GetUtcNow();
        client.WeComExternalUserId = null;
        client.Touch(now);
        db.WeComLinkAudits.Add(new WeComLinkAudit { ClientId = client.Id, ExternalUserId = externalUserId, Linked = false, Method = LinkMethod.ContactDeleted, At = now });
        await db.WeComContactMatches.Where(x => x.ExternalUserId == externalUserId).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Clients a staff member may link: CM/advisor his own, branch head his branch, the digital team and admins all.</summary>
    public static IQueryable<Client> LinkableBy(IQueryable<Client> clients, CurrentStaff staff) => staff.Role switch
    {
        StaffRole.Admin or StaffRole.DigitalOps or StaffRole.Compliance => clients,
        StaffRole.BranchHead => clients.Where(c => c.BranchId == staff.BranchId),
        StaffRole.ClientManager or StaffRole.Advisor => clients.Where(c => c.Servicers.Any(s => s.IsPrimary && s.StaffId == staff.Id)),
        _ => clients.Where(_ => false),
    };

    private static async Task<Client> FindInScopeAsync(CoServeDb db, CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(clientNo)) throw new ArgumentException("clientNo is required", nameof(clientNo));
        var no = ClientNumber.Normalise(clientNo);
        return await LinkableBy(db.Clients, staff).FirstOrDefaultAsync(c => c.ClientNo == no, ct)
            ?? throw new ArgumentException($"clientNo {no}: no such client in your scope", nameof(clientNo));
    }

    private static async Task SetMatchAsync(CoServeDb db, string ext, ContactMatchState state, DateTimeOffset now, CancellationToken ct)
    {
        var match = await db.WeComContactMatches.FirstOrDefaultAsync(x => x.ExternalUserId == ext, ct);
        if (match is null) db.WeComContactMatches.Add(match = new WeComContactMatch { ExternalUserId = ext });
        match.State = state;
        match.Candidates = "";
        match.UpdatedAt = now;
    }

    private static string? Trim(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(reason.Trim().Length, 500)];

    private static Expression<Func<Client, bool>> MobileIndexIn(IEnumerable<string> hexIndexes)
    {
        var c = Expression.Parameter(typeof(Client), "c");
        var property = Expression.Property(c, nameof(Client.MobileIndex));
        Expression? body = null;
        foreach (var hex in hexIndexes)
        {
            var value = Expression.Constant(Convert.FromHexString(hex), typeof(byte[]));
            var eq = Expression.Equal(property, value);
            body = body is null ? eq : Expression.OrElse(body, eq);
        }
        return Expression.Lambda<Func<Client, bool>>(body ?? Expression.Constant(false), c);
    }

    [LoggerMessage(LogLevel.Information, "WeCom contacts linked to clients by remark mobile: {Count}")]
    private static partial void LogLinked(ILogger logger, int count);
}

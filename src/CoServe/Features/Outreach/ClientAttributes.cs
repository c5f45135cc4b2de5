using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Outreach;

/// <summary>
/// A label on a client for targeting ("etf-interest", "new-client-2026"). The Insights feature (tags, next best
/// action) may later derive tags itself; until then they are set by staff or imported.
/// </summary>
public sealed class ClientTag
{
    private ClientTag()
    {
    }

    public ClientTag(long clientId, string tag, string source, DateTimeOffset at)
    {
        ClientId = clientId;
        Tag = tag;
        Source = source;
        AddedAt = at;
    }

    public long ClientId { get; private set; }
    public string Tag { get; private set; } = "";
    public string Source { get; private set; } = "";
    public DateTimeOffset AddedAt { get; private set; }
}

/// <summary>
/// A security a client holds, as of the last holdings import: enough to target "holders of 510300". This is
/// a minimal stand-in until a holdings feed exists; quantities and values are deliberately not kept.
/// </summary>
public sealed class ClientHolding
{
    private ClientHolding()
    {
    }

    public ClientHolding(long clientId, string securityCode, DateOnly asOf)
    {
        ClientId = clientId;
        SecurityCode = securityCode;
        AsOf = asOf;
    }

    public long ClientId { get; private set; }
    public string SecurityCode { get; private set; } = "";
    public DateOnly AsOf { get; private set; }
}

public sealed record HoldingRow(string ClientNo, string SecurityCode);

public sealed record HoldingsImportResult(int Clients, int Holdings, IReadOnlyList<string> UnknownClients);

/// <summary>Tags and holdings used by audiences.</summary>
public sealed class ClientAttributes(CoServeDb db, TimeProvider clock)
{
    public const int MaxTagLength = 20;

    public static string NormaliseTag(string tag)
    {
        var t = tag.Trim().ToLowerInvariant();
        if (t.Length is 0 or > MaxTagLength || t.Contains(',', StringComparison.Ordinal)) throw new ArgumentException($"a tag has 1-{MaxTagLength} characters and no comma", nameof(tag));
        return t;
    }

    public static string NormaliseCode(string code)
    {
        var c = code.Trim().ToUpperInvariant();
        if (c.Length is 0 or > 16 || !c.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '.')) throw new ArgumentException("a security code has 1-16 letters, digits or dots", nameof(code));
        return c;
    }

    public async Task<IReadOnlyList<string>> TagsOfAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var no = ClientNumber.Normalise(clientNo);
        return await db.ClientTags.AsNoTracking()
            .Where(t => db.Clients.VisibleTo(staff).Any(c => c.Id == t.ClientId && c.ClientNo == no))
            .OrderBy(t => t.Tag).Select(t => t.Tag).ToListAsync(ct);
    }

    /// <summary>Replaces a client's tags; null when the client is outside the caller's scope.</summary>
    public async Task<IReadOnlyList<string>?> SetTagsAsync(CurrentStaff staff, string clientNo, IReadOnlyList<string> tags, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) throw new UnauthorizedAccessException("your role reads only");
        var no = ClientNumber.Normalise(clientNo);
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is not { } id) return null;
        var wanted = tags.Select(NormaliseTag).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count > 50) throw new ArgumentException("at most 50 tags per client", nameof(tags));
        var existing = await db.ClientTags.Where(t => t.ClientId == id).ToListAsync(ct);
        db.ClientTags.RemoveRange(existing.Where(t => !wanted.Contains(t.Tag)));
        var now = clock.GetUtcNow();
        foreach (var t in wanted.Where(t => existing.All(e => e.Tag != t))) db.ClientTags.Add(new ClientTag(id, t, $"staff:{staff.Id}", now));
        await db.SaveChangesAsync(ct);
        return wanted.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Tags in use, most common first, for the audience builder.</summary>
    public async Task<IReadOnlyList<(string Tag, int Clients)>> KnownTagsAsync(CancellationToken ct)
    {
        var rows = await db.ClientTags.AsNoTracking().GroupBy(t => t.Tag).Select(g => new { Tag = g.Key, Count = g.Count() })
            .OrderByDescending(x => x.Count).Take(100).ToListAsync(ct);
        return [.. rows.Select(r => (r.Tag, r.Count))];
    }

    /// <summary>Replaces the holdings of every client named in the rows (a full position file per client).</summary>
    public async Task<HoldingsImportResult> ImportHoldingsAsync(CurrentStaff staff, IReadOnlyList<HoldingRow> rows, DateOnly asOf, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("holdings are imported by the digital team or an admin");
        var byClient = rows.GroupBy(r => ClientNumber.Normalise(r.ClientNo)).ToDictionary(g => g.Key, g => g.Select(r => NormaliseCode(r.SecurityCode)).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var numbers = byClient.Keys.ToList();
        var ids = await db.Clients.AsNoTracking().Where(c => numbers.Contains(c.ClientNo)).Select(c => new { c.Id, c.ClientNo }).ToListAsync(ct);
        var unknown = numbers.Except(ids.Select(i => i.ClientNo), StringComparer.Ordinal).ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var clientIds = ids.Select(i => i.Id).ToList();
        await db.ClientHoldings.Where(h => clientIds.Contains(h.ClientId)).ExecuteDeleteAsync(ct);
        var count = 0;
        foreach (var c in ids)
        {
            foreach (var code in byClient[c.ClientNo])
            {
                db.ClientHoldings.Add(new ClientHolding(c.Id, code, asOf));
                count++;
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new HoldingsImportResult(ids.Count, count, unknown);
    }
}

internal sealed class ClientTagConfiguration : IEntityTypeConfiguration<ClientTag>
{
    public void Configure(EntityTypeBuilder<ClientTag> b)
    {
        b.ToTable("ClientTags");
        b.HasKey(x => new { x.ClientId, x.Tag });
        b.Property(x => x.Tag).HasMaxLength(ClientAttributes.MaxTagLength);
        b.Property(x => x.Source).HasMaxLength(32);
        b.HasIndex(x => new { x.Tag, x.ClientId });
        b.HasOne<Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ClientHoldingConfiguration : IEntityTypeConfiguration<ClientHolding>
{
    public void Configure(EntityTypeBuilder<ClientHolding> b)
    {
        b.ToTable("ClientHoldings");
        b.HasKey(x => new { x.ClientId, x.SecurityCode });
        b.Property(x => x.SecurityCode).HasMaxLength(16);
        b.HasIndex(x => new { x.SecurityCode, x.ClientId });
        b.HasOne<Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

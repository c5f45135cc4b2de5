using System.Security.Cryptography;
using System.Text;
using CoServe.Data;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Security;

public sealed record IssuedToken(long Id, string Token, string Login, DateTimeOffset? ExpiresAt);

public sealed record TokenInfo(long Id, string Login, string Prefix, string? Label, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>Creates, lists, revokes and validates API bearer tokens.</summary>
public sealed class ApiTokens(CoServeDb db, TimeProvider clock)
{
    private const string TokenPrefix = "cst_";

    public async Task<IssuedToken> CreateAsync(string login, TimeSpan? lifetime, string? label, CancellationToken ct)
    {
        var staff = await db.Staff.SingleOrDefaultAsync(s => s.Login == login.Trim().ToLowerInvariant(), ct)
            ?? throw new ArgumentException($"no staff account with login '{login}'", nameof(login));
        if (!staff.IsActive) throw new ArgumentException($"staff account '{login}' is deactivated", nameof(login));
        if (lifetime is { } l && l <= TimeSpan.Zero) throw new ArgumentException("expiry must be in the future", nameof(lifetime));

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var entity = new ApiToken(staff.Id, Hash(token), token[..10], now, now + lifetime, label);
        db.ApiTokens.Add(entity);
        await db.SaveChangesAsync(ct);
        return new IssuedToken(entity.Id, token, staff.Login, entity.ExpiresAt);
    }

    public async Task<IReadOnlyList<TokenInfo>> ListAsync(string? login, CancellationToken ct)
    {
        var q = from t in db.ApiTokens
                join s in db.Staff on t.StaffId equals s.Id
                select new { t, s.Login };
        if (!string.IsNullOrWhiteSpace(login)) q = q.Where(x => x.Login == login.Trim().ToLowerInvariant());
        var rows = await q.ToListAsync(ct);
        return rows.OrderBy(x => x.t.Id)
            .Select(x => new TokenInfo(x.t.Id, x.Login, x.t.Prefix, x.t.Label, x.t.CreatedAt, x.t.ExpiresAt, x.t.RevokedAt))
            .ToList();
    }

    public async Task<bool> RevokeAsync(long id, CancellationToken ct)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, ct);
        if (token is null) return false;
        token.Revoke(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The staff member a presented token belongs to, or null when it is unknown, expired or revoked.</summary>
    public async Task<CurrentStaff?> ValidateAsync(string presented, CancellationToken ct)
    {
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length > 100) return null;
        var hash = Hash(presented);
        var row = await (from t in db.ApiTokens
                         join s in db.Staff on t.StaffId equals s.Id
                         where t.Hash == hash
                         select new { t, s }).SingleOrDefaultAsync(ct);
        if (row is null || !row.s.IsActive || !row.t.IsValidAt(clock.GetUtcNow())) return null;
        return CurrentStaff.From(row.s);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Parses lifetimes like 30m, 12h, 1d, 4w; "never" or empty means no expiry.</summary>
    public static TimeSpan? ParseLifetime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Equals("never", StringComparison.OrdinalIgnoreCase)) return null;
        var t = text.Trim();
        if (t.Length < 2 || !int.TryParse(t[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new FormatException($"'{text}' is not a lifetime; use e.g. 30m, 12h, 1d, 4w or never");
        }
        return char.ToLowerInvariant(t[^1]) switch
        {
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            'w' => TimeSpan.FromDays(7 * n),
            _ => throw new FormatException($"'{text}' is not a lifetime; use e.g. 30m, 12h, 1d, 4w or never"),
        };
    }
}

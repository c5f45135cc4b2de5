using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Channels.WebChat;

/// <summary>The client signed in to the web chat.</summary>
public sealed record CurrentClient(long ClientId, string ClientNo)
{
    public const string IdClaim = "coserve:client_id";
    public const string NoClaim = "coserve:client_no";

    public ClaimsPrincipal ToPrincipal(string scheme) => new(new ClaimsIdentity(
        [new Claim(IdClaim, ClientId.ToString(CultureInfo.InvariantCulture)), new Claim(NoClaim, ClientNo), new Claim(ClaimTypes.Name, ClientNo)],
        scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static CurrentClient? FromPrincipal(ClaimsPrincipal? user)
    {
        var id = user?.FindFirstValue(IdClaim);
        var no = user?.FindFirstValue(NoClaim);
        return id is null || no is null ? null : new CurrentClient(long.Parse(id, CultureInfo.InvariantCulture), no);
    }
}

/// <summary>
/// Demo sign-in for the web chat, the stand-in for WeChat: staff issue a one-time code for a client on the
/// console's demo page; the client enters client number and code. Codes expire after ten minutes, work once and
/// lock after five wrong tries.
/// </summary>
public sealed class WebChatAccess(CoServeDb db, TimeProvider clock)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);

    public async Task<string?> IssueAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Admin or StaffRole.DigitalOps)) throw new UnauthorizedAccessException("only the digital team issues demo chat codes");
        var no = clientNo.Trim().ToUpperInvariant();
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is null) return null;
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var now = clock.GetUtcNow();
        db.Add(new ChatLoginCode(clientId.Value, Hash(clientId.Value, code), staff.Id, now, now + CodeLifetime));
        await db.SaveChangesAsync(ct);
        return code;
    }

    public async Task<CurrentClient?> RedeemAsync(string? clientNo, string? code, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(clientNo) || string.IsNullOrWhiteSpace(code)) return null;
        var no = clientNo.Trim().ToUpperInvariant();
        var client = await db.Clients.AsNoTracking().Where(c => c.ClientNo == no).Select(c => new { c.Id, c.ClientNo }).SingleOrDefaultAsync(ct);
        if (client is null) return null;
        var now = clock.GetUtcNow();
        var codes = await db.Set<ChatLoginCode>().Where(c => c.ClientId == client.Id && c.ExpiresAt > now && c.UsedAt == null).ToListAsync(ct);
        var hash = Hash(client.Id, code.Trim());
        var match = codes.FirstOrDefault(c => c.IsUsable(now) && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(c.CodeHash), Encoding.ASCII.GetBytes(hash)));
        if (match is null)
        {
            foreach (var c in codes) c.Fail();
            await db.SaveChangesAsync(ct);
            return null;
        }
        match.Use(now);
        await db.SaveChangesAsync(ct);
        return new CurrentClient(client.Id, client.ClientNo);
    }

    private static string Hash(long clientId, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}:{code}")));
}

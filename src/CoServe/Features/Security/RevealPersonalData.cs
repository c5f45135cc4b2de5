using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Security;

public sealed record RevealResult(string ClientNo, ProtectedField Field, string? Value);

public sealed record AuditRow(long Id, DateTimeOffset At, string Staff, string ClientNo, ProtectedField Field, AccessPurpose? Kind, string Purpose, string Channel);

/// <summary>
/// Unmasking a personal field: allowed only for clients in the caller's scope, only with a stated purpose,
/// and always audited (PIPL: least privilege, every full read recorded).
/// </summary>
public sealed class RevealPersonalData(CoServeDb db, FieldProtector protector, TimeProvider clock)
{
    public const int MinPurposeLength = 4;
    public const int MaxPurposeLength = 200;

    /// <returns>null when the client is not in scope (callers answer 404).</returns>
    /// <param name="staff">Who reads.</param>
    /// <param name="clientNo">Whose field.</param>
    /// <param name="field">Which field.</param>
    /// <param name="kind">The purpose's category (the client sees it, except an AML purpose).</param>
    /// <param name="purpose">The purpose in the reader's words (audit only).</param>
    /// <param name="channel">console or api.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<RevealResult?> RevealAsync(CurrentStaff staff, string clientNo, ProtectedField field, AccessPurpose kind, string? purpose, string channel, CancellationToken ct)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentException("unknown purpose category", nameof(kind));
        var reason = purpose?.Trim() ?? "";
        if (reason.Length < MinPurposeLength)
        {
            throw new ArgumentException($"state the purpose of viewing this field (at least {MinPurposeLength} characters)", nameof(purpose));
        }
        if (reason.Length > MaxPurposeLength) throw new ArgumentException($"purpose is longer than {MaxPurposeLength} characters", nameof(purpose));
        if (!Enum.IsDefined(field)) throw new ArgumentException("unknown field", nameof(field));

        var no = clientNo.Trim().ToUpperInvariant();
        var client = await db.Clients.AsNoTracking().VisibleTo(staff)
            .Where(c => c.ClientNo == no)
            .Select(c => new { c.Id, c.ClientNo, c.NameCipher, c.MobileCipher, c.IdNumberCipher })
            .SingleOrDefaultAsync(ct);
        if (client is null) return null;

        db.PersonalDataAccesses.Add(new PersonalDataAccess(staff, client.Id, field, kind, reason, channel, clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);

        var cipher = field switch
        {
            ProtectedField.Name => client.NameCipher,
            ProtectedField.Mobile => client.MobileCipher,
            ProtectedField.IdNumber => client.IdNumberCipher,
            _ => null,
        };
        return new RevealResult(client.ClientNo, field, protector.DecryptOrNull(field, cipher));
    }

    /// <summary>Newest first; Compliance and Admin only (enforced by callers' policy).</summary>
    public async Task<IReadOnlyList<AuditRow>> ListAsync(string? clientNo, int take, CancellationToken ct)
    {
        var q = from a in db.PersonalDataAccesses.AsNoTracking()
                join s in db.Staff on a.StaffId equals s.Id
                join c in db.Clients on a.ClientId equals c.Id
                select new { a, s.DisplayName, s.Login, c.ClientNo };
        if (!string.IsNullOrWhiteSpace(clientNo))
        {
            var no = clientNo.Trim().ToUpperInvariant();
            q = q.Where(x => x.ClientNo == no);
        }
        var rows = await q.OrderByDescending(x => x.a.At).ThenByDescending(x => x.a.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(ct);
        return rows.Select(x => new AuditRow(x.a.Id, x.a.At, $"{x.DisplayName} ({x.Login})", x.ClientNo, x.a.Field, x.a.Kind, x.a.Purpose, x.a.Channel)).ToList();
    }
}

using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Transfers;

public sealed record PinView(long Id, string ClientNo, bool ClientRequest, string Reason, string ApprovedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>Pins keep clients with their current servicer: set by branch heads and the digital team, with reason and expiry.</summary>
public sealed class TransferPins(CoServeDb db, StaffDirectory directory, TimeProvider clock)
{
    public async Task<long> PinAsync(CurrentStaff staff, string clientNo, bool clientRequest, string reason, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.BranchHead or StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only branch heads and the digital team pin clients");
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 4) throw new ArgumentException("give the reason (at least 4 characters)", nameof(reason));
        if (expiresAt is { } e && e <= clock.GetUtcNow()) throw new ArgumentException("the expiry must be in the future", nameof(expiresAt));
        var no = clientNo.Trim().ToUpperInvariant();
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct)
            ?? throw new ArgumentException($"no client {no} in your scope", nameof(clientNo));
        var pin = new TransferPin(clientId, clientRequest, reason.Trim(), staff.Id, clock.GetUtcNow(), expiresAt);
        db.TransferPins.Add(pin);
        await db.SaveChangesAsync(ct);
        return pin.Id;
    }

    public async Task UnpinAsync(CurrentStaff staff, long pinId, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.BranchHead or StaffRole.DigitalOps or StaffRole.Admin)) throw new UnauthorizedAccessException("only branch heads and the digital team remove pins");
        var pin = await db.TransferPins.SingleOrDefaultAsync(p => p.Id == pinId, ct) ?? throw new ArgumentException($"no pin #{pinId}", nameof(pinId));
        pin.RemovedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<PinView>> ActiveAsync(CurrentStaff staff, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var visible = db.Clients.VisibleTo(staff);
        var rows = await (from p in db.TransferPins.AsNoTracking()
                          join c in visible on p.ClientId equals c.Id
                          where p.RemovedAt == null && (p.ExpiresAt == null || p.ExpiresAt > now)
                          orderby p.Id descending
                          select new { p, c.ClientNo }).Take(500).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        return rows.Select(r => new PinView(r.p.Id, r.ClientNo, r.p.ClientRequest, r.p.Reason, names.StaffName(r.p.ApprovedByStaffId), r.p.CreatedAt, r.p.ExpiresAt)).ToList();
    }
}

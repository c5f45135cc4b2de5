using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Channels.WeCom.Stored;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Coverage;

/// <summary>
/// External contacts in the store, keyed by (member, customer), and matched to clients after every change.
/// Remark mobiles are kept only as blind indexes under the clients' index key, so they compare with
/// <see cref="Clients.Client.MobileIndex"/> and cannot be read back.
/// </summary>
public sealed class WeComContactBook(IDbContextFactory<CoServeDb> dbFactory, FieldProtector protector, WeComContactLinker linker, TimeProvider clock) : IWeComContactStore
{
    public async ValueTask<int> UpsertAsync(IReadOnlyList<WeComExternalContact> contacts, CancellationToken ct)
    {
        if (contacts.Count == 0) return 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var added = await UpsertOnceAsync(contacts, ct);
                await linker.MatchAsync([.. contacts.Select(c => c.ExternalUserId).Distinct(StringComparer.Ordinal)], ct);
                return added;
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex) && attempt < 2)
            {
                // Another writer (an event beside a sync) inserted the same pair: the next pass updates it.
            }
        }
    }

    /// <summary>Marks the member's follow of the customer deleted; true when a row was there.</summary>
    public async Task<bool> MarkDeletedAsync(string followUserId, string externalUserId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.WeComContacts.Where(x => x.FollowUserId == followUserId && x.ExternalUserId == externalUserId && x.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.DeletedAt, now).SetProperty(x => x.UpdatedAt, now), ct);
        return rows > 0;
    }

    private async Task<int> UpsertOnceAsync(IReadOnlyList<WeComExternalContact> contacts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var externals = contacts.Select(c => c.ExternalUserId).Distinct(StringComparer.Ordinal).ToList();
        var existing = (await db.WeComContacts.Where(x => externals.Contains(x.ExternalUserId)).ToListAsync(ct))
            .ToDictionary(x => (x.FollowUserId, x.ExternalUserId));
        var added = 0;
        foreach (var c in contacts)
        {
            if (!existing.TryGetValue((c.FollowUserId, c.ExternalUserId), out var row))
            {
                row = new WeComContactRow { FollowUserId = c.FollowUserId, ExternalUserId = c.ExternalUserId };
                db.WeComContacts.Add(row);
                existing[(c.FollowUserId, c.ExternalUserId)] = row;
                added++;
            }
            row.Type = c.Type;
            row.TagIds = string.Join(',', c.TagIds);
            row.RemarkMobileIndexes = string.Join(',', c.RemarkMobiles
                .Where(PersonalDataFormat.IsValidMobile)
                .Select(m => Convert.ToHexStringLower(protector.BlindIndex(ProtectedField.Mobile, m)))
                .Distinct(StringComparer.Ordinal));
            row.AddedAt = c.AddedAt;
            row.UpdatedAt = now;
            row.DeletedAt = null;
        }
        await db.SaveChangesAsync(ct);
        return added;
    }
}

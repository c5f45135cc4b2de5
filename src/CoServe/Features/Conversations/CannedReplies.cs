using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Conversations;

public sealed record CannedReplyView(int Id, string Title, string Text);

/// <summary>The team library of canned replies: everyone uses them; the digital team and admins maintain them.</summary>
public sealed class CannedReplies(CoServeDb db, TimeProvider clock)
{
    public static bool CanEdit(CurrentStaff staff) => staff.Role is StaffRole.DigitalOps or StaffRole.Admin;

    public async Task<IReadOnlyList<CannedReplyView>> ListAsync(CancellationToken ct) =>
        await db.CannedReplies.AsNoTracking().OrderBy(c => c.Title).Select(c => new CannedReplyView(c.Id, c.Title, c.Text)).ToListAsync(ct);

    public async Task SaveAsync(CurrentStaff staff, int? id, string title, string text, CancellationToken ct)
    {
        if (!CanEdit(staff)) throw new UnauthorizedAccessException("only the digital team maintains canned replies");
        var now = clock.GetUtcNow();
        if (id is { } existing)
        {
            var reply = await db.CannedReplies.SingleOrDefaultAsync(c => c.Id == existing, ct) ?? throw new ArgumentException("no such canned reply", nameof(id));
            reply.Update(title, text, staff.Id, now);
        }
        else
        {
            if (await db.CannedReplies.AnyAsync(c => c.Title == title.Trim(), ct)) throw new ArgumentException($"a canned reply titled '{title.Trim()}' exists", nameof(title));
            db.CannedReplies.Add(new CannedReply(title, text, staff.Id, now));
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(CurrentStaff staff, int id, CancellationToken ct)
    {
        if (!CanEdit(staff)) throw new UnauthorizedAccessException("only the digital team maintains canned replies");
        await db.CannedReplies.Where(c => c.Id == id).ExecuteDeleteAsync(ct);
    }
}

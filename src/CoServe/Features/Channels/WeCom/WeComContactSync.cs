using System.Security.Cryptography;
using System.Text;

namespace CoServe.Features.Channels.WeCom;

public sealed record ContactSyncReport(int Pages, int Contacts, int NewContacts, bool Resumed);

/// <summary>
/// Syncs staff members' external contacts with batch/get_by_user (100 members and 100 contacts per page).
/// The cursor is stored after each page is saved, so an interrupted sync resumes where it stopped; the
/// store is keyed by (member, customer), so a page fetched twice never adds duplicates.
/// </summary>
public sealed partial class WeComContactSync(WeComApiClient api, IWeComCursorStore cursors, IWeComContactStore store, ILogger<WeComContactSync> logger)
{
    public const int MaxUsersPerCall = 100;
    public const int PageSize = 100;

    public async Task<ContactSyncReport> SyncAsync(string app, IReadOnlyList<string> staffUserIds, CancellationToken ct)
    {
        int pages = 0, contacts = 0, added = 0;
        var resumed = false;
        foreach (var batch in staffUserIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Chunk(MaxUsersPerCall))
        {
            var key = CursorKey(app, batch);
            var cursor = await cursors.GetAsync(key, ct);
            resumed |= cursor is not null;
            do
            {
                var page = (await api.ContactBatchGetByUserAsync(app, new BatchGetByUserRequest { UseridList = [.. batch], Cursor = cursor, Limit = PageSize }, ct)).Require();
                var rows = page.ExternalContactList.Select(ToContact).ToList();
                added += await store.UpsertAsync(rows, ct);
                contacts += rows.Count;
                pages++;
                cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
                // Cleared when the batch is done, so the next run is a full pass again.
                await cursors.SetAsync(key, cursor, ct);
            }
            while (cursor is not null);
        }
        LogSynced(logger, app, pages, contacts, added);
        return new ContactSyncReport(pages, contacts, added, resumed);
    }

    private static WeComExternalContact ToContact(ContactByUserItem item) => new(
        item.ExternalContact.ExternalUserid,
        item.FollowInfo.Userid,
        item.ExternalContact.Name,
        item.ExternalContact.Type,
        item.FollowInfo.Remark,
        item.FollowInfo.RemarkMobiles,
        item.FollowInfo.TagId,
        item.FollowInfo.Createtime > 0 ? DateTimeOffset.FromUnixTimeSeconds(item.FollowInfo.Createtime) : null);

    private static string CursorKey(string app, string[] batch)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', batch)));
        return $"contacts:{app}:{Convert.ToHexStringLower(hash.AsSpan(0, 12))}";
    }

    [LoggerMessage(LogLevel.Information, "WeCom contact sync for app {App}: {Pages} pages, {Contacts} contacts, {Added} new")]
    private static partial void LogSynced(ILogger logger, string app, int pages, int contacts, int added);
}

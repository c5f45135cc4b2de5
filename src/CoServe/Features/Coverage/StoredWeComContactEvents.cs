using CoServe.Features.Channels.WeCom;

namespace CoServe.Features.Coverage;

/// <summary>
/// change_external_contact into the stored contacts: add and edit re-read the contact with externalcontact/get
/// (the callback carries no remark mobiles) and re-match it; delete marks the member's follow deleted and, when
/// nobody follows the customer any more (and it was not a transfer), unlinks the client. transfer_fail is only
/// logged: it names the takeover member, not always the customer, and the transfer worker reconciles through
/// transfer_result.
/// </summary>
public sealed partial class StoredWeComContactEvents(WeComApiClient api, WeComContactBook book, WeComContactLinker linker, ILogger<StoredWeComContactEvents> logger) : IWeComContactEvents
{
    public async Task OnContactChangedAsync(WeComContactChange change, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(change.ExternalUserId))
        {
            LogNoCustomer(logger, change.App, change.GetType().Name);
            return;
        }
        switch (change)
        {
            case ExternalContactAdded or ExternalContactEdited:
                await RefreshAsync(change.App, change.ExternalUserId, ct);
                return;
            case ExternalContactDeleted deleted:
                await book.MarkDeletedAsync(deleted.UserId, deleted.ExternalUserId!, ct);
                if (deleted.Source != "DELETE_BY_TRANSFER") await linker.UnlinkDeletedContactAsync(deleted.ExternalUserId!, ct);
                return;
            case ExternalContactTransferFailed failed:
                LogTransferFailed(logger, failed.App, failed.FailReason);
                return;
            default:
                LogNoCustomer(logger, change.App, change.GetType().Name);
                return;
        }
    }

    /// <summary>Reads every member's follow of the customer (externalcontact/get pages follow_user by cursor) and stores it.</summary>
    public async Task RefreshAsync(string app, string externalUserId, CancellationToken ct)
    {
        var contacts = new List<WeComExternalContact>();
        string? cursor = null;
        do
        {
            var reply = (await api.ContactGetAsync(app, externalUserId, cursor, ct)).Require();
            var info = reply.ExternalContact;
            contacts.AddRange(reply.FollowUser.Select(f => new WeComExternalContact(
                externalUserId, f.Userid, null, info?.Type ?? 0, null, f.RemarkMobiles,
                [.. f.Tags.Select(t => t.TagId).OfType<string>()],
                f.Createtime > 0 ? DateTimeOffset.FromUnixTimeSeconds(f.Createtime) : null)));
            cursor = string.IsNullOrEmpty(reply.NextCursor) ? null : reply.NextCursor;
        }
        while (cursor is not null);
        await book.UpsertAsync(contacts, ct);
    }

    [LoggerMessage(LogLevel.Debug, "WeCom contact event {Kind} for app {App} names no customer; nothing to store")]
    private static partial void LogNoCustomer(ILogger logger, string app, string kind);

    [LoggerMessage(LogLevel.Information, "WeCom transfer_fail for app {App} ({Reason}); reconciled through transfer_result")]
    private static partial void LogTransferFailed(ILogger logger, string app, string? reason);
}

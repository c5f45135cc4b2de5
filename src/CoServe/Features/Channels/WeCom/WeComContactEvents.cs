namespace CoServe.Features.Channels.WeCom;

/// <summary>A change_external_contact callback, as a typed event for the co-service core.</summary>
public abstract record WeComContactChange(string App, string UserId, string? ExternalUserId, DateTimeOffset At);

/// <summary>add_external_contact: a member added a customer (State is the 联系我 state the member set).</summary>
public sealed record ExternalContactAdded(string App, string UserId, string? ExternalUserId, DateTimeOffset At, string? State, string? WelcomeCode)
    : WeComContactChange(App, UserId, ExternalUserId, At);

/// <summary>del_external_contact: the member deleted the customer (Source DELETE_BY_TRANSFER after a transfer).</summary>
public sealed record ExternalContactDeleted(string App, string UserId, string? ExternalUserId, DateTimeOffset At, string? Source)
    : WeComContactChange(App, UserId, ExternalUserId, At);

/// <summary>edit_external_contact: remark, description, tags or remark mobiles changed; re-read with externalcontact/get.</summary>
public sealed record ExternalContactEdited(string App, string UserId, string? ExternalUserId, DateTimeOffset At)
    : WeComContactChange(App, UserId, ExternalUserId, At);

/// <summary>
/// transfer_fail: a transfer to UserId (the takeover member) failed — customer_refused or customer_limit_exceed.
/// WeCom does not always say which customer: reconcile through transfer_result.
/// </summary>
public sealed record ExternalContactTransferFailed(string App, string UserId, string? ExternalUserId, DateTimeOffset At, string? FailReason)
    : WeComContactChange(App, UserId, ExternalUserId, At);

/// <summary>Implemented by the co-service core (contact links, coverage, transfer reconciliation).</summary>
public interface IWeComContactEvents
{
    Task OnContactChangedAsync(WeComContactChange change, CancellationToken ct);
}

/// <summary>Default until the core registers its own: the events are logged by the worker and dropped here.</summary>
internal sealed class IgnoreWeComContactEvents : IWeComContactEvents
{
    public Task OnContactChangedAsync(WeComContactChange change, CancellationToken ct) => Task.CompletedTask;
}

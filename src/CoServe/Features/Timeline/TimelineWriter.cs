using System.Text.Json;
using CoServe.Data;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;

namespace CoServe.Features.Timeline;

/// <summary>
/// Appends events to the caller's unit of work (nothing is saved here) and pushes them live once the caller
/// has committed. Every feature writes its timeline events through this one class. Batches of messages
/// (<see cref="Defer"/>) keep their events out of change tracking and store them with one multi-row insert.
/// </summary>
public sealed class TimelineWriter(CoServeDb db, FieldProtector protector, LiveEvents live, TimeProvider clock)
{
    private static readonly string[] Columns =
    [
        nameof(TimelineEvent.ClientId), nameof(TimelineEvent.Kind), nameof(TimelineEvent.Actor), nameof(TimelineEvent.ActorStaffId),
        nameof(TimelineEvent.Channel), nameof(TimelineEvent.Visibility), nameof(TimelineEvent.At), nameof(TimelineEvent.TextCipher),
        nameof(TimelineEvent.Details), nameof(TimelineEvent.ConversationId), nameof(TimelineEvent.TicketId), nameof(TimelineEvent.CorrelationId),
        nameof(TimelineEvent.IdempotencyKey), nameof(TimelineEvent.Mentions),
    ];

    private readonly List<TimelineEvent> _appended = [];
    private readonly List<TimelineEvent> _deferred = [];
    private bool _defer;

    /// <summary>
    /// Until <see cref="StoreAsync"/>, appended events are not added to the change tracker: the caller stores them
    /// with that call inside its transaction, and an event's id is known only after it.
    /// </summary>
    public void Defer() => _defer = true;

    /// <summary>
    /// Inserts the deferred events with one multi-row statement in the caller's transaction and gives them their ids;
    /// events appended after this go to the change tracker again.
    /// </summary>
    public async Task StoreAsync(CancellationToken ct)
    {
        _defer = false;
        if (_deferred.Count == 0) return;
        var rows = _deferred.Select(e => new object?[]
        {
            e.ClientId, e.Kind, e.Actor, e.ActorStaffId, e.Channel, e.Visibility, e.At, e.TextCipher,
            e.Details, e.ConversationId, e.TicketId, e.CorrelationId, e.IdempotencyKey, e.Mentions,
        }).ToList();
        var ids = await RowUpdates.InsertAsync<TimelineEvent>(db, Columns, rows, ct);
        for (var i = 0; i < ids.Length; i++) _deferred[i].Stored(ids[i]);
        _deferred.Clear();
    }

    public TimelineEvent Append(
        long clientId,
        TimelineKind kind,
        ActorKind actor,
        int? actorStaffId,
        string channel,
        EventVisibility visibility,
        string? text = null,
        object? details = null,
        long? conversationId = null,
        long? ticketId = null,
        string? correlationId = null,
        string? idempotencyKey = null,
        IReadOnlyCollection<int>? mentions = null,
        DateTimeOffset? at = null)
    {
        // at: when it happened, if not now (messages read later from a channel's archive).
        var e = new TimelineEvent(clientId, kind, actor, actorStaffId, channel, visibility, at ?? clock.GetUtcNow())
        {
            TextCipher = text is null ? null : protector.Encrypt(ProtectedField.MessageText, text),
            Details = details is null ? null : JsonSerializer.Serialize(details, DetailsJson.Options),
            ConversationId = conversationId,
            TicketId = ticketId,
            CorrelationId = correlationId,
            IdempotencyKey = idempotencyKey,
            Mentions = mentions is { Count: > 0 } ? "," + string.Join(",", mentions) + "," : null,
        };
        if (_defer) _deferred.Add(e);
        else db.TimelineEvents.Add(e);
        _appended.Add(e);
        return e;
    }

    /// <summary>Call after the commit: screens reload what they are allowed to see.</summary>
    public void Publish()
    {
        foreach (var e in _appended) live.Publish(new TimelineAppended(e.ClientId, e.Id, e.ConversationId));
        _appended.Clear();
    }

    /// <summary>Forget appended events after a failed commit.</summary>
    public void Discard()
    {
        _appended.Clear();
        _deferred.Clear();
        _defer = false;
    }

    /// <summary>
    /// Saves the caller's unit of work (outside an explicit transaction) and publishes its events; when someone else
    /// changed a row meanwhile (optimistic concurrency) forgets them and answers false, for a "reload" message.
    /// </summary>
    public async Task<bool> SaveAndPublishAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException)
        {
            Discard();
            return false;
        }
        Publish();
        return true;
    }
}

public static class DetailsJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

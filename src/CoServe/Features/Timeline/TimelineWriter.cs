using System.Text.Json;
using CoServe.Data;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;

namespace CoServe.Features.Timeline;

/// <summary>
/// Appends events to the caller's unit of work (nothing is saved here) and pushes them live once the caller
/// has committed. Every feature writes its timeline events through this one class.
/// </summary>
public sealed class TimelineWriter(CoServeDb db, FieldProtector protector, LiveEvents live, TimeProvider clock)
{
    private readonly List<TimelineEvent> _appended = [];

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
        db.TimelineEvents.Add(e);
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
    public void Discard() => _appended.Clear();

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

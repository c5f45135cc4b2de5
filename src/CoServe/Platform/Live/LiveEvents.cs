using CoServe.Features.Handoffs;

namespace CoServe.Platform.Live;

/// <summary>A nudge that something changed; receivers reload through their own scope-checked queries.</summary>
public abstract record LiveEvent;

public sealed record TimelineAppended(long ClientId, long EventId, long? ConversationId) : LiveEvent;

public sealed record ConversationChanged(long ClientId, long ConversationId) : LiveEvent;

/// <summary>A ticket was opened, assigned, answered, escalated or resolved; where it now stands, so a queue can tell whether it lists it.</summary>
public sealed record TicketChanged(long ClientId, long TicketId, TicketQueue Queue, int? BranchId, int? AssigneeStaffId) : LiveEvent
{
    public static TicketChanged Of(Ticket ticket) => new(ticket.ClientId, ticket.Id, ticket.Queue, ticket.BranchId, ticket.AssigneeStaffId);
}

public sealed record NotificationAdded(int StaffId) : LiveEvent;

/// <summary>Someone is typing in a conversation: the client, a staff member, or the service officer thinking.</summary>
public sealed record Typing(long ConversationId, string Who) : LiveEvent;

/// <summary>
/// In-process publish/subscribe for live screens (console and web chat). Events carry ids, never personal
/// data. Losing one is harmless: screens reload from the store when they (re)connect, so a crash between
/// storing and pushing loses nothing. Several nodes would add a backplane (PostgreSQL LISTEN/NOTIFY) here.
/// </summary>
public sealed class LiveEvents
{
    private readonly Lock _gate = new();
    private Action<LiveEvent>[] _subscribers = [];

    public IDisposable Subscribe(Action<LiveEvent> handler)
    {
        lock (_gate) _subscribers = [.. _subscribers, handler];
        return new Subscription(this, handler);
    }

    public void Publish(LiveEvent e)
    {
        foreach (var s in _subscribers)
        {
            try
            {
                s(e);
            }
            catch (ObjectDisposedException)
            {
                // A screen that closed between the snapshot and the call; it unsubscribes itself.
            }
        }
    }

    private void Unsubscribe(Action<LiveEvent> handler)
    {
        lock (_gate) _subscribers = [.. _subscribers.Where(s => s != handler)];
    }

    private sealed class Subscription(LiveEvents owner, Action<LiveEvent> handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(handler);
    }
}

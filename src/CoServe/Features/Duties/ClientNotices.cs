using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Outreach;
using CoServe.Features.Timeline;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties;

public enum NoticeOutcome
{
    Queued = 1,
    /// <summary>The outbound gate deferred it (quiet hours, caps); it is queued for later.</summary>
    Deferred = 2,
    /// <summary>The outbound gate blocked it; the timeline says why.</summary>
    Held = 3,
}

/// <summary>
/// Service notices about a duty (commission answer, complaint acknowledgement and outcome) go to the client like
/// every other message: the outbound gate first, then a client-visible timeline event and an outbox row in the
/// caller's unit of work. AML work never calls this (no tipping-off).
/// </summary>
public sealed class ClientNotices(CoServeDb db, IOutboundGate gate, TimelineWriter timeline, OutboxSignal outbox, TimeProvider clock)
{
    private bool _queued;

    public async Task<NoticeOutcome> SendAsync(long clientId, int? staffId, string text, object details, long? ticketId, CancellationToken ct)
    {
        var channel = await ChannelAsync(clientId, ct);
        var sender = staffId is null ? OutboundSender.System : OutboundSender.Staff;
        var verdict = await gate.CheckAsync(new OutboundCandidate(clientId, channel, sender, staffId, OutboundPurpose.ServiceNotice, text, null, false), ct);
        if (verdict.Verdict == GateVerdict.Block)
        {
            timeline.Append(clientId, TimelineKind.Note, ActorKind.System, null, "system", EventVisibility.Internal,
                details: new { held = "duty notice", rule = verdict.Rule, why = verdict.Explanation }, ticketId: ticketId);
            return NoticeOutcome.Held;
        }
        var now = clock.GetUtcNow();
        var ev = timeline.Append(clientId, TimelineKind.Push, staffId is null ? ActorKind.System : ActorKind.Staff, staffId, channel, EventVisibility.ClientVisible,
            text: text, details: details, ticketId: ticketId);
        var message = new OutboxMessage(clientId, ev, channel, now);
        if (verdict.Verdict == GateVerdict.Defer) message.RetryAt(verdict.DeferUntil ?? now.AddHours(1), $"deferred by the outbound gate ({verdict.Rule})");
        db.Outbox.Add(message);
        _queued = true;
        return verdict.Verdict == GateVerdict.Defer ? NoticeOutcome.Deferred : NoticeOutcome.Queued;
    }

    /// <summary>Call after the commit: wakes the outbox dispatcher.</summary>
    public void Flush()
    {
        if (_queued) outbox.Notify();
        _queued = false;
    }

    /// <summary>Where the client last talked to us; WeCom when linked; else the web chat.</summary>
    private async Task<string> ChannelAsync(long clientId, CancellationToken ct)
    {
        var last = await db.Conversations.AsNoTracking().Where(c => c.ClientId == clientId).OrderByDescending(c => c.Id).Select(c => c.Channel).FirstOrDefaultAsync(ct);
        if (last is not null) return last;
        var weCom = await db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.WeComExternalUserId).SingleOrDefaultAsync(ct);
        return weCom is null ? "webchat" : "wecom";
    }
}

using CoServe.Data;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Channels.WebChat;

public sealed record ChatMessage(long Id, bool FromClient, bool IsNotice, string Who, string Text, DateTimeOffset At);

/// <summary>The client's chat: messages, the conversation, who holds it (a staff name), whether it waits for a person
/// (handed off, not yet taken: the header says a person is coming), and whether the service officer is working on a reply.</summary>
public sealed record ChatView(IReadOnlyList<ChatMessage> Messages, long? ConversationId, string? Controller, bool WaitingForHuman, bool OfficerThinking);

/// <summary>What the client sees in the web chat: only client-visible events of the web chat channel.</summary>
public sealed class WebChatView(CoServeDb db, FieldProtector protector, StaffDirectory directory)
{
    public async Task<ChatView> LoadAsync(long clientId, int take, CancellationToken ct)
    {
        var rows = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.ClientId == clientId && e.Visibility == EventVisibility.ClientVisible && (e.Channel == WebChatChannel.Name || e.Kind == TimelineKind.Push))
            .OrderByDescending(e => e.Id)
            .Take(take)
            .ToListAsync(ct);
        rows.Reverse();
        var names = await directory.GetAsync(ct);
        var messages = rows.Select(e => new ChatMessage(
            e.Id,
            e.Kind == TimelineKind.ClientMessage,
            e.Kind == TimelineKind.ControlChange,
            e.Actor == ActorKind.Staff && e.ActorStaffId is { } s ? names.StaffName(s) : StaffDirectory.ServiceOfficerName,
            protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher) ?? "",
            e.At)).ToList();
        var conversation = await db.Conversations.AsNoTracking()
            .Where(c => c.ClientId == clientId && c.Channel == WebChatChannel.Name)
            .OrderByDescending(c => c.Id)
            .Select(c => new { c.Id, c.State, c.ControllerStaffId })
            .FirstOrDefaultAsync(ct);
        var thinking = conversation is { State: ConversationState.AiActive or ConversationState.New }
            && await db.OfficerWorkItems.AnyAsync(w => w.ConversationId == conversation.Id && w.ProcessedAt == null, ct);
        var controller = conversation is { State: ConversationState.HumanActive, ControllerStaffId: { } staff } ? names.StaffName(staff) : null;
        return new ChatView(messages, conversation?.Id, controller, conversation is { State: ConversationState.WaitingForHuman }, thinking);
    }
}

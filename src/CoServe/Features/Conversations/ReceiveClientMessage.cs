using CoServe.Features.Channels;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Conversations;

/// <summary>
/// A client's message arrives from any channel: checked here, then stored by <see cref="InboundCommits"/>
/// together with whatever other messages arrive at the same moment (one transaction for all of them), and answered
/// once that transaction has committed. See <see cref="InboundBatch"/> for what storing a message means.
/// </summary>
public sealed class ReceiveClientMessage(InboundCommits commits, IOptions<ConversationsOptions> options) : IInboundMessageSink
{
    public Task<InboundResult> AcceptAsync(InboundClientMessage message, CancellationToken ct)
    {
        var problem = Validate(message);
        return problem is not null
            ? Task.FromResult(new InboundResult(InboundOutcome.Rejected, null, problem))
            : commits.SubmitAsync(message, ct);
    }

    private string? Validate(InboundClientMessage m)
    {
        if (string.IsNullOrWhiteSpace(m.Channel) || m.Channel.Length > 24) return "channel is missing or too long";
        if (string.IsNullOrWhiteSpace(m.IdempotencyKey) || m.IdempotencyKey.Length > 128) return "idempotencyKey is required (at most 128 characters)";
        if (string.IsNullOrWhiteSpace(m.ClientReference)) return "client reference is missing";
        var text = m.Text?.Trim() ?? "";
        if (text.Length == 0 && m.Attachments.Count == 0) return "message is empty";
        if (text.Length > options.Value.MaxMessageLength) return $"message is longer than {options.Value.MaxMessageLength} characters";
        return null;
    }
}

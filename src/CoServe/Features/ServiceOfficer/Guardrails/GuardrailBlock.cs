using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>Where a guardrail block happened.</summary>
public enum GuardrailBlockSource
{
    /// <summary>The engine's answer to a client (an approved template, or what was filled into it).</summary>
    Answer = 1,
    /// <summary>The engine's "您是想问" clarification.</summary>
    Clarification = 2,
    /// <summary>The grounded LLM mode's output.</summary>
    LlmAnswer = 3,
    /// <summary>The knowledge-base editor refused a draft answer.</summary>
    KnowledgeEditor = 4,
}

/// <summary>
/// One block by the guardrails: which rule of which rule-list version, when, where, and for which conversation,
/// ticket or knowledge entry. Never the text or the evidence (the conversation keeps those, encrypted, for those
/// allowed to read it).
/// </summary>
public sealed class GuardrailBlock
{
    private GuardrailBlock()
    {
    }

    public GuardrailBlock(string ruleId, GuardrailKind kind, int ruleSetVersion, GuardrailBlockSource source, DateTimeOffset at,
        long? clientId = null, long? conversationId = null, long? ticketId = null, string? reference = null)
    {
        RuleId = ruleId;
        Kind = kind;
        RuleSetVersion = ruleSetVersion;
        Source = source;
        At = at;
        ClientId = clientId;
        ConversationId = conversationId;
        TicketId = ticketId;
        Reference = reference;
    }

    public long Id { get; private set; }
    public string RuleId { get; private set; } = "";
    public GuardrailKind Kind { get; private set; }
    public int RuleSetVersion { get; private set; }
    public GuardrailBlockSource Source { get; private set; }
    public DateTimeOffset At { get; private set; }
    public long? ClientId { get; private set; }
    public long? ConversationId { get; private set; }
    public long? TicketId { get; private set; }

    /// <summary>The knowledge entry for editor blocks ("KB-0001"), null otherwise.</summary>
    public string? Reference { get; private set; }
}

internal sealed class GuardrailBlockConfiguration : IEntityTypeConfiguration<GuardrailBlock>
{
    public void Configure(EntityTypeBuilder<GuardrailBlock> b)
    {
        b.ToTable("GuardrailBlocks");
        b.Property(x => x.RuleId).HasMaxLength(GuardrailRuleValidation.MaxId);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(24);
        b.Property(x => x.Source).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Reference).HasMaxLength(16);
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.RuleId, x.At });
    }
}

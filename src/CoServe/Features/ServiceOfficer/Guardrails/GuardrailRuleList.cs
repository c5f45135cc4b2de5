using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>Where a guardrail rule list stands: a Draft Compliance edits, the Approved version in force, or done with.</summary>
public enum GuardrailListStatus
{
    Draft = 1,
    /// <summary>In force. Immutable; exactly one list is Approved.</summary>
    Approved = 2,
    /// <summary>Was in force, replaced by a newer approved version. Its content can be approved again as a new version (rollback).</summary>
    Superseded = 3,
    Rejected = 4,
}

public enum GuardrailRuleAction
{
    Seeded = 1,
    DraftStarted = 2,
    RuleAdded = 3,
    RuleEdited = 4,
    RuleDeleted = 5,
    Approved = 6,
    Rejected = 7,
}

/// <summary>
/// A guardrail rule list: a draft, or a numbered approved version. Approving gives the next <see cref="Version"/>
/// number and makes the list immutable; the previous approved list becomes Superseded. A draft remembers the version
/// it started from (<see cref="BaseVersion"/>): approving it after another draft was approved would silently undo
/// that one, so it is refused.
/// </summary>
public sealed class GuardrailRuleList
{
    private GuardrailRuleList()
    {
    }

    public GuardrailRuleList(IReadOnlyList<GuardrailRuleData> rules, int baseVersion, string author, DateTimeOffset now)
    {
        RulesJson = Serialize(rules);
        BaseVersion = baseVersion;
        Author = author;
        CreatedAt = now;
        UpdatedAt = now;
        Status = GuardrailListStatus.Draft;
        Revision = 1;
    }

    public long Id { get; private set; }
    public GuardrailListStatus Status { get; private set; }

    /// <summary>1, 2, 3... once approved; null for drafts and rejected lists.</summary>
    public int? Version { get; private set; }

    /// <summary>The approved version this draft started from (0: none).</summary>
    public int BaseVersion { get; private set; }

    /// <summary>The rules as JSON (<see cref="GuardrailRuleData"/>[]): the list is edited and approved as a whole.</summary>
    public string RulesJson { get; private set; } = "[]";
    public string Author { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string? ReviewedBy { get; private set; }
    public DateTimeOffset? ReviewedAt { get; private set; }
    public string? ReviewNote { get; private set; }

    /// <summary>Bumped by every change: two people saving or approving at once, the second is told to reload.</summary>
    public int Revision { get; private set; }

    public bool IsEditable => Status == GuardrailListStatus.Draft;

    public IReadOnlyList<GuardrailRuleData> Rules => Deserialize(RulesJson);

    public void ReplaceRules(IReadOnlyList<GuardrailRuleData> rules, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"rule list {Id} is {Status} and cannot change; start a draft");
        RulesJson = Serialize(rules);
        UpdatedAt = now;
        Revision++;
    }

    public void Approve(int version, string reviewer, string? note, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft is approved (rule list {Id} is {Status})");
        Status = GuardrailListStatus.Approved;
        Version = version;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = note;
        Revision++;
    }

    public void Reject(string reviewer, string reason, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft is rejected (rule list {Id} is {Status})");
        Status = GuardrailListStatus.Rejected;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = reason;
        Revision++;
    }

    public void Supersede()
    {
        if (Status != GuardrailListStatus.Approved) throw new InvalidOperationException("only the approved list is superseded");
        Status = GuardrailListStatus.Superseded;
        Revision++;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(IReadOnlyList<GuardrailRuleData> rules) => JsonSerializer.Serialize(rules, Json);

    public static string Serialize(GuardrailRuleData rule) => JsonSerializer.Serialize(rule, Json);

    public static IReadOnlyList<GuardrailRuleData> Deserialize(string json) => JsonSerializer.Deserialize<List<GuardrailRuleData>>(json, Json) ?? [];
}

/// <summary>The audit trail of the rule lists: who changed which rule of which list when, with the rule before and after (JSON).</summary>
public sealed class GuardrailRuleChange
{
    private GuardrailRuleChange()
    {
    }

    public GuardrailRuleChange(long listId, GuardrailRuleAction action, string actor, DateTimeOffset at, string detail, string? ruleId = null, string? before = null, string? after = null)
    {
        ListId = listId;
        Action = action;
        Actor = actor;
        At = at;
        Detail = detail.Length > MaxDetail ? detail[..(MaxDetail - 1)] + "…" : detail;
        RuleId = ruleId;
        Before = before;
        After = after;
    }

    public const int MaxDetail = 2000;

    public long Id { get; private set; }
    public long ListId { get; private set; }
    public GuardrailRuleAction Action { get; private set; }
    public string Actor { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public string? RuleId { get; private set; }
    public string? Before { get; private set; }
    public string? After { get; private set; }
    public string Detail { get; private set; } = "";
}

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

internal sealed class GuardrailRuleListConfiguration : IEntityTypeConfiguration<GuardrailRuleList>
{
    public void Configure(EntityTypeBuilder<GuardrailRuleList> b)
    {
        b.ToTable("GuardrailRuleLists");
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Author).HasMaxLength(64);
        b.Property(x => x.ReviewedBy).HasMaxLength(64);
        b.Property(x => x.ReviewNote).HasMaxLength(500);
        b.Property(x => x.Revision).IsConcurrencyToken();
        b.Ignore(x => x.IsEditable);
        b.Ignore(x => x.Rules);
        b.HasIndex(x => x.Version).IsUnique();
        b.HasIndex(x => x.Status);
    }
}

internal sealed class GuardrailRuleChangeConfiguration : IEntityTypeConfiguration<GuardrailRuleChange>
{
    public void Configure(EntityTypeBuilder<GuardrailRuleChange> b)
    {
        b.ToTable("GuardrailRuleChanges");
        b.Property(x => x.Action).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Actor).HasMaxLength(64);
        b.Property(x => x.RuleId).HasMaxLength(GuardrailRuleValidation.MaxId);
        b.Property(x => x.Detail).HasMaxLength(GuardrailRuleChange.MaxDetail);
        b.HasIndex(x => new { x.ListId, x.Id });
        b.HasOne<GuardrailRuleList>().WithMany().HasForeignKey(x => x.ListId).OnDelete(DeleteBehavior.Cascade);
    }
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

using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>The rule lists Compliance edits as data: what the AI may not say, and what a client message is about.</summary>
public enum RuleListKind
{
    /// <summary>Guardrails on outgoing AI text (Guardrails/).</summary>
    Guardrail = 1,
    /// <summary>Intent and risk keyword rules on client messages (Intents/).</summary>
    Intent = 2,
}

/// <summary>Where a rule list stands: a Draft Compliance edits, the Approved version in force, or done with.</summary>
public enum RuleListStatus
{
    Draft = 1,
    /// <summary>In force. Immutable; exactly one list of each kind is Approved.</summary>
    Approved = 2,
    /// <summary>Was in force, replaced by a newer approved version. Its content can be approved again as a new version (rollback).</summary>
    Superseded = 3,
    Rejected = 4,
}

public enum RuleListAction
{
    Seeded = 1,
    DraftStarted = 2,
    RuleAdded = 3,
    RuleEdited = 4,
    RuleDeleted = 5,
    Approved = 6,
    Rejected = 7,
    /// <summary>A release shipped rules that differ from the ones the list was reconciled with (RuleListRelease).</summary>
    ReleaseFound = 8,
    /// <summary>Compliance started a draft with some or all of a release's rules.</summary>
    ReleaseDrafted = 9,
    /// <summary>Compliance declined a release's rules, with a reason.</summary>
    ReleaseDismissed = 10,
}

/// <summary>
/// A rule list of one <see cref="Kind"/>: a draft, or a numbered approved version. Approving gives the next
/// <see cref="Version"/> number of its kind and makes the list immutable; the previous approved list becomes
/// Superseded. A draft remembers the version it started from (<see cref="BaseVersion"/>): approving it after another
/// draft was approved would silently undo that one, so it is refused.
/// </summary>
public sealed class RuleList
{
    private RuleList()
    {
    }

    public RuleList(RuleListKind kind, string rulesJson, int baseVersion, string author, DateTimeOffset now)
    {
        Kind = kind;
        RulesJson = rulesJson;
        BaseVersion = baseVersion;
        Author = author;
        CreatedAt = now;
        UpdatedAt = now;
        Status = RuleListStatus.Draft;
        Revision = 1;
    }

    public long Id { get; private set; }
    public RuleListKind Kind { get; private set; }
    public RuleListStatus Status { get; private set; }

    /// <summary>1, 2, 3... per kind once approved; null for drafts and rejected lists.</summary>
    public int? Version { get; private set; }

    /// <summary>The approved version this draft started from (0: none).</summary>
    public int BaseVersion { get; private set; }

    /// <summary>The rules as a JSON array (of the kind's rule record): the list is edited and approved as a whole.</summary>
    public string RulesJson { get; private set; } = "[]";
    public string Author { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string? ReviewedBy { get; private set; }
    public DateTimeOffset? ReviewedAt { get; private set; }
    public string? ReviewNote { get; private set; }

    /// <summary>Bumped by every change: two people saving or approving at once, the second is told to reload.</summary>
    public int Revision { get; private set; }

    public bool IsEditable => Status == RuleListStatus.Draft;

    public IReadOnlyList<TRule> RulesAs<TRule>() => RuleListJson.DeserializeList<TRule>(RulesJson);

    public void ReplaceRules(string rulesJson, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"rule list {Id} is {Status} and cannot change; start a draft");
        RulesJson = rulesJson;
        UpdatedAt = now;
        Revision++;
    }

    public void Approve(int version, string reviewer, string? note, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft is approved (rule list {Id} is {Status})");
        Status = RuleListStatus.Approved;
        Version = version;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = note;
        Revision++;
    }

    public void Reject(string reviewer, string reason, DateTimeOffset now)
    {
        if (!IsEditable) throw new InvalidOperationException($"only a draft is rejected (rule list {Id} is {Status})");
        Status = RuleListStatus.Rejected;
        ReviewedBy = reviewer;
        ReviewedAt = now;
        ReviewNote = reason;
        Revision++;
    }

    public void Supersede()
    {
        if (Status != RuleListStatus.Approved) throw new InvalidOperationException("only the approved list is superseded");
        Status = RuleListStatus.Superseded;
        Revision++;
    }
}

/// <summary>How rules are stored and shown in the audit: camelCase JSON, enums by name, Chinese unescaped.</summary>
public static class RuleListJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static IReadOnlyList<T> DeserializeList<T>(string json) => JsonSerializer.Deserialize<List<T>>(json, Json) ?? [];
}

/// <summary>The audit trail of the rule lists: who changed which rule of which list when, with the rule before and after (JSON).</summary>
public sealed class RuleListChange
{
    private RuleListChange()
    {
    }

    public RuleListChange(long listId, RuleListAction action, string actor, DateTimeOffset at, string detail, string? ruleId = null, string? before = null, string? after = null)
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
    public RuleListAction Action { get; private set; }
    public string Actor { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public string? RuleId { get; private set; }
    public string? Before { get; private set; }
    public string? After { get; private set; }
    public string Detail { get; private set; } = "";
}

/// <remarks>The tables keep the names they had when they held guardrail lists only, so existing lists and their audit stay.</remarks>
internal sealed class RuleListConfiguration : IEntityTypeConfiguration<RuleList>
{
    public void Configure(EntityTypeBuilder<RuleList> b)
    {
        b.ToTable("GuardrailRuleLists");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(12).HasDefaultValue(RuleListKind.Guardrail).HasSentinel(0);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Author).HasMaxLength(64);
        b.Property(x => x.ReviewedBy).HasMaxLength(64);
        b.Property(x => x.ReviewNote).HasMaxLength(500);
        b.Property(x => x.Revision).IsConcurrencyToken();
        b.Ignore(x => x.IsEditable);
        b.HasIndex(x => new { x.Kind, x.Version }).IsUnique();
        b.HasIndex(x => new { x.Kind, x.Status });
    }
}

internal sealed class RuleListChangeConfiguration : IEntityTypeConfiguration<RuleListChange>
{
    public void Configure(EntityTypeBuilder<RuleListChange> b)
    {
        b.ToTable("GuardrailRuleChanges");
        b.Property(x => x.Action).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Actor).HasMaxLength(64);
        b.Property(x => x.RuleId).HasMaxLength(RulePatterns.MaxId);
        b.Property(x => x.Detail).HasMaxLength(RuleListChange.MaxDetail);
        b.HasIndex(x => new { x.ListId, x.Id });
        b.HasOne<RuleList>().WithMany().HasForeignKey(x => x.ListId).OnDelete(DeleteBehavior.Cascade);
    }
}

using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>Product risk level (R1 lowest .. R5 highest); a client graded Cn may buy R1..Rn.</summary>
public enum ProductRiskLevel
{
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
}

/// <summary>
/// One approved, effective knowledge-base entry as the engine sees it. Deliberately storage-neutral: the seed
/// files feed it today, the console's versioned Draft -> Approved table feeds it later (only approved, effective
/// versions become entries).
/// </summary>
public sealed record KnowledgeEntry(
    string Id,
    string Category,
    string Question,
    IReadOnlyList<string> Paraphrases,
    string Answer,
    ProductRiskLevel? ProductRiskLevel,
    IReadOnlyList<string> Tags,
    DateOnly? EffectiveFrom = null,
    DateOnly? EffectiveTo = null)
{
    /// <summary>The standard question first, then the paraphrases: every wording the index and the models learn from.</summary>
    public IEnumerable<string> Texts => Paraphrases.Prepend(Question);

    public bool IsEffectiveOn(DateOnly day) => (EffectiveFrom is null || EffectiveFrom <= day) && (EffectiveTo is null || day <= EffectiveTo);
}

/// <summary>A labelled utterance for the intent classifier (train-intents.jsonl) or an evaluation set.</summary>
public sealed record LabelledText(string Text, string Label, IReadOnlyList<string> Context);

/// <summary>Everything a snapshot is built from. A database-backed source returns the same shape.</summary>
public sealed record KnowledgeSet(
    IReadOnlyList<KnowledgeEntry> Entries,
    IReadOnlyList<UserWord> UserWords,
    IReadOnlyList<SynonymGroup> Synonyms,
    IReadOnlyList<LabelledText> IntentExamples,
    string Origin,
    Guardrails.GuardrailRuleSet? Guardrails = null,
    Intents.IntentRuleSet? IntentRules = null);

/// <summary>Where the approved knowledge comes from (seed files now, the database later).</summary>
public interface IKnowledgeSource
{
    ValueTask<KnowledgeSet> LoadAsync(CancellationToken ct);
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer;

/// <summary>Policy of the service officer's understanding engine (section "ServiceOfficer"); defaults in the XML docs.</summary>
public sealed class ServiceOfficerOptions
{
    public const string Section = "ServiceOfficer";

    /// <summary>Folder with kb-*.json, finance-dict.txt, synonyms.tsv, train-intents.jsonl. Default: ServiceOfficer/Seed beside the app.</summary>
    public string? SeedDirectory { get; set; }

    /// <summary>Folder with jieba.NET's dict.txt and HMM tables. Default: jieba/ beside the app (the build copies it there).</summary>
    public string? JiebaDirectory { get; set; }

    /// <summary>
    /// Answer from the knowledge base at or above this calibrated confidence. Default 0.35 (round faq4, chosen on the
    /// dev half of the eval set and on `coserve nlu cv`): the calibration learns from left-out knowledge-base wordings,
    /// which are easier than client questions. Round faq3 set 0.45 (about 88% of the dev questions answered, 82%
    /// right); after round faq4's ranker feature and follow-up blending 0.45 answered only 85% of them, 0.35 answers
    /// about 90% (85% right), keeping the margin over the 85% target for a new sample of questions.
    /// </summary>
    public double AnswerThreshold { get; set; } = 0.35;

    /// <summary>Between this and <see cref="AnswerThreshold"/> ask which question was meant; below it hand off. Default 0.15.</summary>
    public double ClarifyThreshold { get; set; } = 0.15;

    /// <summary>How many entries a clarification offers. Default 3.</summary>
    public int ClarifyOptions { get; set; } = 3;

    /// <summary>Candidates retrieved by BM25 and re-ranked by the learned model. Default 10.</summary>
    public int Candidates { get; set; } = 10;

    /// <summary>
    /// Wordings that may enter the BM25 candidate set per message. The query's terms are read rarest first; once
    /// this many wordings are in play, the common terms only add to them. Smaller is cheaper (the search touches
    /// about this many wordings on a large knowledge base) but may leave out a wording that shares only common words
    /// with the message. Part of the snapshot: the ranker is trained with it. Default 400 (round `engine-budget` in
    /// docs/quality.md: the smallest of 1500/1000/700/500/400/300 whose dev-half and cross-validation figures, on the
    /// seed and on a 2,000-question knowledge base, stayed within two questions of 1500; it was 1500 before).
    /// </summary>
    public int SearchWordingBudget { get; set; } = Retrieval.Bm25Index.DefaultWordingBudget;

    /// <summary>Entries that the answers' words may bring into play per message (besides those the wordings brought). Default 100 (was 300; same round).</summary>
    public int SearchEntryBudget { get; set; } = Retrieval.Bm25Index.DefaultEntryBudget;

    /// <summary>The intent model alone hands off (without a keyword rule) at or above this probability. Default 0.3 (chosen by cross-validation on the training data: a missed complaint costs more than an extra handoff).</summary>
    public double IntentThreshold { get; set; } = 0.3;

    /// <summary>
    /// The intent model alone hands off for negative emotion at or above this probability. Default 0.5: the emotion
    /// rules catch explicit anger; the model's remaining emotion guesses on short messages are mostly small talk.
    /// </summary>
    public double NegativeEmotionThreshold { get; set; } = 0.5;

    /// <summary>
    /// When the FAQ match is itself confident, the intent model needs this much to override it. Default 0.45.
    /// </summary>
    public double IntentOverrideThreshold { get; set; } = 0.45;

    /// <summary>Knowledge-base wordings added to the intent model's training as label Faq, as a share of the labelled intent lines. Default 0.5.</summary>
    public double IntentFaqShare { get; set; } = 0.5;

    /// <summary>L2 regularisation of the intent model (smaller: sharper probabilities). Default 0.0001.</summary>
    public double IntentL2 { get; set; } = 0.0001;

    /// <summary>Messages up to this many characters (after normalisation) are read as possible follow-ups. Default 10.</summary>
    public int FollowUpMaxLength { get; set; } = 10;

    /// <summary>Weight of the carried-over context words against the message's own words. Default 0.5.</summary>
    public double FollowUpContextWeight { get; set; } = 0.5;

    /// <summary>After this many officer turns in a row without an answer, hand off (RepeatedFailure) instead of asking again. Default 2.</summary>
    public int RepeatedFailureTurns { get; set; } = 2;

    /// <summary>Product content needs a valid assessment; without one (never assessed) it goes to a human. Default true.</summary>
    public bool RequireAssessmentForProducts { get; set; } = true;

    /// <summary>Fallbacks when the client context lacks a value.</summary>
    public string DefaultSalutation { get; set; } = "尊敬的客户";
    public string DefaultBranchName { get; set; } = "您的开户营业部";
    public string DefaultHotline { get; set; } = "95xxx";
    public string DefaultRiskAssessmentLink { get; set; } = "App 首页 > 业务办理 > 风险测评";

    /// <summary>Seed of every random choice in training (splits, shuffles), so a rebuild gives the same models. Default 20261201.</summary>
    public int Seed { get; set; } = 20261201;

    /// <summary>Cap on wordings used as training queries for the ranker (large knowledge bases). Default 20000.</summary>
    public int MaxRankerTrainingQueries { get; set; } = 20_000;

    /// <summary>
    /// The per-entry classifier (one class per entry) is trained up to this many entries; its weights and training
    /// memory grow with entries x 8192, so larger knowledge bases rank with BM25 and the pairwise model alone. Default 600.
    /// </summary>
    public int MaxClassifierEntries { get; set; } = 600;

    /// <summary>Defaults with <c>Name=Value</c> overrides (the command line's and the bench's <c>--set</c>), not validated.</summary>
    internal static ServiceOfficerOptions WithOverrides(IEnumerable<string>? assignments)
    {
        var options = new ServiceOfficerOptions();
        foreach (var assignment in assignments ?? [])
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            var property = eq > 0 ? typeof(ServiceOfficerOptions).GetProperty(assignment[..eq]) : null;
            if (property is null) throw new ArgumentException($"--set {assignment}: expected Name=Value with an option name");
            property.SetValue(options, Convert.ChangeType(assignment[(eq + 1)..], property.PropertyType, CultureInfo.InvariantCulture));
        }
        return options;
    }
}

internal sealed class ServiceOfficerOptionsValidator : IValidateOptions<ServiceOfficerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOfficerOptions o)
    {
        var errors = new List<string>();
        if (o.AnswerThreshold is <= 0 or > 1) errors.Add("ServiceOfficer:AnswerThreshold must be in (0, 1]");
        if (o.ClarifyThreshold < 0 || o.ClarifyThreshold > o.AnswerThreshold) errors.Add("ServiceOfficer:ClarifyThreshold must be in [0, AnswerThreshold]");
        if (o.ClarifyOptions is < 2 or > 5) errors.Add("ServiceOfficer:ClarifyOptions must be 2..5");
        if (o.Candidates < o.ClarifyOptions || o.Candidates > 50) errors.Add("ServiceOfficer:Candidates must be ClarifyOptions..50");
        if (o.SearchWordingBudget is < 50 or > 1_000_000) errors.Add("ServiceOfficer:SearchWordingBudget must be 50..1000000");
        if (o.SearchEntryBudget < o.Candidates || o.SearchEntryBudget > 1_000_000) errors.Add("ServiceOfficer:SearchEntryBudget must be Candidates..1000000");
        if (o.IntentThreshold is <= 0 or > 1) errors.Add("ServiceOfficer:IntentThreshold must be in (0, 1]");
        if (o.NegativeEmotionThreshold is <= 0 or > 1) errors.Add("ServiceOfficer:NegativeEmotionThreshold must be in (0, 1]");
        if (o.IntentFaqShare is < 0 or > 10) errors.Add("ServiceOfficer:IntentFaqShare must be 0..10");
        if (o.IntentL2 is < 0 or > 1) errors.Add("ServiceOfficer:IntentL2 must be 0..1");
        if (o.IntentOverrideThreshold < o.IntentThreshold || o.IntentOverrideThreshold > 1) errors.Add("ServiceOfficer:IntentOverrideThreshold must be in [IntentThreshold, 1]");
        if (o.FollowUpMaxLength is < 0 or > 50) errors.Add("ServiceOfficer:FollowUpMaxLength must be 0..50");
        if (o.FollowUpContextWeight is <= 0 or > 1) errors.Add("ServiceOfficer:FollowUpContextWeight must be in (0, 1]");
        if (o.RepeatedFailureTurns is < 1 or > 10) errors.Add("ServiceOfficer:RepeatedFailureTurns must be 1..10");
        if (o.MaxClassifierEntries is < 0 or > 5000) errors.Add("ServiceOfficer:MaxClassifierEntries must be 0..5000");
        if (o.MaxRankerTrainingQueries < 100) errors.Add("ServiceOfficer:MaxRankerTrainingQueries must be at least 100");
        foreach (var (key, value) in new[] { ("DefaultSalutation", o.DefaultSalutation), ("DefaultBranchName", o.DefaultBranchName), ("DefaultHotline", o.DefaultHotline), ("DefaultRiskAssessmentLink", o.DefaultRiskAssessmentLink) })
        {
            if (string.IsNullOrWhiteSpace(value)) errors.Add($"ServiceOfficer:{key} must not be empty");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

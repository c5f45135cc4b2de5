using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CoServe.Features.ServiceOfficer.Guardrails;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Retrieval;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer;

/// <summary>
/// Everything the engine answers from, built once and never changed: approved effective entries, the analyser,
/// the index, the trained models and the rule sets. A reload builds a new snapshot and swaps the reference, so a
/// message is always handled by one consistent version.
/// </summary>
public sealed partial class KnowledgeSnapshot
{
    [GeneratedRegex(@"\{[^{}]{1,20}\}")]
    private static partial Regex VariablePattern();

    internal KnowledgeSnapshot(IReadOnlyList<KnowledgeEntry> entries, TextAnalyzer analyzer, Bm25Index index, MatchRanker ranker,
        IntentClassifier? intents, IntentRuleSet rules, GuardrailRuleSet guardrails, string origin, string version, TimeSpan buildTime)
    {
        Entries = entries;
        Analyzer = analyzer;
        Index = index;
        Ranker = ranker;
        Intents = intents;
        Rules = rules;
        Guardrails = guardrails;
        Origin = origin;
        Version = version;
        BuildTime = buildTime;
        EntryOrdinals = entries.Select((e, i) => (e.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        EntryVerdicts = entries.Select(e => TemplateVerdict(e, guardrails)).ToArray();
        ProductWords = analyzer.ProductWords;
    }

    public IReadOnlyList<KnowledgeEntry> Entries { get; }
    public IReadOnlyDictionary<string, int> EntryOrdinals { get; }
    public TextAnalyzer Analyzer { get; }
    public Bm25Index Index { get; }
    public MatchRanker Ranker { get; }
    public IntentClassifier? Intents { get; }
    public IntentRuleSet Rules { get; }
    public GuardrailRuleSet Guardrails { get; }
    /// <summary>Guardrail verdict of each approved answer template, so a template that fails is never sent.</summary>
    public IReadOnlyList<GuardrailVerdict> EntryVerdicts { get; }
    public IReadOnlyCollection<string> ProductWords { get; }
    public string Origin { get; }
    public string Version { get; }
    public TimeSpan BuildTime { get; }

    /// <summary>The same knowledge under another guardrail rule list: the approved answers are checked again, nothing else is rebuilt.</summary>
    public KnowledgeSnapshot WithGuardrails(GuardrailRuleSet guardrails) =>
        new(Entries, Analyzer, Index, Ranker, Intents, Rules, guardrails, Origin, Version, BuildTime);

    /// <summary>
    /// The same knowledge under another intent rule list: nothing is rebuilt. The intent model keeps the training it had
    /// (the rules only chose which knowledge-base wordings it learnt as ordinary questions); the next full rebuild
    /// trains with the rules in force.
    /// </summary>
    public KnowledgeSnapshot WithIntentRules(IntentRuleSet rules) =>
        new(Entries, Analyzer, Index, Ranker, Intents, rules, Guardrails, Origin, Version, BuildTime);

    private static GuardrailVerdict TemplateVerdict(KnowledgeEntry entry, GuardrailRuleSet guardrails)
    {
        var verdict = guardrails.Check(entry.Answer);
        // An entry that describes a product (it has a risk level) needs a risk reminder whatever its wording.
        if (entry.ProductRiskLevel is not null && !GuardrailRuleSet.HasRiskReminder(entry.Answer))
        {
            return new GuardrailVerdict([.. verdict.Violations, new GuardrailViolation("disclosure.product-entry", GuardrailKind.MissingRiskDisclosure, entry.Id)]);
        }
        return verdict;
    }

    /// <summary>Builds a snapshot: analyser, index, ranker and intent model. Deterministic for the same input and seed.</summary>
    public static KnowledgeSnapshot Build(KnowledgeSet set, ServiceOfficerOptions options, DateOnly today, IntentRuleSet? rules = null, GuardrailRuleSet? guardrails = null)
    {
        var watch = Stopwatch.StartNew();
        var entries = set.Entries.Where(e => e.IsEffectiveOn(today)).ToList();
        var dictionary = JiebaDictionary.Load(options.JiebaDirectory);
        var userWords = set.UserWords.Concat(TextAnalyzer.SynonymWords(set.Synonyms)).ToList();
        var segmenter = new WordSegmenter(dictionary, userWords);
        // Products and businesses a handoff names are the dictionary's nouns: its verbs (打新, 闪退, 调佣) are what happened, not what.
        var analyzer = new TextAnalyzer(segmenter, set.Synonyms, set.UserWords.Where(w => w.Tag != "v").Select(w => w.Word));

        var docs = new List<(int, AnalyzedText)>();
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var t in entries[i].Texts) docs.Add((i, analyzer.Analyze(t)));
        }
        var answers = entries.Select(e => analyzer.Analyze(VariablePattern().Replace(e.Answer, " "))).ToList();
        var index = new Bm25Index(docs, entries.Count, answers, options.SearchWordingBudget, options.SearchEntryBudget);
        var ranker = MatchRanker.Train(index, docs.Select(d => d.Item2).ToList(), options.Candidates, options.Seed, options.MaxRankerTrainingQueries, options.MaxClassifierEntries);

        var ruleSet = rules ?? IntentRuleSet.Default();
        IntentClassifier? intents = null;
        if (set.IntentExamples.Count > 0)
        {
            var examples = new List<(AnalyzedText, string)>();
            foreach (var e in set.IntentExamples)
            {
                if (!ClientIntents.TryParse(e.Label, out _)) throw new SeedFormatException($"{set.Origin}: intent label '{e.Label}' is not one of {string.Join(", ", Enum.GetNames<ClientIntent>())}");
                examples.Add((analyzer.Analyze(e.Text), e.Label));
            }
            var faqCap = Math.Max(200, (int)(examples.Count * options.IntentFaqShare));
            foreach (var i in FaqSample(docs, ruleSet, faqCap)) examples.Add((docs[i].Item2, nameof(ClientIntent.Faq)));
            intents = IntentClassifier.Train(examples, options.Seed, l2: (float)options.IntentL2);
        }
        var version = string.Create(CultureInfo.InvariantCulture, $"{entries.Count} entries, {docs.Count} wordings, built {today:yyyy-MM-dd}");
        return new KnowledgeSnapshot(entries, analyzer, index, ranker, intents, ruleSet, guardrails ?? GuardrailRuleSet.Default(),
            set.Origin, version, watch.Elapsed);
    }

    /// <summary>
    /// The knowledge-base wordings (positions in <paramref name="docs"/>) the intent model learns as label Faq. The
    /// knowledge base's own wordings are the best examples of "an ordinary question"; a deterministic sample of about
    /// <paramref name="cap"/> keeps them from swamping the other labels. A wording that a handoff rule fires on
    /// ("佣金能优惠吗" under the entry that says the manager handles commissions) would teach the model the opposite of
    /// the rule, so it is left out, and so are its siblings: an entry one of whose wordings is a duty (账户被盗了 under
    /// "怀疑账户被盗怎么办") answers a duty topic, and the sibling wordings the rules miss (有人登录我的账户) are exactly
    /// the risk messages the model is there to catch. Which of them fell into the sample used to decide
    /// AccountSecurity, AML and advice recall (round faq3 in docs/quality.md).
    /// </summary>
    internal static List<int> FaqSample(IReadOnlyList<(int Entry, AnalyzedText Text)> docs, IntentRuleSet rules, int cap)
    {
        var dutyEntries = new HashSet<int>();
        foreach (var (entry, text) in docs)
        {
            if (rules.Match(text.Normalized).Any(f => ClientIntents.HandoffReasonOf(f.Rule.Intent) is not null)) dutyEntries.Add(entry);
        }
        var sample = new List<int>();
        var step = Math.Max(1, docs.Count / Math.Max(1, cap));
        for (var i = 0; i < docs.Count; i += step)
        {
            if (!dutyEntries.Contains(docs[i].Entry)) sample.Add(i);
        }
        return sample;
    }
}

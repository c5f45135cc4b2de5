using CoServe.Features.ServiceOfficer.Evaluation;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Features.ServiceOfficer.Text;
using CoServe.Platform.Auth;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Intents;

/// <summary>How one rule list does on one handoff intent of the labelled data.</summary>
public sealed record IntentScore(int TruePositives, int Predicted, int Actual)
{
    public double Precision => Predicted == 0 ? 0 : (double)TruePositives / Predicted;
    public double Recall => Actual == 0 ? 0 : (double)TruePositives / Actual;
}

public sealed record IntentScoreRow(ClientIntent Intent, IntentScore InForce, IntentScore Draft);

/// <summary>An utterance whose handoff changes under the draft (null: not handed off for an intent, answered or clarified).</summary>
public sealed record IntentChange(string Text, string Source, string Label, ClientIntent? InForce, ClientIntent? Draft, IReadOnlyList<string> DraftRules);

/// <summary>Per rule of the draft: how often it fires, and how often on an utterance labelled with another intent.</summary>
public sealed record IntentRuleFiring(string RuleId, ClientIntent Intent, int Fired, int OnOtherLabels);

public sealed record IntentPreviewResult(
    int InForceVersion,
    int Utterances,
    IReadOnlyList<IntentScoreRow> Scores,
    IReadOnlyList<IntentChange> Changes,
    int ChangedTotal,
    IReadOnlyList<IntentRuleFiring> Firing,
    string Corpus);

public sealed record IntentTestHit(string RuleId, ClientIntent Intent, string Evidence);

public sealed record IntentTestResult(string Normalized, ClientIntent? Strongest, IReadOnlyList<IntentTestHit> Hits);

/// <summary>
/// What an intent rule change would do before it is approved: every labelled utterance that ships with CoServe
/// (Seed/train-intents.jsonl, eval-intents.jsonl, and the eval-faq-*.jsonl questions as ordinary questions) goes
/// through the running engine twice, once with the rules in force and once with the draft's (the same snapshot,
/// index and model: exactly what approval swaps in), and the handoffs are compared per intent.
/// </summary>
public sealed class IntentPreview(ServiceOfficerEngine engine, IOptions<ServiceOfficerOptions> options)
{
    public const int MaxTestText = 2000;

    /// <summary>Changed utterances listed in full; beyond that only counted.</summary>
    public const int MaxChangesListed = 500;

    /// <summary>The intents a handoff is for (precision and recall are reported for these).</summary>
    private static readonly ClientIntent[] HandoffIntents = [.. Enum.GetValues<ClientIntent>().Where(i => ClientIntents.HandoffReasonOf(i) is not null)];

    public async Task<IntentPreviewResult> PreviewAsync(CurrentStaff staff, IReadOnlyList<IntentRuleData> draftRules, CancellationToken ct)
    {
        if (!RuleListRoles.CanRead(staff)) throw new UnauthorizedAccessException("only Compliance, the digital team and admins see the intent rules");
        IntentRuleValidation.Validate(draftRules);
        var snapshot = await engine.EnsureLoadedAsync(ct);
        var dir = options.Value.SeedDirectory ?? ServiceOfficerSetup.DefaultSeedDirectory;
        var corpus = Corpus(dir);
        return await Task.Run(() => Compare(engine, snapshot, IntentRuleData.Compile(draftRules, 0), corpus,
            $"{corpus.Count} labelled utterances: {string.Join(", ", corpus.GroupBy(c => c.Source).Select(g => $"{g.Key} {g.Count()}"))} ({dir})"), ct);
    }

    /// <summary>The labelled utterances of a seed folder: intent files by their label, FAQ questions as Faq.</summary>
    public static List<(LabelledText Item, string Source)> Corpus(string dir)
    {
        var items = new List<(LabelledText, string)>();
        foreach (var name in new[] { "train-intents.jsonl", "eval-intents.jsonl" })
        {
            var file = Path.Combine(dir, name);
            if (File.Exists(file)) items.AddRange(SeedFiles.ReadLabelled(file).Select(i => (i, name)));
        }
        foreach (var file in Directory.GetFiles(dir, "eval-faq-*.jsonl").Order(StringComparer.Ordinal))
        {
            items.AddRange(SeedFiles.ReadLabelled(file).Select(i => (i with { Label = nameof(ClientIntent.Faq) }, Path.GetFileName(file))));
        }
        return items;
    }

    /// <summary>The comparison itself (unit-tested): the snapshot's rules against the draft's on the same engine.</summary>
    public static IntentPreviewResult Compare(ServiceOfficerEngine engine, KnowledgeSnapshot snapshot, IntentRuleSet draft, IReadOnlyList<(LabelledText Item, string Source)> corpus, string description)
    {
        var withDraft = snapshot.WithIntentRules(draft);
        var inForceScores = HandoffIntents.ToDictionary(i => i, _ => new int[3]);
        var draftScores = HandoffIntents.ToDictionary(i => i, _ => new int[3]);
        var firing = draft.Rules.ToDictionary(r => r.Id, _ => new int[2], StringComparer.Ordinal);
        var changes = new List<IntentChange>();
        var changedTotal = 0;
        foreach (var (item, source) in corpus)
        {
            var want = ClientIntents.TryParse(item.Label, out var label) && ClientIntents.HandoffReasonOf(label) is not null ? label : (ClientIntent?)null;
            var normalized = TextNormalizer.Normalize(item.Text);
            var firedNow = snapshot.Rules.Match(normalized);
            var firedDraft = draft.Match(normalized);
            foreach (var (rule, _) in firedDraft)
            {
                var c = firing[rule.Id];
                c[0]++;
                if (want != rule.Intent) c[1]++;
            }
            var request = EvalRunner.Request(item.Text, item.Context);
            var now = EvalRunner.HandedOffIntent(engine.Respond(snapshot, request));
            // The rules are the only difference: where both lists fire the same rules, the decision is the same.
            var sameRules = firedNow.Select(f => f.Rule.Id).SequenceEqual(firedDraft.Select(f => f.Rule.Id), StringComparer.Ordinal);
            var then = sameRules ? now : EvalRunner.HandedOffIntent(engine.Respond(withDraft, request));
            Count(inForceScores, want, now);
            Count(draftScores, want, then);
            if (now == then) continue;
            changedTotal++;
            if (changes.Count < MaxChangesListed)
            {
                changes.Add(new IntentChange(item.Text, source, item.Label, now, then, [.. firedDraft.Select(f => f.Rule.Id)]));
            }
        }
        return new IntentPreviewResult(snapshot.Rules.Version, corpus.Count,
            [.. HandoffIntents.Select(i => new IntentScoreRow(i, Score(inForceScores[i]), Score(draftScores[i])))],
            changes, changedTotal,
            [.. draft.Rules.Select(r => new IntentRuleFiring(r.Id, r.Intent, firing[r.Id][0], firing[r.Id][1]))],
            description);
    }

    private static void Count(Dictionary<ClientIntent, int[]> scores, ClientIntent? want, ClientIntent? got)
    {
        if (want is { } w) scores[w][2]++;
        if (got is { } g)
        {
            scores[g][1]++;
            if (g == want) scores[g][0]++;
        }
    }

    private static IntentScore Score(int[] c) => new(c[0], c[1], c[2]);

    /// <summary>Which rules of a list fire on a text, on what, and the intent they decide.</summary>
    public static IntentTestResult Test(IReadOnlyList<IntentRuleData> rules, string text)
    {
        text = (text ?? "").Trim();
        if (text.Length == 0) throw new ArgumentException("text: type a text to test");
        if (text.Length > MaxTestText) throw new ArgumentException($"text: at most {MaxTestText} characters");
        IntentRuleValidation.Validate(rules);
        var normalized = TextNormalizer.Normalize(text);
        var fired = IntentRuleData.Compile(rules, 0).Match(normalized);
        return new IntentTestResult(normalized, IntentRuleSet.Strongest(fired.Select(f => f.Rule.Intent)),
            [.. fired.Select(f => new IntentTestHit(f.Rule.Id, f.Rule.Intent, f.Evidence))]);
    }
}

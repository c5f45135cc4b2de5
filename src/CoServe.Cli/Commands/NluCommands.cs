using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Evaluation;
using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Cli.Commands;

/// <summary>
/// <c>coserve nlu ...</c> and <c>coserve eval</c>: the service officer's understanding on any labelled data a
/// brokerage brings. None of them needs the database: they build the engine straight from files.
/// </summary>
internal static class NluCommands
{
    internal static readonly Option<DirectoryInfo?> SeedDir = new("--seed-dir")
    {
        Description = "Seed folder (kb-*.json, finance-dict.txt, synonyms.tsv, train-intents.jsonl, eval files); default: the shipped seed",
        Recursive = true,
    };

    /// <summary>Adds <c>nlu</c> and <c>eval</c> to the root command.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Create());
        root.Subcommands.Add(EvalCommand.Create());
    }

    public static Command Create()
    {
        var nlu = new Command("nlu", "Service officer understanding: matching, similarity, intents (no database needed)");
        nlu.Options.Add(SeedDir);
        nlu.Subcommands.Add(Match());
        nlu.Subcommands.Add(Pairs());
        nlu.Subcommands.Add(Intents());
        nlu.Subcommands.Add(Classify());
        nlu.Subcommands.Add(CrossValidate());
        return nlu;
    }

    private static Command Match()
    {
        var kb = new Option<FileInfo>("--kb") { Description = "KB.tsv: kb_id<TAB>question; lines sharing a kb_id are paraphrases", Required = true };
        var queries = new Option<FileInfo>("--queries") { Description = "Q.tsv: query_id<TAB>text", Required = true };
        var top = new Option<int>("--top") { Description = "Ranks per query (default 5)", DefaultValueFactory = _ => 5 };
        var output = new Option<FileInfo>("--out") { Description = "OUT.tsv: query_id<TAB>rank<TAB>kb_id<TAB>score", Required = true };
        var cmd = new Command("match", "Rank knowledge-base entries for each query (BM25 + learned ranker trained on the KB's own paraphrases)");
        cmd.Options.Add(kb);
        cmd.Options.Add(queries);
        cmd.Options.Add(top);
        cmd.Options.Add(output);
        cmd.SetAction((parse, ct) => Run(() =>
        {
            var k = parse.GetValue(top);
            if (k is < 1 or > 50) throw new ArgumentException("--top must be 1..50");
            var kbFile = parse.GetValue(kb)!.FullName;
            var texts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (_, f) in SeedFiles.ReadTsv(kbFile, 2, 2, "kb_id<TAB>question"))
            {
                var id = f[0].Trim();
                if (!texts.TryGetValue(id, out var list)) texts[id] = list = [];
                list.Add(f[1].Trim());
            }
            if (texts.Count == 0) throw new FormatException($"{kbFile}: no entries");
            var seed = Seed(parse);
            var entries = texts.Select(t => new KnowledgeEntry(t.Key, "", t.Value[0], t.Value.Skip(1).ToList(), "", null, [])).ToList();
            var options = new ServiceOfficerOptions { Candidates = Math.Max(10, k) };
            var snapshot = KnowledgeSnapshot.Build(seed with { Entries = entries, IntentExamples = [], Origin = kbFile }, options, Today(), ShippedIntentRules.RuleSet(SeedDirectory(parse)));
            var queryFile = parse.GetValue(queries)!.FullName;
            var rows = SeedFiles.ReadTsv(queryFile, 2, 2, "query_id<TAB>text").Select(x => (Id: x.Fields[0].Trim(), Text: x.Fields[1])).ToList();
            WriteAtomically(parse.GetValue(output)!, w =>
            {
                foreach (var (id, text) in rows)
                {
                    var analyzed = snapshot.Analyzer.Analyze(text);
                    var result = snapshot.Ranker.Rank(snapshot.Index, snapshot.Index.Prepare(analyzed), analyzed, options.Candidates);
                    var rank = 0;
                    foreach (var r in result.Ranked.Take(k))
                    {
                        rank++;
                        w.Write(string.Create(CultureInfo.InvariantCulture, $"{id}\t{rank}\t{snapshot.Entries[r.Entry].Id}\t{r.Probability:0.000000}\n"));
                    }
                }
            });
            Console.WriteLine($"{rows.Count} queries ranked against {entries.Count} entries ({snapshot.Index.DocCount} wordings); ranker {(snapshot.Ranker.IsTrained ? "trained" : "untrained (too few paraphrases)")}");
            return 0;
        }));
        return cmd;
    }

    private static Command Pairs()
    {
        var input = new Option<FileInfo>("--in") { Description = "PAIRS.tsv: text1<TAB>text2[<TAB>label 0/1]", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "SCORES.tsv: one similarity in [0,1] per input line", Required = true };
        var cmd = new Command("pairs", "Similarity of text pairs; with labels prints AUC, best-threshold accuracy and F1");
        cmd.Options.Add(input);
        cmd.Options.Add(output);
        cmd.SetAction((parse, ct) => Run(() =>
        {
            var file = parse.GetValue(input)!.FullName;
            var pairs = new List<(string A, string B, bool? Label)>();
            foreach (var (n, f) in SeedFiles.ReadTsv(file, 2, 3, "text1<TAB>text2[<TAB>label]"))
            {
                bool? label = null;
                if (f.Length == 3)
                {
                    label = f[2].Trim() switch
                    {
                        "1" or "true" => true,
                        "0" or "false" => false,
                        _ => throw new SeedFormatException($"{file}:{n}: label must be 0 or 1"),
                    };
                }
                pairs.Add((f[0], f[1], label));
            }
            if (pairs.Count > 0 && pairs.Any(p => p.Label is null) && pairs.Any(p => p.Label is not null))
            {
                throw new FormatException($"{file}: either every line has a label or none does");
            }
            var seed = Seed(parse);
            var analyzer = Analyzer(seed);
            var similarity = new PairSimilarity(analyzer, seed.Entries.SelectMany(e => e.Texts));
            var scores = pairs.Select(p => similarity.Score(p.A, p.B)).ToList();
            WriteAtomically(parse.GetValue(output)!, w =>
            {
                foreach (var s in scores) w.Write(string.Create(CultureInfo.InvariantCulture, $"{s:0.000000}\n"));
            });
            Console.WriteLine($"{pairs.Count} pairs scored");
            if (pairs.Count > 0 && pairs[0].Label is not null)
            {
                var labels = pairs.Select(p => p.Label!.Value).ToList();
                var auc = BinaryMetrics.Auc(scores, labels);
                var (threshold, accuracy, f1) = BinaryMetrics.BestThreshold(scores, labels);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AUC {auc:0.0000}; best threshold {threshold:0.0000}: accuracy {accuracy:0.0000}, F1 {f1:0.0000}"));
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Intents()
    {
        var intents = new Command("intents", "Train and evaluate the intent classifier (lines {\"text\": ..., \"label\": ...})");
        var data = new Option<FileInfo>("--data") { Description = "JSONL with text and label", Required = true };
        var model = new Option<FileInfo>("--out") { Description = "Model file to write", Required = true };
        var train = new Command("train", "Train an intent model (ML.NET maximum entropy over word and character n-grams)");
        train.Options.Add(data);
        train.Options.Add(model);
        train.SetAction((parse, ct) => Run(() =>
        {
            var examples = SeedFiles.ReadLabelled(parse.GetValue(data)!.FullName);
            var analyzer = Analyzer(Seed(parse));
            var classifier = IntentClassifier.Train(examples.Select(e => (analyzer.Analyze(e.Text), e.Label)).ToList(), new ServiceOfficerOptions().Seed);
            var outFile = parse.GetValue(model)!;
            var temp = outFile.FullName + ".partial";
            using (var stream = File.Create(temp)) classifier.Save(stream);
            File.Move(temp, outFile.FullName, overwrite: true);
            Console.WriteLine($"trained on {examples.Count} examples, {classifier.Labels.Count} labels ({string.Join(", ", classifier.Labels)}); written to {outFile.FullName}");
            return 0;
        }));
        var evalData = new Option<FileInfo>("--data") { Description = "JSONL with text and label", Required = true };
        var modelIn = new Option<FileInfo>("--model") { Description = "Model file from 'nlu intents train'", Required = true };
        var eval = new Command("eval", "Accuracy and macro-F1 of an intent model on labelled data");
        eval.Options.Add(modelIn);
        eval.Options.Add(evalData);
        eval.SetAction((parse, ct) => Run(() =>
        {
            var file = parse.GetValue(modelIn)!;
            if (!file.Exists) throw new FileNotFoundException($"{file.FullName} does not exist");
            IntentClassifier classifier;
            using (var stream = file.OpenRead()) classifier = IntentClassifier.Load(stream, file.FullName);
            var examples = SeedFiles.ReadLabelled(parse.GetValue(evalData)!.FullName);
            var analyzer = Analyzer(Seed(parse));
            var predicted = examples.Select(e => classifier.Top(analyzer.Analyze(e.Text)).Label).ToList();
            var (accuracy, macroF1, perLabel) = BinaryMetrics.Multiclass(examples.Select(e => e.Label).ToList(), predicted);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{examples.Count} examples: accuracy {accuracy:0.0000}, macro-F1 {macroF1:0.0000}"));
            foreach (var (label, p, r, f1, support) in perLabel)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-18} precision {p:0.000} recall {r:0.000} F1 {f1:0.000} (n={support})"));
            }
            return 0;
        }));
        intents.Subcommands.Add(train);
        intents.Subcommands.Add(eval);
        return intents;
    }

    private static Command Classify()
    {
        var input = new Option<FileInfo?>("--in") { Description = "Utterances, one per line (default: standard input)" };
        var cmd = new Command("classify", "Intent, confidence and handoff decision per utterance, as JSON lines");
        cmd.Options.Add(input);
        cmd.SetAction((parse, ct) => Run(() =>
        {
            var (engine, snapshot) = BuildEngine(parse);
            var file = parse.GetValue(input);
            IEnumerable<string> lines = file is null ? ReadStdin() : SeedFiles.ReadLines(file.FullName).Select(l => l.Text);
            var json = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            var stdout = Console.Out;
            foreach (var line in lines)
            {
                if (line.Trim().Length == 0) continue;
                var request = EvalRunner.Request(line, []);
                var decision = engine.Respond(snapshot, request);
                var understanding = engine.Understand(snapshot, request, snapshot.Analyzer.Analyze(line), []);
                var handoff = decision is OfficerHandoff h ? h.Reason.ToString() : null;
                var confidence = ClientIntents.HandoffReasonOf(understanding.Intent) is not null || decision is not OfficerAnswer { KnowledgeEntryId: not null }
                    ? understanding.IntentConfidence
                    : understanding.Match.Confidence;
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    text = line,
                    intent = understanding.Intent.ToString(),
                    confidence = Math.Round(confidence, 4),
                    handoff,
                    reasons = decision.Explanations,
                }, json));
            }
            return 0;
        }));
        return cmd;
    }

    private static readonly double[] Thresholds = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    private static Command CrossValidate()
    {
        var folds = new Option<int>("--folds") { Description = "Number of folds (default 5)", DefaultValueFactory = _ => 5 };
        var misses = new Option<int>("--show-misses") { Description = "Print up to N misses per section", DefaultValueFactory = _ => 0 };
        var first = new Option<int>("--hold-out-first") { Description = "Hold out only among each entry's first N wordings (the standard question and its oldest paraphrases; 0 = any)", DefaultValueFactory = _ => 6 };
        var set = new Option<string[]>("--set") { Description = "Override an option for this run, e.g. --set AnswerThreshold=0.6 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("cv", "Cross-validation on training data only: each fold holds out one wording per knowledge entry and a share of train-intents.jsonl, builds the engine on the rest and scores the held-out part (for tuning; the eval sets are never read)");
        cmd.Options.Add(folds);
        cmd.Options.Add(misses);
        cmd.Options.Add(first);
        cmd.Options.Add(set);
        cmd.SetAction((parse, ct) => Run(() =>
        {
            var k = parse.GetValue(folds);
            var holdOutFirst = parse.GetValue(first);
            if (k is < 2 or > 20) throw new ArgumentException("--folds must be 2..20");
            var show = parse.GetValue(misses);
            var seed = Seed(parse);
            var intentRules = ShippedIntentRules.RuleSet(SeedDirectory(parse));
            var options = ServiceOfficerOptions.WithOverrides(parse.GetValue(set));
            var today = Today();
            var faqRows = new List<(double Confidence, bool Correct, bool InTop3, string Decision)>();
            var intentMetrics = new List<IntentMetrics>();
            var faqMisses = new List<string>();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var f = 0; f < k; f++)
            {
                var heldOut = new List<LabelledText>();
                var entries = new List<KnowledgeEntry>();
                for (var ei = 0; ei < seed.Entries.Count; ei++)
                {
                    var e = seed.Entries[ei];
                    var texts = e.Texts.ToList();
                    // Hold out one wording per entry, different in each fold; keep at least two for training.
                    var pool = holdOutFirst > 0 ? Math.Min(holdOutFirst, texts.Count) : texts.Count;
                    var at = (f + ei) % pool;
                    if (texts.Count < 3 || f >= pool)
                    {
                        entries.Add(e);
                        continue;
                    }
                    heldOut.Add(new LabelledText(texts[at], e.Id, []));
                    texts.RemoveAt(at);
                    entries.Add(e with { Question = texts[0], Paraphrases = texts.Skip(1).ToList() });
                }
                var intentTrain = seed.IntentExamples.Where((_, i) => i % k != f).ToList();
                var intentTest = seed.IntentExamples.Where((_, i) => i % k == f).ToList();
                var snapshot = KnowledgeSnapshot.Build(seed with { Entries = entries, IntentExamples = intentTrain }, options, today, intentRules);
                using var engine = new ServiceOfficerEngine(options, TimeProvider.System, snapshot);
                foreach (var item in heldOut)
                {
                    var request = EvalRunner.Request(item.Text, []);
                    var u = engine.Understand(snapshot, request, snapshot.Analyzer.Analyze(item.Text), []);
                    var rank = Array.FindIndex(u.Match.Ranked, r => snapshot.Entries[r.Entry].Id == item.Label);
                    var decision = engine.Respond(snapshot, request);
                    var kind = decision switch
                    {
                        OfficerAnswer => "answer",
                        OfficerClarification => "clarify",
                        OfficerHandoff h => "handoff:" + h.Reason,
                        _ => "other",
                    };
                    faqRows.Add((u.Match.Confidence, rank == 0, rank is >= 0 and < 3, kind));
                    if (rank != 0)
                    {
                        var got = u.Match.Top is { } t ? snapshot.Entries[t.Entry] : null;
                        faqMisses.Add(string.Create(CultureInfo.InvariantCulture, $"{item.Label} ranked {rank} ({u.Match.Confidence:0.00}): {item.Text}  -> {got?.Id} {got?.Question}"));
                    }
                }
                intentMetrics.Add(new EvalRunner(engine, snapshot).Intents(intentTest, heldOut));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fold {f + 1}/{k}: {heldOut.Count} wordings, {intentTest.Count} intent lines, {watch.Elapsed.TotalSeconds:0} s"));
            }
            var n = faqRows.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FAQ ({n} held-out wordings over {k} folds)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  top-1 {faqRows.Count(r => r.Correct) / (double)n:P1}  top-3 {faqRows.Count(r => r.InTop3) / (double)n:P1}"));
            var answered = faqRows.Where(r => r.Decision == "answer").ToList();
            var decisions = string.Join(", ", faqRows.GroupBy(r => r.Decision).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  answer rate {answered.Count / (double)n:P1}, accuracy on answered {(answered.Count == 0 ? 0 : answered.Count(r => r.Correct) / (double)answered.Count):P1}; {decisions}"));
            foreach (var threshold in Thresholds)
            {
                var above = faqRows.Where(r => r.Confidence >= threshold).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    confidence >= {threshold:0.0}: {above.Count / (double)n,6:P1} of questions, {(above.Count == 0 ? 0 : above.Count(r => r.Correct) / (double)above.Count),6:P1} right"));
            }
            foreach (var m in faqMisses.Take(show)) Console.WriteLine("    " + m);
            Console.WriteLine();
            Console.WriteLine($"Intents ({intentMetrics.Sum(m => m.Items)} held-out lines: train-intents.jsonl and the held-out wordings as label Faq, over {k} folds)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  intent accuracy {intentMetrics.Sum(m => m.IntentCorrect) / (double)intentMetrics.Sum(m => m.Items):P1}"));
            foreach (var g in intentMetrics.SelectMany(m => m.Reasons).GroupBy(r => r.Reason).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var r = new ReasonMetrics(g.Key, g.Sum(x => x.TruePositives), g.Sum(x => x.Predicted), g.Sum(x => x.Actual));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Reason,-18} precision {r.Precision,7:P1}  recall {r.Recall,7:P1}  ({r.TruePositives} of {r.Predicted} predicted, {r.Actual} actual)"));
            }
            foreach (var m in intentMetrics.SelectMany(m => m.Misses).Take(show)) Console.WriteLine("    " + m);
            return 0;
        }));
        return cmd;
    }

    private static IEnumerable<string> ReadStdin()
    {
        using var reader = new StreamReader(Console.OpenStandardInput(), SeedFiles.Utf8, detectEncodingFromByteOrderMarks: true);
        while (reader.ReadLine() is { } line) yield return line;
    }

    internal static KnowledgeSet Seed(ParseResult parse)
    {
        var dir = parse.GetValue(SeedDir)?.FullName ?? ServiceOfficerSetup.DefaultSeedDirectory;
        return new SeedKnowledgeSource(dir).Load();
    }

    internal static string SeedDirectory(ParseResult parse) => parse.GetValue(SeedDir)?.FullName ?? ServiceOfficerSetup.DefaultSeedDirectory;

    internal static (ServiceOfficerEngine Engine, KnowledgeSnapshot Snapshot) BuildEngine(ParseResult parse, IEnumerable<string>? assignments = null)
    {
        var options = ServiceOfficerOptions.WithOverrides(assignments);
        var snapshot = KnowledgeSnapshot.Build(Seed(parse), options, Today(), ShippedIntentRules.RuleSet(SeedDirectory(parse)));
        return (new ServiceOfficerEngine(options, TimeProvider.System, snapshot), snapshot);
    }

    internal static TextAnalyzer Analyzer(KnowledgeSet seed)
    {
        var userWords = seed.UserWords.Concat(TextAnalyzer.SynonymWords(seed.Synonyms));
        return new TextAnalyzer(new WordSegmenter(JiebaDictionary.Load(), userWords), seed.Synonyms, seed.UserWords.Select(w => w.Word));
    }

    /// <summary>Effective-date filter day: today in Asia/Shanghai.</summary>
    internal static DateOnly Today() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);

    internal static void WriteAtomically(FileInfo target, Action<StreamWriter> write)
    {
        // A failed run never leaves a half-written output file.
        var temp = target.FullName + ".partial";
        try
        {
            using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16)) write(writer);
            File.Move(temp, target.FullName, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    internal static Task<int> Run(Func<int> body)
    {
        try
        {
            return Task.FromResult(body());
        }
        catch (Exception ex) when (Failure.Describe(ex) is { } message)
        {
            Console.Error.WriteLine(message);
            return Task.FromResult(1);
        }
    }
}

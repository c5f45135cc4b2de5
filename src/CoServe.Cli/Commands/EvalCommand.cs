using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CoServe.Features.ServiceOfficer.Evaluation;
using CoServe.Features.ServiceOfficer.Knowledge;

namespace CoServe.Cli.Commands;

/// <summary><c>coserve eval</c>: the shipped held-out sets through the engine and through the BM25 baseline.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var misses = new Option<int>("--show-misses") { Description = "Print up to N misses per section (for tuning)", DefaultValueFactory = _ => 0 };
        var sections = new Option<string>("--only") { Description = "Run only these sections, comma-separated: faq, intents, guardrails (default: all)" };
        var split = new Option<string>("--split")
        {
            Description = "Half of each eval file: test (odd positions, the held-out half the figures are reported on), dev (even positions, for reading misses and tuning) or all",
            DefaultValueFactory = _ => "test",
        };
        var set = new Option<string[]>("--set") { Description = "Override an option for this run, e.g. --set AnswerThreshold=0.6 (repeatable; for the dev split)", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("eval", "Quality of the service officer on the held-out sets (FAQ, intents/handoffs, guardrails) and of a plain BM25 baseline");
        cmd.Options.Add(NluCommands.SeedDir);
        cmd.Options.Add(misses);
        cmd.Options.Add(sections);
        cmd.Options.Add(split);
        cmd.Options.Add(set);
        cmd.SetAction((parse, ct) => NluCommands.Run(() =>
        {
            var show = parse.GetValue(misses);
            var only = (parse.GetValue(sections) ?? "faq,intents,guardrails").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var half = EvalSplits.Parse(parse.GetValue(split) ?? "test");
            var dir = NluCommands.SeedDirectory(parse);
            var watch = Stopwatch.StartNew();
            var (engine, snapshot) = NluCommands.BuildEngine(parse, parse.GetValue(set));
            Console.WriteLine($"split: {half.ToString().ToLowerInvariant()} (dev = even positions of each eval file, test = odd positions, all = both)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"knowledge base: {snapshot.Version}; snapshot built in {watch.Elapsed.TotalSeconds:0.0} s; ranker {(snapshot.Ranker.IsTrained ? "trained" : "untrained")}; intent model {(snapshot.Intents is null ? "none (no train-intents.jsonl)" : "trained")}"));
            var runner = new EvalRunner(engine, snapshot);

            var faqFiles = Directory.GetFiles(dir, "eval-faq-*.jsonl").Order(StringComparer.Ordinal).ToList();
            // Labels written before two near-duplicate entries were merged name the retired one: it means the kept one.
            var aliasFile = Path.Combine(dir, "kb-aliases.tsv");
            var aliases = File.Exists(aliasFile) ? SeedFiles.ReadAliases(aliasFile) : [];
            var faqItems = faqFiles.SelectMany(f => EvalSplits.Select(SeedFiles.ReadLabelled(f), half))
                .Select(item => aliases.TryGetValue(item.Label, out var kept) ? item with { Label = kept } : item).ToList();
            if (faqItems.Count > 0 && only.Contains("faq"))
            {
                var faq = runner.Faq(faqItems);
                Console.WriteLine();
                Console.WriteLine($"FAQ ({faq.Items} questions, {half.ToString().ToLowerInvariant()} split, from {string.Join(", ", faqFiles.Select(Path.GetFileName))})");
                Console.WriteLine(Line("  engine   top-1 accuracy", faq.Top1Accuracy));
                Console.WriteLine(Line("  engine   top-3 accuracy", faq.Top3Accuracy));
                Console.WriteLine(Line("  engine   entry among re-ranked candidates", faq.CandidateRecall));
                Console.WriteLine(Line("  engine   answer rate", faq.AnswerRate));
                Console.WriteLine(Line("  engine   accuracy on answered", faq.AccuracyOnAnswered));
                Console.WriteLine($"  engine   clarified {faq.Clarified}, handed off {faq.HandedOff}");
                using var baseline = new LuceneBaseline(snapshot.Entries);
                var (top1, atRate) = baseline.Evaluate(faqItems, faq.AnswerRate);
                Console.WriteLine(Line("  baseline top-1 accuracy (Lucene BM25 + SmartCn)", top1));
                Console.WriteLine(Line($"  baseline accuracy when answering its top {faq.AnswerRate:P0}", atRate));
                foreach (var m in faq.Misses.Take(show)) Console.WriteLine("    " + m);
            }
            else if (faqItems.Count == 0)
            {
                Console.WriteLine($"no eval-faq-*.jsonl in {dir}");
            }

            var intentsFile = Path.Combine(dir, "eval-intents.jsonl");
            if (File.Exists(intentsFile) && only.Contains("intents"))
            {
                var intents = runner.Intents(EvalSplits.Select(SeedFiles.ReadLabelled(intentsFile), half), faqItems);
                Console.WriteLine();
                Console.WriteLine($"Intents and handoffs ({intents.Items} utterances, {half.ToString().ToLowerInvariant()} split: eval-intents.jsonl plus the FAQ questions as label Faq)");
                Console.WriteLine(Line("  intent accuracy", intents.IntentAccuracy));
                foreach (var r in intents.Reasons.OrderBy(r => r.Reason, StringComparer.Ordinal))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Reason,-18} precision {r.Precision,7:P1}  recall {r.Recall,7:P1}  ({r.TruePositives} of {r.Predicted} predicted, {r.Actual} actual)"));
                }
                foreach (var m in intents.Misses.Take(show)) Console.WriteLine("    " + m);
            }
            else if (!File.Exists(intentsFile))
            {
                Console.WriteLine($"no eval-intents.jsonl in {dir}");
            }

            if (!only.Contains("guardrails")) return 0;
            var violationsFile = Path.Combine(dir, "guardrail-violations.jsonl");
            var allowedFile = Path.Combine(dir, "guardrail-allowed.jsonl");
            var violations = File.Exists(violationsFile) ? SeedFiles.ReadLabelled(violationsFile, "rule") : [];
            var allowed = File.Exists(allowedFile) ? SeedFiles.ReadTexts(allowedFile) : [];
            var g = runner.Guardrails(violations, allowed);
            Console.WriteLine();
            Console.WriteLine($"Guardrails ({g.Violations} violating drafts, {g.AllowedTexts} allowed texts = approved KB answers + guardrail-allowed.jsonl)");
            Console.WriteLine(Line("  catch rate", g.CatchRate) + $" ({g.Caught} of {g.Violations}; right rule named for {g.RuleCorrect})");
            Console.WriteLine(Line("  false-block rate", g.FalseBlockRate) + $" ({g.FalseBlocks} of {g.AllowedTexts})");
            foreach (var m in g.Misses.Take(show)) Console.WriteLine("    " + m);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"took {watch.Elapsed.TotalSeconds:0.0} s"));
            return 0;
        }));
        return cmd;
    }

    private static string Line(string label, double value) => string.Create(CultureInfo.InvariantCulture, $"{label,-52} {value,7:P1}");
}

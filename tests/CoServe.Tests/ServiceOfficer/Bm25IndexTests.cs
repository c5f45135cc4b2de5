using CoServe.Features.ServiceOfficer.Retrieval;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Tests.ServiceOfficer;

/// <summary>
/// The index's search against a plain scorer that scores every wording and entry in full (BM25 on words and
/// bigrams, best plus a share of the second-best wording, plus the answer): on an index small enough that the
/// candidate budgets never bind, the two must agree on every candidate's evidence and on the top k.
/// </summary>
public sealed class Bm25IndexTests
{
    private const float K1 = 1.2f;
    private const float B = 0.75f;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Search_EqualsScoringEveryWording(int seed)
    {
        var rng = new Random(seed);
        const int entries = 60;
        var (docs, answers) = RandomCorpus(rng, entries, maxWordings: 5, words: 40, maxWords: 6, bigrams: 60, maxBigrams: 9);
        var index = new Bm25Index(docs, entries, answers);

        for (var q = 0; q < 200; q++)
        {
            // Queries also carry terms the index has never seen (w40+, b60+).
            var text = RandomText(rng, "w", 44, rng.Next(6), "b", 64, rng.Next(9));
            var exclude = rng.Next(3) == 0 ? rng.Next(docs.Count) : -1;
            var top = new Candidate[10];
            var n = index.Search(index.Prepare(text), top, exclude);
            var expected = Reference(docs, answers, text, exclude);

            Assert.Equal(Math.Min(10, expected.Count), n);
            for (var i = 0; i < n; i++)
            {
                var want = expected[top[i].Entry];
                Assert.Equal(want.Score, top[i].Score, 1e-4f);
                Assert.Equal(want.Best, top[i].Best, 1e-4f);
                Assert.Equal(want.Second, top[i].Second, 1e-4f);
                Assert.Equal(want.AnswerScore, top[i].AnswerScore, 1e-4f);
                Assert.Equal(want.MatchedTexts, top[i].MatchedTexts);
                Assert.Equal(docs[top[i].BestDoc].Entry, top[i].Entry);
                Assert.NotEqual(exclude, top[i].BestDoc);
                if (i > 0) Assert.True(top[i - 1].Score >= top[i].Score);
            }
            // Nothing left out scores clearly above the last one kept.
            if (n > 0)
            {
                var kept = top.Take(n).Select(c => c.Entry).ToHashSet();
                Assert.All(expected.Where(kv => !kept.Contains(kv.Key)), kv => Assert.True(kv.Value.Score <= top[n - 1].Score + 1e-4f));
            }
        }
    }

    [Theory]
    [InlineData(1, 40, 15)]
    [InlineData(2, 100, 30)]
    [InlineData(3, 250, 60)]
    public void Search_WithBindingBudgets_BitLookupsGiveTheSameSumsAsThePostingScan(int seed, int wordingBudget, int entryBudget)
    {
        // Large enough that common terms get bit sets (64 postings and more) and the budgets bind on most queries.
        var rng = new Random(seed);
        const int entries = 300;
        var (docs, answers) = RandomCorpus(rng, entries, maxWordings: 6, words: 120, maxWords: 7, bigrams: 200, maxBigrams: 10);
        var withBits = new Bm25Index(docs, entries, answers, wordingBudget, entryBudget);
        var scanOnly = new Bm25Index(docs, entries, answers, wordingBudget, entryBudget) { BitLookups = false };

        for (var q = 0; q < 300; q++)
        {
            var text = RandomText(rng, "w", 124, 1 + rng.Next(8), "b", 204, 1 + rng.Next(12));
            // Context terms carry another weight; they change the order the terms are read in.
            var context = rng.Next(3) == 0 ? RandomText(rng, "w", 124, 1 + rng.Next(4), "b", 204, 1 + rng.Next(6)) : null;
            var exclude = rng.Next(3) == 0 ? rng.Next(docs.Count) : -1;
            var got = new Candidate[10];
            var want = new Candidate[10];
            var n = withBits.Search(withBits.Prepare(text, context), got, exclude);
            Assert.Equal(scanOnly.Search(scanOnly.Prepare(text, context), want, exclude), n);
            for (var i = 0; i < n; i++)
            {
                // To the bit: the same terms are added to each wording in the same order.
                Assert.Equal(want[i].Entry, got[i].Entry);
                Assert.Equal(want[i].BestDoc, got[i].BestDoc);
                Assert.Equal(want[i].WordScore, got[i].WordScore);
                Assert.Equal(want[i].BigramScore, got[i].BigramScore);
                Assert.Equal(want[i].Best, got[i].Best);
                Assert.Equal(want[i].Second, got[i].Second);
                Assert.Equal(want[i].MatchedTexts, got[i].MatchedTexts);
                Assert.Equal(want[i].AnswerScore, got[i].AnswerScore);
                Assert.Equal(want[i].Score, got[i].Score);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Coverage_EqualsTheSharesTakenTermByTerm(int seed)
    {
        var rng = new Random(seed);
        const int entries = 40;
        var (docs, answers) = RandomCorpus(rng, entries, maxWordings: 4, words: 30, maxWords: 6, bigrams: 50, maxBigrams: 9);
        var index = new Bm25Index(docs, entries, answers);
        var words = new Bm25(docs.Select(d => d.Text.Words).ToList());
        var bigrams = new Bm25(docs.Select(d => d.Text.Bigrams).ToList());

        for (var q = 0; q < 100; q++)
        {
            // Terms the index never saw (w30+, b50+) and repeated terms too.
            var text = RandomText(rng, "w", 34, 1 + rng.Next(7), "b", 54, 1 + rng.Next(10));
            var context = rng.Next(2) == 0 ? RandomText(rng, "w", 34, 1 + rng.Next(4), "b", 54, 1 + rng.Next(5)) : null;
            var query = index.Prepare(text, context, 0.5f);
            for (var d = 0; d < docs.Count; d += 3)
            {
                var (queryWords, docWords, queryBigrams, docBigrams) = index.Coverage(query, d);
                Assert.Equal(Shares(words, text.Words, context?.Words, d).Query, queryWords, 1e-5f);
                Assert.Equal(Shares(words, text.Words, context?.Words, d).Doc, docWords, 1e-5f);
                Assert.Equal(Shares(bigrams, text.Bigrams, context?.Bigrams, d).Query, queryBigrams, 1e-5f);
                Assert.Equal(Shares(bigrams, text.Bigrams, context?.Bigrams, d).Doc, docBigrams, 1e-5f);
            }
        }

        // The share of the query's weight (message terms 1, context terms 0.5) found in the doc, and of the doc's IDF the query has.
        static (float Query, float Doc) Shares(Bm25 field, string[] main, string[]? context, int doc)
        {
            var weighted = field.Known(main).Select(t => (Term: t, Weight: 1f)).ToList();
            weighted.AddRange(field.Known(context ?? []).Where(t => weighted.All(x => x.Term != t)).Select(t => (Term: t, Weight: 0.5f)));
            var norm = weighted.Sum(x => x.Weight * field.Idf(x.Term));
            var found = weighted.Where(x => field.Contains(x.Term, doc)).Sum(x => x.Weight * field.Idf(x.Term));
            var docTerms = field.Terms(doc);
            var docTotal = docTerms.Sum(field.Idf);
            var docFound = docTerms.Where(t => weighted.Any(x => x.Term == t)).Sum(field.Idf);
            return (norm > 0 ? found / norm : 0f, docTotal > 0 ? docFound / docTotal : 0f);
        }
    }

    /// <summary>Entries with 1..maxWordings random wordings each (word ids below <paramref name="words"/>, bigram ids below <paramref name="bigrams"/>) and a longer random answer each.</summary>
    private static (List<(int Entry, AnalyzedText Text)> Docs, List<AnalyzedText> Answers) RandomCorpus(
        Random rng, int entries, int maxWordings, int words, int maxWords, int bigrams, int maxBigrams)
    {
        var docs = new List<(int Entry, AnalyzedText Text)>();
        for (var e = 0; e < entries; e++)
        {
            var wordings = 1 + rng.Next(maxWordings);
            for (var k = 0; k < wordings; k++) docs.Add((e, RandomText(rng, "w", words, 1 + rng.Next(maxWords), "b", bigrams, 1 + rng.Next(maxBigrams))));
        }
        var answers = Enumerable.Range(0, entries).Select(_ => RandomText(rng, "w", words, 3 + rng.Next(10), "b", bigrams, 5 + rng.Next(20))).ToList();
        return (docs, answers);
    }

    private static AnalyzedText RandomText(Random rng, string wordPrefix, int words, int wordCount, string bigramPrefix, int bigrams, int bigramCount)
    {
        // Skewed towards low ids, so that some terms are common and some rare, as in real text.
        string Pick(string prefix, int range) => prefix + (int)(range * Math.Pow(rng.NextDouble(), 2));
        var w = Enumerable.Range(0, wordCount).Select(_ => Pick(wordPrefix, words)).ToArray();
        var b = Enumerable.Range(0, bigramCount).Select(_ => Pick(bigramPrefix, bigrams)).ToArray();
        return new AnalyzedText("", string.Join(" ", w), w, w, b);
    }

    private sealed record Expected(float Best, float Second, int MatchedTexts, float AnswerScore, float Score);

    /// <summary>Every wording and every answer scored in full, the straightforward way.</summary>
    private static Dictionary<int, Expected> Reference(List<(int Entry, AnalyzedText Text)> docs, List<AnalyzedText> answers, AnalyzedText query, int exclude)
    {
        var words = new Bm25(docs.Select(d => d.Text.Words).ToList());
        var bigrams = new Bm25(docs.Select(d => d.Text.Bigrams).ToList());
        var answerField = new Bm25(answers.Select(a => a.Words.Concat(a.Bigrams).ToArray()).ToList());
        var wq = words.Known(query.Words);
        var bq = bigrams.Known(query.Bigrams);
        var aq = answerField.Known(query.Words.Concat(query.Bigrams));
        var wn = wq.Sum(words.Idf);
        var bn = bq.Sum(bigrams.Idf);
        var an = aq.Sum(answerField.Idf);
        var (ws, bs) = wn > 0 ? (0.6f, 0.4f) : (0f, 1f);
        var result = new Dictionary<int, Expected>();
        // A query that shares no word and no bigram with any wording finds nothing, whatever the answers say.
        if (wq.Length == 0 && bq.Length == 0) return result;
        for (var e = 0; e < answers.Count; e++)
        {
            var own = Enumerable.Range(0, docs.Count).Where(d => docs[d].Entry == e && d != exclude).ToList();
            if (own.Count == 0) continue;
            var scores = new List<float>();
            foreach (var d in own)
            {
                if (!wq.Concat(bq).Any(t => docs[d].Text.Words.Contains(t) || docs[d].Text.Bigrams.Contains(t))) continue;
                var w = wn > 0 ? wq.Sum(t => words.Impact(t, d)) / wn : 0f;
                var b = bn > 0 ? bq.Sum(t => bigrams.Impact(t, d)) / bn : 0f;
                scores.Add(ws * w + bs * b);
            }
            var answer = an > 0 ? aq.Sum(t => answerField.Impact(t, e)) / an : 0f;
            if (scores.Count == 0 && !aq.Any(t => answerField.Contains(t, e))) continue;
            scores.Sort((x, y) => y.CompareTo(x));
            var best = scores.Count > 0 ? scores[0] : 0f;
            var second = scores.Count > 1 ? scores[1] : 0f;
            result[e] = new Expected(best, second, scores.Count, answer, best + 0.25f * second + 0.3f * Math.Min(answer, 1.5f));
        }
        return result;
    }

    private sealed class Bm25(List<string[]> docs)
    {
        private readonly float _average = Math.Max(1f, (float)docs.Average(d => d.Length));

        public string[] Known(IEnumerable<string> terms) => terms.Distinct().Where(t => docs.Any(d => d.Contains(t))).ToArray();

        public bool Contains(string term, int doc) => docs[doc].Contains(term);

        public string[] Terms(int doc) => docs[doc].Distinct().ToArray();

        public float Idf(string term)
        {
            var df = docs.Count(d => d.Contains(term));
            return (float)Math.Log(1 + (docs.Count - df + 0.5) / (df + 0.5));
        }

        public float Impact(string term, int doc)
        {
            var tf = docs[doc].Count(t => t == term);
            if (tf == 0) return 0f;
            return Idf(term) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * docs[doc].Length / _average));
        }
    }
}

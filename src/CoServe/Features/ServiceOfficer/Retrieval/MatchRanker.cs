using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Retrieval;

/// <summary>One ranked entry: the learned probability that it answers the query, and the retrieval evidence.</summary>
public readonly record struct RankedEntry(int Entry, float Probability, Candidate Retrieval);

/// <summary>The ranking of one query and the calibrated confidence that its first entry is the right one.</summary>
public sealed record MatchResult(RankedEntry[] Ranked, float Confidence)
{
    public static readonly MatchResult None = new([], 0f);

    public RankedEntry? Top => Ranked.Length > 0 ? Ranked[0] : null;
}

/// <summary>
/// The learned part of FAQ matching. A logistic model scores (query, candidate entry) pairs from BM25 evidence and
/// from word features (which query words the entry has or lacks, which entry words the query lacks), so it learns
/// which words decide an entry beyond their IDF. A second small logistic model turns the top two scores into the
/// probability that the first is right (calibration). Both are trained on the knowledge base itself: each wording
/// is left out of the index in turn and used as a query; the calibration uses a held-out fifth of the wordings.
/// The weights do not grow with the number of entries, so 10,000 questions cost the same model size as 200.
/// </summary>
public sealed class MatchRanker
{
    public const int DenseFeatures = 12;
    public const int HashBits = 14;
    public const int Dimension = DenseFeatures + (1 << HashBits);

    private readonly float[] _weights;
    private readonly float _bias;
    private readonly float[] _calibration;

    private MatchRanker(float[] weights, float bias, float[] calibration, bool trained)
    {
        _weights = weights;
        _bias = bias;
        _calibration = calibration;
        IsTrained = trained;
    }

    public bool IsTrained { get; }

    /// <summary>Without training data the retrieval score itself is the probability (still ranked, less calibrated).</summary>
    public static MatchRanker Untrained()
    {
        var w = new float[Dimension];
        w[2] = 6f; // best wording's combined BM25
        w[9] = 4f; // gap to the top candidate
        return new MatchRanker(w, -3f, [1f, 2f, 0f], trained: false);
    }

    public MatchResult Rank(Bm25Index index, IndexQuery query, int candidates, int excludeDoc = -1, int penalizedEntry = -1)
    {
        Span<Candidate> top = candidates <= 64 ? stackalloc Candidate[candidates] : new Candidate[candidates];
        var n = index.Search(query, top, excludeDoc);
        if (n == 0) return MatchResult.None;
        var ranked = new RankedEntry[n];
        var features = new List<(int, float)>(64);
        for (var i = 0; i < n; i++)
        {
            features.Clear();
            AddFeatures(index, query, top, i, excludeDoc, features);
            var p = LinearModels.Sigmoid(SparseVector.From(features).Dot(_weights) + _bias);
            // A follow-up asks about something next to what was just answered, not the same thing again.
            if (top[i].Entry == penalizedEntry) p *= 0.5f;
            ranked[i] = new RankedEntry(top[i].Entry, p, top[i]);
        }
        Array.Sort(ranked, static (a, b) => b.Probability != a.Probability ? b.Probability.CompareTo(a.Probability) : a.Entry.CompareTo(b.Entry));
        return new MatchResult(ranked, Calibrate(ranked));
    }

    public float Calibrate(RankedEntry[] ranked)
    {
        if (ranked.Length == 0) return 0f;
        var p1 = ranked[0].Probability;
        var p2 = ranked.Length > 1 ? ranked[1].Probability : 0f;
        return LinearModels.Sigmoid(_calibration[0] * LinearModels.Logit(p1) + _calibration[1] * (p1 - p2) + _calibration[2]);
    }

    internal static void AddFeatures(Bm25Index index, IndexQuery query, ReadOnlySpan<Candidate> top, int i, int excludeDoc, List<(int, float)> f)
    {
        var c = top[i];
        var cov = index.Coverage(query, c.BestDoc);
        f.Add((0, Math.Min(c.WordScore, 2f)));
        f.Add((1, Math.Min(c.BigramScore, 2f)));
        f.Add((2, Math.Min(c.Best, 2f)));
        f.Add((3, Math.Min(c.Second, 2f)));
        f.Add((4, Math.Min(c.MatchedTexts, 5) / 5f));
        f.Add((5, cov.QueryWords));
        f.Add((6, cov.DocWords));
        f.Add((7, cov.QueryBigrams));
        f.Add((8, cov.DocBigrams));
        f.Add((9, c.Score - top[0].Score));
        f.Add((10, i == 0 ? 1f : 0f));
        var matchedIdf = 0f;
        var totalIdf = 0f;
        foreach (var w in query.QueryWords)
        {
            var idf = index.WordIdf(w);
            totalIdf += idf;
            if (index.EntryHasWord(c.Entry, w, excludeDoc))
            {
                matchedIdf += idf;
                f.Add((DenseFeatures + FeatureHash.Of('m', w, HashBits), 1f));
            }
            else
            {
                f.Add((DenseFeatures + FeatureHash.Of('u', w, HashBits), 1f));
            }
        }
        f.Add((11, totalIdf > 0 ? matchedIdf / totalIdf : 0f));
        foreach (var w in index.UnmatchedDocWords(query, c.BestDoc))
        {
            f.Add((DenseFeatures + FeatureHash.Of('x', w, HashBits), 0.5f));
        }
    }

    /// <summary>Trains on the index's own wordings (see the type remarks). Deterministic for a given seed.</summary>
    public static MatchRanker Train(Bm25Index index, IReadOnlyList<AnalyzedText> docTexts, int candidates, int seed, int maxQueries = 20_000)
    {
        var docs = Enumerable.Range(0, index.DocCount).Where(d => index.EntryDocs(index.DocEntry(d)).Count > 1).ToList();
        if (docs.Count < 20) return Untrained();
        var rng = new Random(seed);
        // Shuffle deterministically, then cap: a huge KB does not need every wording as a training query.
        for (var i = docs.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (docs[i], docs[j]) = (docs[j], docs[i]);
        }
        if (docs.Count > maxQueries) docs = docs.Take(maxQueries).ToList();
        var holdout = docs.Where((_, i) => i % 5 == 0).ToList();
        var training = docs.Where((_, i) => i % 5 != 0).ToList();

        var rows = new List<(SparseVector, bool)>();
        var top = new Candidate[candidates];
        var features = new List<(int, float)>(64);
        foreach (var d in training)
        {
            var q = index.Prepare(docTexts[d]);
            var n = index.Search(q, top, excludeDoc: d);
            var entry = index.DocEntry(d);
            if (n == 0 || !top.AsSpan(0, n).ToArray().Any(c => c.Entry == entry)) continue;
            for (var i = 0; i < n; i++)
            {
                features.Clear();
                AddFeatures(index, q, top, i, d, features);
                rows.Add((SparseVector.From(features), top[i].Entry == entry));
            }
        }
        if (rows.Count(r => r.Item2) < 10 || rows.Count(r => !r.Item2) < 10) return Untrained();
        var (weights, bias) = LinearModels.TrainBinary(rows, Dimension, l2: 0.5f, seed);
        var ranker = new MatchRanker(weights, bias, [1f, 0f, 0f], trained: true);

        // Calibration: on held-out wordings, how often is the first entry right given the top two scores?
        var calRows = new List<(SparseVector, bool)>();
        foreach (var d in holdout)
        {
            var r = ranker.Rank(index, index.Prepare(docTexts[d]), candidates, excludeDoc: d);
            if (r.Top is not { } t) continue;
            var p1 = t.Probability;
            var p2 = r.Ranked.Length > 1 ? r.Ranked[1].Probability : 0f;
            calRows.Add((new SparseVector([0, 1], [LinearModels.Logit(p1), p1 - p2]), t.Entry == index.DocEntry(d)));
        }
        if (calRows.Count(r => r.Item2) < 5 || calRows.Count(r => !r.Item2) < 5) return ranker;
        var (cw, cb) = LinearModels.TrainBinary(calRows, 2, l2: 0.1f, seed);
        return new MatchRanker(weights, bias, [cw[0], cw[1], cb], trained: true);
    }
}

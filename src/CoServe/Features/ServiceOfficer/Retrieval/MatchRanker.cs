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
/// The learned part of FAQ matching. A linear model scores (query, candidate entry) pairs from BM25 evidence on
/// words, character bigrams and the answer, from coverage (how much of the query the entry has, and the rarest word
/// it lacks), from the entry classifier's probability (hashed word and character n-grams, see
/// <see cref="EntryClassifier"/>) and from learned word associations (a translation language model trained on the
/// paraphrase groups, see <see cref="TermAssociations"/>: evidence of meaning where the words differ). A second small logistic model turns the top two scores into the
/// probability that the first is right (calibration). Both are trained on the knowledge base itself: each wording
/// is left out of the index in turn and used as a query; the calibration uses a held-out fifth of the wordings.
/// The scoring weights are trained listwise (softmax over each query's candidates, see <see cref="LinearModels.TrainListwise"/>).
/// The weights do not grow with the number of entries, so 10,000 questions cost the same model size as 200.
/// </summary>
public sealed class MatchRanker
{
    public const int Dimension = 23;

    /// <summary>Scale of the term-association log-likelihood ratio, so its feature is of the order of the others.</summary>
    private const float AssociationScale = 0.25f;

    /// <summary>
    /// A follow-up's probability for the entry just answered is multiplied by this: a client who goes on asking
    /// rarely asks the same thing again. 0.5 before round faq4; 0.25 on the dev half: two more follow-ups right
    /// (0.1: the same top-1, fewer answers).
    /// </summary>
    internal const float FollowUpRepeatFactor = 0.25f;

    /// <summary>
    /// The weight of the message read alone when a follow-up is read both ways (<see cref="Blend"/>); the message
    /// with its context gets the rest. 0.3 and 0.5 gave the same dev top-1; 0 is the behaviour before round faq4.
    /// </summary>
    public const float FollowUpAloneWeight = 0.5f;

    private readonly float[] _weights;
    private readonly float _bias;
    private readonly float[] _calibration;
    private readonly EntryClassifier? _classifier;
    private readonly TermAssociations? _associations;

    private MatchRanker(float[] weights, float bias, float[] calibration, bool trained, EntryClassifier? classifier, TermAssociations? associations)
    {
        _associations = associations;
        _weights = weights;
        _bias = bias;
        _calibration = calibration;
        IsTrained = trained;
        _classifier = classifier;
    }

    public bool HasClassifier => _classifier is not null;

    public bool IsTrained { get; }

    /// <summary>Without training data the retrieval score itself is the probability (still ranked, less calibrated).</summary>
    public static MatchRanker Untrained()
    {
        var w = new float[Dimension];
        w[2] = 6f; // best wording's combined BM25
        w[9] = 4f; // gap to the top candidate
        return new MatchRanker(w, -3f, [1f, 2f, 0f], trained: false, classifier: null, associations: null);
    }

    /// <param name="index">The index the query was prepared for.</param>
    /// <param name="query">Prepared query terms.</param>
    /// <param name="text">The analysed text for the entry classifier (for a follow-up, context and message together).</param>
    /// <param name="candidates">How many entries to retrieve and re-rank.</param>
    /// <param name="excludeDoc">A wording left out (training only).</param>
    /// <param name="penalizedEntry">An entry to push down (the one just answered, for a follow-up).</param>
    public MatchResult Rank(Bm25Index index, IndexQuery query, AnalyzedText text, int candidates, int excludeDoc = -1, int penalizedEntry = -1) =>
        Rank(index, query, text, candidates, excludeDoc, penalizedEntry, _classifier, _associations);

    private MatchResult Rank(Bm25Index index, IndexQuery query, AnalyzedText text, int candidates, int excludeDoc, int penalizedEntry, EntryClassifier? classifier, TermAssociations? associations)
    {
        Span<Candidate> top = candidates <= 64 ? stackalloc Candidate[candidates] : new Candidate[candidates];
        var n = index.Search(query, top, excludeDoc);
        if (n == 0) return MatchResult.None;
        Span<float> classProbabilities = stackalloc float[n];
        classProbabilities.Clear();
        classifier?.CandidateProbabilities(EntryClassifier.Features(text), top[..n], classProbabilities);
        Span<float> associationScores = stackalloc float[n];
        var bestAssociation = AssociationScores(associations, query, top[..n], associationScores);
        var ranked = new RankedEntry[n];
        Span<float> features = stackalloc float[Dimension];
        for (var i = 0; i < n; i++)
        {
            features.Clear();
            AddFeatures(index, query, top[..n], i, excludeDoc, classProbabilities[i], features);
            AddAssociation(associationScores[i], bestAssociation, features);
            var score = _bias;
            for (var k = 0; k < Dimension; k++) score += features[k] * _weights[k];
            var p = LinearModels.Sigmoid(score);
            // A follow-up asks about something next to what was just answered, not the same thing again.
            if (top[i].Entry == penalizedEntry) p *= FollowUpRepeatFactor;
            ranked[i] = new RankedEntry(top[i].Entry, p, top[i]);
        }
        Array.Sort(ranked, static (a, b) => b.Probability != a.Probability ? b.Probability.CompareTo(a.Probability) : a.Entry.CompareTo(b.Entry));
        return new MatchResult(ranked, Calibrate(ranked));
    }

    /// <summary>
    /// A follow-up read both ways: each entry's probability is the weighted mean of its probability for the message
    /// alone and for the message with its context (an entry missing from one ranking counts 0 there).
    /// </summary>
    public static MatchResult Blend(MatchRanker ranker, MatchResult alone, MatchResult withContext, float aloneWeight)
    {
        if (aloneWeight <= 0f || alone.Ranked.Length == 0) return withContext;
        var merged = new Dictionary<int, RankedEntry>(withContext.Ranked.Length + alone.Ranked.Length);
        foreach (var r in withContext.Ranked) merged[r.Entry] = r with { Probability = (1f - aloneWeight) * r.Probability };
        foreach (var r in alone.Ranked)
        {
            merged[r.Entry] = merged.TryGetValue(r.Entry, out var c)
                ? c with { Probability = c.Probability + aloneWeight * r.Probability }
                : r with { Probability = aloneWeight * r.Probability };
        }
        var ranked = merged.Values.ToArray();
        Array.Sort(ranked, static (a, b) => b.Probability != a.Probability ? b.Probability.CompareTo(a.Probability) : a.Entry.CompareTo(b.Entry));
        return new MatchResult(ranked, ranker.Calibrate(ranked));
    }

    public float Calibrate(RankedEntry[] ranked)
    {
        if (ranked.Length == 0) return 0f;
        var p1 = ranked[0].Probability;
        var p2 = ranked.Length > 1 ? ranked[1].Probability : 0f;
        return LinearModels.Sigmoid(_calibration[0] * LinearModels.Logit(p1) + _calibration[1] * (p1 - p2) + _calibration[2]);
    }

    /// <summary>Each candidate's term-association score (see <see cref="TermAssociations"/>); returns the best.</summary>
    private static float AssociationScores(TermAssociations? associations, IndexQuery query, ReadOnlySpan<Candidate> top, Span<float> scores)
    {
        scores.Clear();
        if (associations is null) return 0f;
        var ids = associations.WordIds(query.Words);
        var best = float.MinValue;
        for (var i = 0; i < top.Length; i++)
        {
            scores[i] = associations.Score(top[i].Entry, ids);
            best = Math.Max(best, scores[i]);
        }
        return best;
    }

    private static void AddAssociation(float score, float best, Span<float> f)
    {
        f[20] = score * AssociationScale;
        f[21] = (score - best) * AssociationScale;
    }

    internal static void AddFeatures(Bm25Index index, IndexQuery query, ReadOnlySpan<Candidate> top, int i, int excludeDoc, float classProbability, Span<float> f)
    {
        var c = top[i];
        var cov = index.Coverage(query, c.BestDoc);
        f[0] = Math.Min(c.WordScore, 2f);
        f[1] = Math.Min(c.BigramScore, 2f);
        f[2] = Math.Min(c.Best, 2f);
        f[3] = Math.Min(c.Second, 2f);
        f[4] = Math.Min(c.MatchedTexts, 5) / 5f;
        f[5] = cov.QueryWords;
        f[6] = cov.DocWords;
        f[7] = cov.QueryBigrams;
        f[8] = cov.DocBigrams;
        f[9] = c.Score - top[0].Score;
        f[10] = i == 0 ? 1f : 0f;
        f[12] = Math.Min(c.AnswerScore, 2f);
        f[13] = classProbability;
        var matchedIdf = 0f;
        var totalIdf = 0f;
        var maxMissing = 0f;
        var maxMatched = 0f;
        for (var k = 0; k < query.WordIds.Length; k++)
        {
            var idf = query.WordIdfs[k];
            totalIdf += idf;
            if (index.EntryHasTerm(c.Entry, query.WordIds[k], excludeDoc))
            {
                matchedIdf += idf;
                maxMatched = Math.Max(maxMatched, idf);
            }
            else
            {
                maxMissing = Math.Max(maxMissing, idf);
            }
        }
        f[11] = totalIdf > 0 ? matchedIdf / totalIdf : 0f;
        // The rarest word a candidate lacks decides more than many common words it has ("税" in 卖出的税是多少).
        f[14] = maxMissing / index.MaxWordIdf;
        f[15] = maxMatched / index.MaxWordIdf;
        var (cueBest, cueEntry, cueSpecific) = index.CueAgreement(query, c.Entry, c.BestDoc, excludeDoc);
        f[16] = cueBest;
        f[17] = cueEntry;
        f[22] = cueSpecific;
        var (signature, signatureMissing) = index.SignatureCoverage(query, c.Entry, excludeDoc);
        f[18] = signature;
        f[19] = signatureMissing;
    }

    /// <summary>Trains on the index's own wordings (see the type remarks). Deterministic for a given seed.</summary>
    public static MatchRanker Train(Bm25Index index, IReadOnlyList<AnalyzedText> docTexts, int candidates, int seed, int maxQueries = 20_000, int maxClassifierEntries = 600)
    {
        var docs = Enumerable.Range(0, index.DocCount).Where(d => index.EntryDocs(index.DocEntry(d)).Count > 1).ToList();
        if (docs.Count < 20) return Untrained();

        // Entry classifier: cross-fitted, so that a wording used as a training query was never seen by the
        // classifier that scores it (otherwise the ranker would learn to trust it far too much).
        const int folds = 3;
        EntryClassifier? final = null;
        var foldModels = new EntryClassifier?[folds];
        var foldOf = new int[index.DocCount];
        for (var e = 0; e < index.EntryCount; e++)
        {
            var k = 0;
            foreach (var d in index.EntryDocs(e)) foldOf[d] = k++ % folds;
        }
        // Term associations, cross-fitted the same way: a training query's own words never taught the table that scores it.
        var associationModels = new TermAssociations[folds + 1];
        Parallel.For(0, folds + 1, f => associationModels[f] = TermAssociations.Train(
            Enumerable.Range(0, index.DocCount).Where(d => f == folds || foldOf[d] != f).Select(d => (index.DocEntry(d), docTexts[d].Words)).ToList(), index.EntryCount));
        var finalAssociations = associationModels[folds];
        if (index.EntryCount <= maxClassifierEntries)
        {
            var all = Enumerable.Range(0, index.DocCount).Select(d => (docTexts[d], index.DocEntry(d))).ToList();
            // Independent models with their own seeds and data: training them side by side changes nothing in
            // the result, only the wall-clock time of a reload.
            var trained = new EntryClassifier[folds + 1];
            Parallel.For(0, folds + 1, f => trained[f] = EntryClassifier.Train(f == folds ? all : all.Where((_, d) => foldOf[d] != f).ToList(), index.EntryCount, seed));
            final = trained[folds];
            for (var f = 0; f < folds; f++) foldModels[f] = trained[f];
        }

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

        var rows = new List<(SparseVector X, bool Y)>();
        var groups = new List<(int Start, int Count)>();
        var top = new Candidate[candidates];
        var probabilities = new float[candidates];
        var associationScores = new float[candidates];
        var features = new float[Dimension];
        foreach (var d in training)
        {
            var q = index.Prepare(docTexts[d]);
            var n = index.Search(q, top, excludeDoc: d);
            var entry = index.DocEntry(d);
            if (n == 0 || !top.AsSpan(0, n).ToArray().Any(c => c.Entry == entry)) continue;
            Array.Clear(probabilities);
            foldModels[foldOf[d]]?.CandidateProbabilities(EntryClassifier.Features(docTexts[d]), top.AsSpan(0, n), probabilities);
            var bestAssociation = AssociationScores(associationModels[foldOf[d]], q, top.AsSpan(0, n), associationScores.AsSpan(0, n));
            for (var i = 0; i < n; i++)
            {
                Array.Clear(features);
                AddFeatures(index, q, top.AsSpan(0, n), i, d, probabilities[i], features);
                AddAssociation(associationScores[i], bestAssociation, features);
                rows.Add((new SparseVector([.. Enumerable.Range(0, Dimension)], [.. features]), top[i].Entry == entry));
            }
            groups.Add((rows.Count - n, n));
        }
        if (rows.Count(r => r.Item2) < 10 || rows.Count(r => !r.Item2) < 10) return Untrained();
        var (pointWeights, _) = LinearModels.TrainBinary(rows, Dimension, l2: 0.5f, seed);
        // Listwise on top: on `coserve nlu cv` this raised top-1 from 90.5% to 91.7%, on the dev half of the eval set
        // from 67.6% to 69.7%.
        var (weights, bias) = LinearModels.TrainListwise(rows, groups, Dimension, pointWeights, seed);
        var ranker = new MatchRanker(weights, bias, [1f, 0f, 0f], trained: true, final, finalAssociations);

        // Calibration: on held-out wordings, how often is the first entry right given the top two scores?
        var calRows = new List<(SparseVector, bool)>();
        foreach (var d in holdout)
        {
            var r = ranker.Rank(index, index.Prepare(docTexts[d]), docTexts[d], candidates, d, -1, foldModels[foldOf[d]], associationModels[foldOf[d]]);
            if (r.Top is not { } t) continue;
            var p1 = t.Probability;
            var p2 = r.Ranked.Length > 1 ? r.Ranked[1].Probability : 0f;
            calRows.Add((new SparseVector([0, 1], [LinearModels.Logit(p1), p1 - p2]), t.Entry == index.DocEntry(d)));
        }
        if (calRows.Count(r => r.Item2) < 5 || calRows.Count(r => !r.Item2) < 5) return ranker;
        var (cw, cb) = LinearModels.TrainBinary(calRows, 2, l2: 0.1f, seed);
        return new MatchRanker(weights, bias, [cw[0], cw[1], cb], trained: true, final, finalAssociations);
    }
}

using System.Collections.Frozen;

namespace CoServe.Features.ServiceOfficer.Retrieval;

/// <summary>
/// Which words mean the same thing, learned from the knowledge base's own paraphrase groups: every wording of an
/// entry asks the same question, so a word of one wording "translates" into the words of its siblings. A word
/// translation table T(q | t) is trained with IBM Model 1 (EM over pairs of sibling wordings, with an empty source
/// word for query words that translate nothing) and used as a translation language model for FAQ retrieval (Jeon,
/// Croft and Lee 2005; Xue, Jeon and Croft 2008):
/// <code>P(q | e) = (1 - λ) [β Σ_t T(q | t) P(t | e) + (1 - β) P(q | e)] + λ P(q | C)</code>
/// where P(t | e) pools the words of all of entry e's wordings and P(q | C) is the whole knowledge base. The feature is
/// the mean log-likelihood ratio log P(q | e) / P(q | C) over the query's known words, so that 提现 can count for an
/// entry worded 银证转账 转出 when other entries use both. Per entry the mixture is precomputed as a sorted word list,
/// so a query costs one dictionary lookup per word and one binary search per word and candidate.
/// </summary>
public sealed class TermAssociations
{
    /// <summary>Weight of the translated part against the entry's own words (β; chosen on the dev half and cv: 0.3 / 0.5 / 0.8 / 0.95).</summary>
    public const float TranslationWeight = 0.8f;

    /// <summary>Weight of the whole knowledge base's word distribution (λ, Jelinek-Mercer smoothing; 0.05 / 0.1 / 0.2 / 0.5 tried).</summary>
    public const float BackgroundWeight = 0.05f;

    /// <summary>EM passes of Model 1; the table settles after a few.</summary>
    public const int Iterations = 5;

    /// <summary>Translations below this probability are dropped (they are noise and cost memory).</summary>
    public const float MinTranslation = 0.01f;

    /// <summary>Each wording is paired with at most this many siblings, so an entry with many wordings costs linearly.</summary>
    public const int MaxPartners = 16;

    /// <summary>
    /// Sibling pairs trained on at most, spread evenly over the wordings (fewer partners each in a large knowledge
    /// base): the seed's ~3,400 wordings keep all 16 partners, a 28,000-wording base gets 3, and a reload stays in seconds.
    /// </summary>
    public const int MaxPairs = 100_000;

    private readonly FrozenDictionary<string, int> _vocabulary;
    private readonly float[] _background;
    private readonly int[][] _entryWords;
    private readonly float[][] _entryProbabilities;
    /// <summary>Per word, its term in <see cref="Score"/> for an entry that never has it (p = 0): the same expression, computed once.</summary>
    private readonly float[] _absentLog;

    private TermAssociations(FrozenDictionary<string, int> vocabulary, float[] background, int[][] entryWords, float[][] entryProbabilities)
    {
        _vocabulary = vocabulary;
        _background = background;
        _entryWords = entryWords;
        _entryProbabilities = entryProbabilities;
        _absentLog = [.. background.Select(b => Term(0f, b))];
    }

    /// <summary>Position of <paramref name="word"/> in the ascending, distinct <paramref name="words"/>, or -1 (a plain loop: the generic Array.BinarySearch did not inline).</summary>
    private static int IndexOf(int[] words, int word)
    {
        int lo = 0, hi = words.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var w = words[mid];
            if (w == word) return mid;
            if (w < word) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    private static float Term(float p, float background) => MathF.Log(((1 - BackgroundWeight) * p + BackgroundWeight * background) / background);

    public int EntryCount => _entryWords.Length;

    /// <summary>
    /// Trains on the given wordings (entry, content words). A wording left out of <paramref name="wordings"/>
    /// contributes nothing: neither to the translation table nor to any entry's word distribution.
    /// </summary>
    public static TermAssociations Train(IReadOnlyList<(int Entry, string[] Words)> wordings, int entryCount)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var docs = new int[wordings.Count][];
        for (var d = 0; d < wordings.Count; d++)
        {
            var words = wordings[d].Words;
            var ids = new int[words.Length];
            for (var i = 0; i < words.Length; i++)
            {
                if (!vocabulary.TryGetValue(words[i], out var id)) vocabulary[words[i]] = id = vocabulary.Count;
                ids[i] = id;
            }
            docs[d] = ids;
        }
        var v = vocabulary.Count;
        var background = new float[v];
        var total = 0;
        foreach (var doc in docs)
        {
            foreach (var id in doc) background[id]++;
            total += doc.Length;
        }
        for (var i = 0; i < v; i++) background[i] /= Math.Max(1, total);

        var byEntry = new List<int>[entryCount];
        for (var e = 0; e < entryCount; e++) byEntry[e] = [];
        for (var d = 0; d < wordings.Count; d++) byEntry[wordings[d].Entry].Add(d);
        var partners = Math.Clamp(MaxPairs / Math.Max(1, wordings.Count), 1, MaxPartners);
        var pairs = SiblingPairs(byEntry, docs, partners);
        var table = TrainModel1(pairs, docs, v);

        var entryWords = new int[entryCount][];
        var entryProbabilities = new float[entryCount][];
        var mix = new Dictionary<int, float>();
        var own = new Dictionary<int, float>();
        for (var e = 0; e < entryCount; e++)
        {
            mix.Clear();
            own.Clear();
            var length = 0;
            foreach (var d in byEntry[e])
            {
                foreach (var id in docs[d]) own[id] = own.GetValueOrDefault(id) + 1;
                length += docs[d].Length;
            }
            foreach (var (t, count) in own)
            {
                var pt = count / length;
                mix[t] = mix.GetValueOrDefault(t) + (1 - TranslationWeight) * pt;
                foreach (var (q, p) in table[t]) mix[q] = mix.GetValueOrDefault(q) + TranslationWeight * p * pt;
            }
            var ordered = mix.OrderBy(kv => kv.Key).ToArray();
            entryWords[e] = ordered.Select(kv => kv.Key).ToArray();
            entryProbabilities[e] = ordered.Select(kv => kv.Value).ToArray();
        }
        return new TermAssociations(vocabulary.ToFrozenDictionary(StringComparer.Ordinal), background, entryWords, entryProbabilities);
    }

    private static List<(int Target, int Source)> SiblingPairs(List<int>[] byEntry, int[][] docs, int partners)
    {
        var pairs = new List<(int, int)>();
        foreach (var group in byEntry)
        {
            for (var i = 0; i < group.Count; i++)
            {
                if (docs[group[i]].Length == 0) continue;
                var taken = 0;
                // The partners following each wording (wrapping round): every wording translates and is translated
                // about equally often, and the set is the same for the same input.
                for (var step = 1; step < group.Count && taken < partners; step++)
                {
                    var j = group[(i + step) % group.Count];
                    if (docs[j].Length == 0) continue;
                    pairs.Add((group[i], j));
                    taken++;
                }
            }
        }
        return pairs;
    }

    /// <summary>IBM Model 1: T(q | t) for query word q given entry word t, with source word -1 as the empty word.</summary>
    private static (int Word, float P)[][] TrainModel1(List<(int Target, int Source)> pairs, int[][] docs, int v)
    {
        // Start uniform over the words that ever co-occur in a pair (what EM can reach anyway).
        var t = new Dictionary<long, float>(PairKeyComparer.Instance);
        foreach (var (target, source) in pairs)
        {
            foreach (var q in docs[target])
            {
                t[Key(q, -1)] = 1f;
                foreach (var s in docs[source]) t[Key(q, s)] = 1f;
            }
        }
        var counts = new Dictionary<long, float>(t.Count, PairKeyComparer.Instance);
        var sourceTotals = new float[v + 1];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            counts.Clear();
            Array.Clear(sourceTotals);
            foreach (var (target, source) in pairs)
            {
                var src = docs[source];
                foreach (var q in docs[target])
                {
                    var denominator = t[Key(q, -1)];
                    foreach (var s in src) denominator += t[Key(q, s)];
                    Add(counts, sourceTotals, q, -1, t[Key(q, -1)] / denominator);
                    foreach (var s in src) Add(counts, sourceTotals, q, s, t[Key(q, s)] / denominator);
                }
            }
            foreach (var (key, c) in counts)
            {
                var s = (int)(key & 0xFFFFFFFF) - 1;
                t[key] = c / sourceTotals[s + 1];
            }
        }
        var rows = new List<(int, float)>[v];
        for (var i = 0; i < v; i++) rows[i] = [];
        foreach (var (key, p) in t)
        {
            var s = (int)(key & 0xFFFFFFFF) - 1;
            if (s < 0 || p < MinTranslation) continue;
            rows[s].Add(((int)(key >> 32), p));
        }
        return rows.Select(r => r.OrderBy(x => x.Item1).ToArray()).ToArray();
    }

    private static long Key(int q, int s) => ((long)q << 32) | (uint)(s + 1);

    /// <summary>long's own hash (high XOR low half) puts every (q, s) pair of small ids into a few thousand buckets.</summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key)
        {
            var h = (ulong)key * 0x9E3779B97F4A7C15ul;
            return (int)(h >> 32);
        }
    }

    private static void Add(Dictionary<long, float> counts, float[] sourceTotals, int q, int s, float c)
    {
        var key = Key(q, s);
        counts[key] = counts.GetValueOrDefault(key) + c;
        sourceTotals[s + 1] += c;
    }

    /// <summary>The query's words as vocabulary ids; words the knowledge base never uses are -1 (they tell no entry apart).</summary>
    public int[] WordIds(IReadOnlyList<string> words)
    {
        var ids = new int[words.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = _vocabulary.TryGetValue(words[i], out var id) ? id : -1;
        return ids;
    }

    /// <summary>Mean log-likelihood ratio of the known query words under the entry's translation model (0 when none is known).</summary>
    public float Score(int entry, ReadOnlySpan<int> queryIds)
    {
        var words = _entryWords[entry];
        var probabilities = _entryProbabilities[entry];
        var sum = 0f;
        var known = 0;
        foreach (var q in queryIds)
        {
            if (q < 0) continue;
            var at = IndexOf(words, q);
            sum += at >= 0 ? Term(probabilities[at], _background[q]) : _absentLog[q];
            known++;
        }
        return known == 0 ? 0f : sum / known;
    }
}

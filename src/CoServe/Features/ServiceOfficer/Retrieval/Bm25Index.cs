using System.Collections.Frozen;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Retrieval;

/// <summary>A retrieved entry with the evidence the ranker learns from.</summary>
public struct Candidate
{
    public int Entry { get; set; }
    public int BestDoc { get; set; }
    /// <summary>BM25 of the best-matching text over words / character bigrams, divided by the query's own weight.</summary>
    public float WordScore { get; set; }
    public float BigramScore { get; set; }
    /// <summary>Combined score of the best text and of the entry's second-best text (other wordings agreeing).</summary>
    public float Best { get; set; }
    public float Second { get; set; }
    public int MatchedTexts { get; set; }
    /// <summary>BM25 of the entry's approved answer (words and bigrams), divided by the query's own weight.</summary>
    public float AnswerScore { get; set; }
    public float Score { get; set; }
}

/// <summary>Query terms with weights (1 for the message itself, less for context carried from earlier turns).</summary>
public sealed class IndexQuery
{
    internal (int Term, float Weight)[] WordTerms = [];
    internal (int Term, float Weight)[] BigramTerms = [];
    internal float WordNorm;
    internal float BigramNorm;
    internal string[] Words = [];
    /// <summary>Term id in the word field of each of <see cref="Words"/> (-1 if the index has never seen it), and its IDF.</summary>
    internal int[] WordIds = [];
    internal float[] WordIdfs = [];
    internal (int Term, float Weight)[] AnswerTerms = [];
    internal float AnswerNorm;
    internal int Cues;
    /// <summary>Query terms of both fields, rarest first (computed on first search).</summary>
    internal (int Field, int Term, float Weight)[]? Order;
    internal (int Term, float Weight)[]? AnswerOrder;
    /// <summary>Per field, the query's terms by ascending id with their positions, and weight × IDF per term in query order (computed on first use).</summary>
    internal CoverageTerms? WordCoverage;
    internal CoverageTerms? BigramCoverage;

    internal sealed record CoverageTerms((int Term, int At)[] Sorted, float[] WeightedIdf);

    /// <summary>Query words (with weights) in the order given, including ones the index has never seen.</summary>
    public IReadOnlyList<string> QueryWords => Words;

    public bool IsEmpty => WordTerms.Length == 0 && BigramTerms.Length == 0;
}

/// <summary>
/// In-memory BM25 over every wording (standard question and paraphrases) of every entry, on two fields: jieba
/// words and character bigrams. Words carry meaning; bigrams survive segmentation differences and typos. An entry
/// scores by its best wording plus a share of its second best. Immutable after construction; scoring uses
/// per-thread scratch buffers, so concurrent queries never share state.
/// </summary>
public sealed class Bm25Index
{
    private const float K1 = 1.2f;
    private const float B = 0.75f;
    /// <summary>Words carry more meaning than bigrams; bigrams catch what segmentation splits differently.</summary>
    private const float WordShare = 0.6f;
    private const float SecondShare = 0.25f;
    /// <summary>The answer explains the question in other words ("几天" in the question, "当场受理" in the answer).</summary>
    private const float AnswerShare = 0.3f;

    [ThreadStatic] private static Scratch? _scratch;

    private readonly Field _words;
    private readonly Field _bigrams;
    private readonly Field? _answers;
    /// <summary>The answer field's id of each word (and bigram) term of the question fields, -1 where the answers lack it.</summary>
    private readonly int[]? _wordToAnswer;
    private readonly int[]? _bigramToAnswer;
    private readonly int[] _docEntry;
    private readonly int[][] _entryDocs;
    private readonly int[] _docCues;
    /// <summary>Per entry: each word term with the number of the entry's wordings that contain it.</summary>
    private readonly (int Term, int Docs)[][] _entryTerms;
    /// <summary>Per entry, its signature words with their IDF (see <see cref="SignatureCoverage"/>) when no wording is left out.</summary>
    private readonly (int Term, float Idf)[][] _entrySignature;

    /// <param name="docs">Every wording with its entry ordinal.</param>
    /// <param name="entryCount">Number of entries.</param>
    /// <param name="answers">Each entry's answer (by ordinal), or null to index wordings only.</param>
    /// <param name="wordingBudget">Wordings that may enter the candidate set per query (see <see cref="AccumulateRarestFirst"/>).</param>
    /// <param name="entryBudget">Entries that the answer field may bring into play per query.</param>
    public Bm25Index(IReadOnlyList<(int Entry, AnalyzedText Text)> docs, int entryCount, IReadOnlyList<AnalyzedText>? answers = null,
        int wordingBudget = DefaultWordingBudget, int entryBudget = DefaultEntryBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wordingBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(entryBudget, 1);
        WordingBudget = wordingBudget;
        EntryBudget = entryBudget;
        _docEntry = docs.Select(d => d.Entry).ToArray();
        _words = new Field(docs.Select(d => d.Text.Words).ToList());
        _bigrams = new Field(docs.Select(d => d.Text.Bigrams).ToList());
        if (answers is not null)
        {
            if (answers.Count != entryCount) throw new ArgumentException("one answer per entry");
            _answers = new Field(answers.Select(a => a.Words.Concat(a.Bigrams).ToArray()).ToList());
            _wordToAnswer = [.. _words.TermText.Select(t => _answers.TryGetTerm(t, out var id) ? id : -1)];
            _bigramToAnswer = [.. _bigrams.TermText.Select(t => _answers.TryGetTerm(t, out var id) ? id : -1)];
        }
        MaxWordIdf = _words.Idf.Length == 0 ? 1f : Math.Max(1e-3f, _words.Idf.Max());
        var perEntry = new List<int>[entryCount];
        for (var i = 0; i < entryCount; i++) perEntry[i] = [];
        for (var d = 0; d < docs.Count; d++) perEntry[docs[d].Entry].Add(d);
        _entryDocs = perEntry.Select(l => l.ToArray()).ToArray();
        EntryCount = entryCount;
        _docCues = docs.Select(d => QuestionCues.Of(d.Text.Normalized)).ToArray();
        _entryTerms = _entryDocs.Select(ds => ds.SelectMany(d => _words.DocTerms(d).ToArray()).GroupBy(t => t).Select(g => (g.Key, g.Count())).OrderBy(x => x.Key).ToArray()).ToArray();
        _entrySignature = [.. _entryTerms.Select((terms, e) => terms.Where(x => x.Docs * 2 >= _entryDocs[e].Length).Select(x => (x.Term, _words.Idf[x.Term])).ToArray())];
    }

    /// <summary>
    /// How well the query's question type (怎么/多久/多少钱/为什么 ...) agrees with the candidate: with its best
    /// wording, with the share of the entry's wordings that ask the same way, and, for the specific types only
    /// (everything but "how" and "can I", which nearly any question may also be), the share of the entry's wordings
    /// that ask at least one of the query's specific types (0 when the query asks none).
    /// </summary>
    public (float BestDoc, float Entry, float Specific) CueAgreement(IndexQuery query, int entry, int bestDoc, int excludeDoc)
    {
        var q = query.Cues;
        if (q == 0) return (0f, 0f, 0f);
        var specific = q & QuestionCues.SpecificMask;
        var qCount = System.Numerics.BitOperations.PopCount((uint)q);
        var best = System.Numerics.BitOperations.PopCount((uint)(q & _docCues[bestDoc])) / (float)qCount;
        var share = 0f;
        var specificShare = 0f;
        var n = 0;
        foreach (var d in _entryDocs[entry])
        {
            if (d == excludeDoc) continue;
            n++;
            share += System.Numerics.BitOperations.PopCount((uint)(q & _docCues[d])) / (float)qCount;
            if ((specific & _docCues[d]) != 0) specificShare++;
        }
        return n == 0 ? (best, 0f, 0f) : (best, share / n, specificShare / n);
    }

    /// <summary>
    /// The entry's signature words (in at least half of its wordings, e.g. 手续费 for "逆回购手续费"): the IDF share of
    /// them the query mentions, and the rarest one it does not (a query about 逆回购怎么买 lacks 手续费).
    /// </summary>
    public (float Covered, float MaxMissing) SignatureCoverage(IndexQuery query, int entry, int excludeDoc)
    {
        var docs = _entryDocs[entry];
        var n = docs.Length - (excludeDoc >= 0 && _docEntry[excludeDoc] == entry ? 1 : 0);
        if (n <= 0) return (0f, 0f);
        if (n == docs.Length) return SignatureSums(query, _entrySignature[entry]);
        // Training leaves one of the entry's wordings out: the signature of the others.
        var excluded = _words.DocTerms(excludeDoc);
        var signature = new List<(int Term, float Idf)>();
        foreach (var (term, count) in _entryTerms[entry])
        {
            if ((count - (excluded.BinarySearch(term) >= 0 ? 1 : 0)) * 2 >= n) signature.Add((term, _words.Idf[term]));
        }
        return SignatureSums(query, [.. signature]);
    }

    // The IDF share of the signature the query mentions and the rarest signature word it lacks, terms in ascending order.
    private (float Covered, float MaxMissing) SignatureSums(IndexQuery query, (int Term, float Idf)[] signature)
    {
        float total = 0f, covered = 0f, maxMissing = 0f;
        foreach (var (term, idf) in signature)
        {
            total += idf;
            var found = false;
            foreach (var (qt, _) in query.WordTerms)
            {
                if (qt == term)
                {
                    found = true;
                    break;
                }
            }
            if (found) covered += idf;
            else maxMissing = Math.Max(maxMissing, idf);
        }
        return (total <= 0 ? 0f : covered / total, maxMissing / MaxWordIdf);
    }

    public int DocCount => _docEntry.Length;

    public int EntryCount { get; }

    public int DocEntry(int doc) => _docEntry[doc];

    public IReadOnlyList<int> EntryDocs(int entry) => _entryDocs[entry];

    public IndexQuery Prepare(AnalyzedText text, AnalyzedText? context = null, float contextWeight = 0.5f)
    {
        // Each word and bigram is looked up once in its question field; the answer field reuses those ids and looks
        // up only what the questions never had.
        var words = _words.Ids(text.Words);
        var bigrams = _bigrams.Ids(text.Bigrams);
        var contextWords = context is null ? null : _words.Ids(context.Words);
        var contextBigrams = context is null ? null : _bigrams.Ids(context.Bigrams);
        var (queryWords, queryWordIds) = context is null ? (text.Words, words) : WithContextWords(text.Words, words, context.Words, contextWords!);
        var q = new IndexQuery
        {
            WordTerms = Field.Terms(words, null, contextWords, contextWeight),
            BigramTerms = Field.Terms(bigrams, null, contextBigrams, contextWeight),
            Words = queryWords,
            WordIds = queryWordIds,
        };
        if (_answers is not null)
        {
            q.AnswerTerms = Field.Terms(
                AnswerIds(text.Words, words, _wordToAnswer!),
                AnswerIds(text.Bigrams, bigrams, _bigramToAnswer!),
                context is null ? null : [.. AnswerIds(context.Words, contextWords!, _wordToAnswer!), .. AnswerIds(context.Bigrams, contextBigrams!, _bigramToAnswer!)],
                contextWeight);
            q.AnswerNorm = _answers.Norm(q.AnswerTerms);
        }
        q.WordNorm = _words.Norm(q.WordTerms);
        q.WordIdfs = new float[q.Words.Length];
        for (var i = 0; i < q.Words.Length; i++)
        {
            q.WordIdfs[i] = q.WordIds[i] >= 0 ? _words.Idf[q.WordIds[i]] : 0f;
        }
        q.Cues = QuestionCues.Of(text.Normalized);
        q.BigramNorm = _bigrams.Norm(q.BigramTerms);
        return q;
    }

    /// <summary>The message's words, then the context's words the message lacks, each with the id looked up before.</summary>
    private static (string[] Words, int[] Ids) WithContextWords(string[] words, int[] ids, string[] contextWords, int[] contextIds)
    {
        var allWords = new List<string>(words);
        var allIds = new List<int>(ids);
        for (var i = 0; i < contextWords.Length; i++)
        {
            if (words.Contains(contextWords[i])) continue;
            allWords.Add(contextWords[i]);
            allIds.Add(contextIds[i]);
        }
        return ([.. allWords], [.. allIds]);
    }

    private int[] AnswerIds(string[] texts, int[] questionIds, int[] toAnswer)
    {
        var ids = new int[texts.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = questionIds[i] >= 0 ? toAnswer[questionIds[i]] : _answers!.TryGetTerm(texts[i], out var id) ? id : -1;
        }
        return ids;
    }

    /// <summary>Top entries for a query; <paramref name="excludeDoc"/> leaves one wording out (training on the index itself).</summary>
    public int Search(IndexQuery query, Span<Candidate> top, int excludeDoc = -1)
    {
        if (query.IsEmpty || top.Length == 0) return 0;
        var s = _scratch ??= new Scratch();
        s.Ensure(DocCount, EntryCount);
        try
        {
            AccumulateRarestFirst(query, s);
            var wn = query.WordNorm > 0 ? 1f / query.WordNorm : 0f;
            var bn = query.BigramNorm > 0 ? 1f / query.BigramNorm : 0f;
            // Bigram-only queries (single words the dictionary lacks) still rank by bigrams alone.
            var ws = query.WordNorm > 0 ? WordShare : 0f;
            var bs = query.WordNorm > 0 ? 1f - WordShare : 1f;
            for (var i = 0; i < s.TouchedDocCount; i++)
            {
                var d = s.TouchedDocs[i];
                if (d == excludeDoc) continue;
                var w = s.WordAcc[d] * wn;
                var b = s.BigramAcc[d] * bn;
                var combined = ws * w + bs * b;
                var e = _docEntry[d];
                ref var c = ref s.EntryBest[e];
                if (s.EntryMark[e] != s.Generation)
                {
                    s.EntryMark[e] = s.Generation;
                    s.TouchedEntries[s.TouchedEntryCount++] = e;
                    c = new Candidate { Entry = e, BestDoc = d, WordScore = w, BigramScore = b, Best = combined, MatchedTexts = 1 };
                    continue;
                }
                c.MatchedTexts++;
                if (combined > c.Best)
                {
                    c.Second = c.Best;
                    c.Best = combined;
                    c.BestDoc = d;
                    c.WordScore = w;
                    c.BigramScore = b;
                }
                else if (combined > c.Second)
                {
                    c.Second = combined;
                }
            }
            if (_answers is not null && query.AnswerNorm > 0)
            {
                var an = 1f / query.AnswerNorm;
                // Rarest answer terms first; once enough entries are in play, common ones only add to those.
                foreach (var (term, weight) in query.AnswerOrder ??= RarestAnswerTermsFirst(query))
                {
                    var entries = _answers.PostDocs[term];
                    var impacts = _answers.PostImpact[term];
                    var scale = weight * an;
                    var mayAdd = s.TouchedEntryCount < EntryBudget;
                    if (!mayAdd && BitLookups && entries.Length > BitsLookupFactor * s.TouchedEntryCount && _answers.HasBits(term))
                    {
                        for (var k = 0; k < s.TouchedEntryCount; k++)
                        {
                            var e = s.TouchedEntries[k];
                            var impact = _answers.BitsImpact(e, term);
                            if (impact != 0f) s.EntryBest[e].AnswerScore += scale * impact;
                        }
                        continue;
                    }
                    if (!mayAdd && entries.Length > ForwardLookupFactor * s.TouchedEntryCount)
                    {
                        for (var k = 0; k < s.TouchedEntryCount; k++)
                        {
                            var e = s.TouchedEntries[k];
                            var impact = _answers.Impact(e, term);
                            if (impact != 0f) s.EntryBest[e].AnswerScore += scale * impact;
                        }
                        continue;
                    }
                    for (var i = 0; i < entries.Length; i++)
                    {
                        var e = entries[i];
                        var add = scale * impacts[i];
                        ref var c = ref s.EntryBest[e];
                        if (s.EntryMark[e] != s.Generation)
                        {
                            if (!mayAdd) continue;
                            s.EntryMark[e] = s.Generation;
                            s.TouchedEntries[s.TouchedEntryCount++] = e;
                            c = new Candidate { Entry = e, BestDoc = FirstDoc(e, excludeDoc) };
                        }
                        c.AnswerScore += add;
                    }
                }
            }
            var n = 0;
            for (var i = 0; i < s.TouchedEntryCount; i++)
            {
                var c = s.EntryBest[s.TouchedEntries[i]];
                if (c.BestDoc < 0) continue;
                c.Score = c.Best + SecondShare * c.Second + AnswerShare * Math.Min(c.AnswerScore, 1.5f);
                // Keep the k best in descending order (k is small: insertion beats a heap).
                if (n < top.Length)
                {
                    top[n++] = c;
                }
                else if (c.Score > top[n - 1].Score || (c.Score == top[n - 1].Score && c.Entry < top[n - 1].Entry))
                {
                    top[n - 1] = c;
                }
                else
                {
                    continue;
                }
                for (var j = n - 1; j > 0 && (top[j].Score > top[j - 1].Score || (top[j].Score == top[j - 1].Score && top[j].Entry < top[j - 1].Entry)); j--)
                {
                    (top[j], top[j - 1]) = (top[j - 1], top[j]);
                }
            }
            return n;
        }
        finally
        {
            s.Reset();
        }
    }

    private int FirstDoc(int entry, int excludeDoc)
    {
        foreach (var d in _entryDocs[entry])
        {
            if (d != excludeDoc) return d;
        }
        return -1;
    }

    /// <summary>
    /// Share of the query's word weight found in the doc and share of the doc's word weight found in the query
    /// (recall and precision of the match), plus the same on bigrams.
    /// </summary>
    public (float QueryWords, float DocWords, float QueryBigrams, float DocBigrams) Coverage(IndexQuery query, int doc)
    {
        var (queryWords, docWords) = _words.Coverage(query.WordCoverage ??= _words.CoverageTerms(query.WordTerms), query.WordNorm, doc);
        var (queryBigrams, docBigrams) = _bigrams.Coverage(query.BigramCoverage ??= _bigrams.CoverageTerms(query.BigramTerms), query.BigramNorm, doc);
        return (queryWords, docWords, queryBigrams, docBigrams);
    }

    /// <summary>Whether any wording of the entry (but the excluded one) contains the word term.</summary>
    public bool EntryHasTerm(int entry, int term, int excludeDoc = -1)
    {
        if (term < 0) return false;
        var terms = _entryTerms[entry];
        int lo = 0, hi = terms.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var t = terms[mid].Term;
            if (t == term)
            {
                var count = terms[mid].Docs;
                if (excludeDoc >= 0 && _docEntry[excludeDoc] == entry && _words.DocTerms(excludeDoc).BinarySearch(term) >= 0) count--;
                return count > 0;
            }
            if (t < term) lo = mid + 1;
            else hi = mid - 1;
        }
        return false;
    }

    /// <summary>Whether any wording of the entry (but the excluded one) contains the word.</summary>
    public bool EntryHasWord(int entry, string word, int excludeDoc = -1)
    {
        if (!_words.TryGetTerm(word, out var term)) return false;
        foreach (var d in _entryDocs[entry])
        {
            if (d != excludeDoc && _words.DocTerms(d).BinarySearch(term) >= 0) return true;
        }
        return false;
    }

    /// <summary>Words of a doc the query did not mention (what the candidate is about beyond the question).</summary>
    public IEnumerable<string> UnmatchedDocWords(IndexQuery query, int doc)
    {
        foreach (var t in _words.DocTerms(doc).ToArray())
        {
            var found = false;
            foreach (var (qt, _) in query.WordTerms)
            {
                if (qt == t)
                {
                    found = true;
                    break;
                }
            }
            if (!found) yield return _words.TermText[t];
        }
    }

    public float MaxWordIdf { get; }

    public float WordIdf(string word) => _words.TryGetTerm(word, out var t) ? _words.Idf[t] : 0f;

    /// <summary>
    /// Term-at-a-time over both fields, rarest term first. Rare terms may bring in new wordings until
    /// <see cref="WordingBudget"/> wordings are in play; after that, common terms ("怎么", "账户") only add to the
    /// wordings already in play. A wording that shares nothing but common terms with the query cannot win, and
    /// skipping it keeps a 2,000-question knowledge base from touching most of its wordings on every message.
    /// </summary>
    private void AccumulateRarestFirst(IndexQuery query, Scratch s)
    {
        var terms = query.Order ??= RarestFirst(query);
        var mark = s.DocMark;
        var generation = s.Generation;
        var touched = s.TouchedDocs;
        var n = s.TouchedDocCount;
        var budget = WordingBudget;
        foreach (var (field, term, weight) in terms)
        {
            var f = field == 0 ? _words : _bigrams;
            var acc = field == 0 ? s.WordAcc : s.BigramAcc;
            var docs = f.PostDocs[term];
            var impacts = f.PostImpact[term];
            if (n >= budget && BitLookups && docs.Length > BitsLookupFactor * n && f.HasBits(term))
            {
                // The same, for a common term, with its wordings as a bit set: a bit test per wording in play.
                for (var k = 0; k < n; k++)
                {
                    var d = touched[k];
                    var impact = f.BitsImpact(d, term);
                    if (impact != 0f) acc[d] += weight * impact;
                }
                continue;
            }
            if (n >= budget && docs.Length > ForwardLookupFactor * n)
            {
                // No wording can enter any more and the posting list is far longer than the wordings in play:
                // look the term up in each of those wordings instead of scanning the list. Same sums, same order.
                for (var k = 0; k < n; k++)
                {
                    var d = touched[k];
                    var impact = f.Impact(d, term);
                    if (impact != 0f) acc[d] += weight * impact;
                }
                continue;
            }
            var i = 0;
            // Postings are sorted by impact, so when the budget runs out inside a list the wordings already
            // brought in are the ones this term matters most for.
            for (; i < docs.Length && n < budget; i++)
            {
                var d = docs[i];
                acc[d] += weight * impacts[i];
                if (mark[d] != generation)
                {
                    mark[d] = generation;
                    touched[n++] = d;
                }
            }
            for (; i < docs.Length; i++)
            {
                var d = docs[i];
                if (mark[d] == generation) acc[d] += weight * impacts[i];
            }
        }
        s.TouchedDocCount = n;
    }

    /// <summary>
    /// A posting list this many times longer than the wordings in play is looked up per wording (a binary search
    /// in its few terms) rather than scanned: a lookup costs about as much as scanning eight postings.
    /// </summary>
    private const int ForwardLookupFactor = 8;

    /// <summary>
    /// A common term's posting list this many times longer than the wordings in play is looked up in its bit set per
    /// wording (a bit test and a popcount) rather than scanned. Measured at 1, 2 and 4 with 500 wordings in play
    /// (round `engine-budget`): 2 was best, and with 1,500 in play it makes no difference.
    /// </summary>
    private const int BitsLookupFactor = 2;

    /// <summary>Whether common terms are looked up in their bit sets (<see cref="BitsLookupFactor"/>); off only to test that both give the same sums.</summary>
    internal bool BitLookups { get; init; } = true;

    /// <summary>Default of <see cref="EntryBudget"/> (ServiceOfficer:SearchEntryBudget).</summary>
    public const int DefaultEntryBudget = 100;

    /// <summary>Default of <see cref="WordingBudget"/> (ServiceOfficer:SearchWordingBudget).</summary>
    public const int DefaultWordingBudget = 400;

    /// <summary>Entries that the answer field may bring into play per query (see <see cref="AccumulateRarestFirst"/>).</summary>
    public int EntryBudget { get; }

    /// <summary>Wordings that may enter the candidate set per query (see <see cref="AccumulateRarestFirst"/>).</summary>
    public int WordingBudget { get; }

    private (int Field, int Term, float Weight)[] RarestFirst(IndexQuery query)
    {
        var count = query.WordTerms.Length + query.BigramTerms.Length;
        var keys = new long[count];
        var terms = new (int Field, int Term, float Weight)[count];
        var k = 0;
        foreach (var (t, w) in query.WordTerms) Add(0, t, w, _words.PostDocs[t].Length);
        foreach (var (t, w) in query.BigramTerms) Add(1, t, w, _bigrams.PostDocs[t].Length);
        // Keys are distinct (a term appears once per field), so the order is total: shortest posting list first,
        // then words before bigrams, then by term id.
        Array.Sort(keys, terms);
        return terms;

        void Add(int field, int term, float weight, int length)
        {
            keys[k] = ((long)length << 32) | ((long)field << 31) | (uint)term;
            terms[k++] = (field, term, weight);
        }
    }

    private (int Term, float Weight)[] RarestAnswerTermsFirst(IndexQuery query)
    {
        var terms = query.AnswerTerms;
        var keys = new long[terms.Length];
        for (var i = 0; i < terms.Length; i++) keys[i] = ((long)_answers!.PostDocs[terms[i].Term].Length << 32) | (uint)terms[i].Term;
        var ordered = terms.ToArray();
        Array.Sort(keys, ordered);
        return ordered;
    }

    private sealed class Field
    {
        public readonly Dictionary<string, int> Vocabulary = new(StringComparer.Ordinal);
        public readonly int[][] PostDocs;
        public readonly float[][] PostTf;
        public readonly float[][] PostImpact;
        public readonly float[] Idf;
        public readonly float[] DocLength;
        public readonly float AverageLength;
        /// <summary>Distinct term ids of each doc, sorted, all docs in one array (doc d at DocStart[d]..DocStart[d+1]).</summary>
        private readonly int[] _docTermIds;
        /// <summary>The BM25 impact of each of <see cref="_docTermIds"/> in its doc (the same value as in the posting).</summary>
        private readonly float[] _docTermImpacts;
        private readonly int[] _docStart;
        /// <summary>The IDF of each of <see cref="_docTermIds"/>, beside it (coverage reads a doc's terms in a row).</summary>
        private readonly float[] _docTermIdfs;
        public readonly string[] TermText;

        public ReadOnlySpan<int> DocTerms(int doc) => _docTermIds.AsSpan(_docStart[doc], _docStart[doc + 1] - _docStart[doc]);

        /// <summary>The term's impact in the doc, or 0 when the doc lacks it (forward lookup instead of a posting scan).</summary>
        public float Impact(int doc, int term)
        {
            var at = _docTermIds.AsSpan(_docStart[doc], _docStart[doc + 1] - _docStart[doc]).BinarySearch(term);
            return at >= 0 ? _docTermImpacts[_docStart[doc] + at] : 0f;
        }

        /// <summary>
        /// For terms in at least 1/64 of the docs (and 64 of them): which docs have the term, as a bit set, the number of
        /// set bits before each 64-bit word, and the impacts in doc order, so that the term's impact in a doc is a bit
        /// test and a popcount instead of a binary search. Costs at most what the term's postings already cost.
        /// </summary>
        private readonly DocBits?[] _docBits;

        private sealed class DocBits(ulong[] bits, int[] rank, float[] impacts)
        {
            public readonly ulong[] Bits = bits;
            public readonly int[] Rank = rank;
            public readonly float[] Impacts = impacts;
        }

        public bool HasBits(int term) => _docBits[term] is not null;

        /// <summary>The same value as <see cref="Impact"/>, for a term with <see cref="HasBits"/>.</summary>
        public float BitsImpact(int doc, int term)
        {
            var t = _docBits[term]!;
            var word = t.Bits[doc >> 6];
            var below = word << (63 - (doc & 63));
            if ((long)below >= 0) return 0f;
            return t.Impacts[t.Rank[doc >> 6] + System.Numerics.BitOperations.PopCount(below) - 1];
        }

        public Field(List<string[]> docs)
        {
            var postings = new List<List<(int Doc, float Tf)>>();
            DocLength = new float[docs.Count];
            var docTerms = new int[docs.Count][];
            for (var d = 0; d < docs.Count; d++)
            {
                var counts = new Dictionary<int, int>();
                foreach (var t in docs[d])
                {
                    if (!Vocabulary.TryGetValue(t, out var id))
                    {
                        id = Vocabulary.Count;
                        Vocabulary[t] = id;
                        postings.Add([]);
                    }
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                }
                foreach (var (id, c) in counts) postings[id].Add((d, c));
                DocLength[d] = docs[d].Length;
                var terms = counts.Keys.ToArray();
                Array.Sort(terms);
                docTerms[d] = terms;
            }
            AverageLength = docs.Count == 0 ? 1 : Math.Max(1f, DocLength.Average());
            PostDocs = postings.Select(p => p.Select(x => x.Doc).ToArray()).ToArray();
            PostTf = postings.Select(p => p.Select(x => x.Tf).ToArray()).ToArray();
            // BM25+ style floor keeps very common terms slightly positive instead of negative.
            Idf = postings.Select(p => (float)Math.Log(1 + (docs.Count - p.Count + 0.5) / (p.Count + 0.5))).ToArray();
            PostImpact = new float[PostDocs.Length][];
            for (var t = 0; t < PostDocs.Length; t++)
            {
                var impact = new float[PostDocs[t].Length];
                for (var i = 0; i < impact.Length; i++)
                {
                    var tf = PostTf[t][i];
                    var norm = K1 * (1 - B + B * DocLength[PostDocs[t][i]] / AverageLength);
                    impact[i] = Idf[t] * tf * (K1 + 1) / (tf + norm);
                }
                // Highest impact first (ties by wording), see AccumulateRarestFirst.
                var order = Enumerable.Range(0, impact.Length).OrderByDescending(i => impact[i]).ThenBy(i => PostDocs[t][i]).ToArray();
                PostDocs[t] = order.Select(i => PostDocs[t][i]).ToArray();
                PostTf[t] = order.Select(i => PostTf[t][i]).ToArray();
                PostImpact[t] = order.Select(i => impact[i]).ToArray();
            }
            _docStart = new int[docs.Count + 1];
            for (var d = 0; d < docs.Count; d++) _docStart[d + 1] = _docStart[d] + docTerms[d].Length;
            _docTermIds = new int[_docStart[docs.Count]];
            _docTermImpacts = new float[_docTermIds.Length];
            for (var d = 0; d < docs.Count; d++) docTerms[d].CopyTo(_docTermIds, _docStart[d]);
            _docTermIdfs = [.. _docTermIds.Select(t => Idf[t])];
            for (var t = 0; t < PostDocs.Length; t++)
            {
                for (var i = 0; i < PostDocs[t].Length; i++)
                {
                    var d = PostDocs[t][i];
                    _docTermImpacts[_docStart[d] + Array.BinarySearch(docTerms[d], t)] = PostImpact[t][i];
                }
            }
            _docBits = new DocBits?[PostDocs.Length];
            var words = (docs.Count + 63) >> 6;
            for (var t = 0; t < PostDocs.Length; t++)
            {
                if (PostDocs[t].Length < Math.Max(64, docs.Count / 64)) continue;
                var bits = new ulong[words];
                foreach (var d in PostDocs[t]) bits[d >> 6] |= 1UL << (d & 63);
                var rank = new int[words];
                for (var w = 1; w < words; w++) rank[w] = rank[w - 1] + System.Numerics.BitOperations.PopCount(bits[w - 1]);
                var byDoc = new float[PostDocs[t].Length];
                for (var i = 0; i < PostDocs[t].Length; i++)
                {
                    var d = PostDocs[t][i];
                    byDoc[rank[d >> 6] + System.Numerics.BitOperations.PopCount(bits[d >> 6] & ((1UL << (d & 63)) - 1))] = PostImpact[t][i];
                }
                _docBits[t] = new DocBits(bits, rank, byDoc);
            }
            TermText = new string[Vocabulary.Count];
            foreach (var (t, id) in Vocabulary) TermText[id] = t;
            _lookup = Vocabulary.ToFrozenDictionary(StringComparer.Ordinal);
        }

        // Read-optimised copy of the vocabulary: every query looks up each of its words or bigrams here.
        private readonly FrozenDictionary<string, int> _lookup;

        public bool TryGetTerm(string text, out int term) => _lookup.TryGetValue(text, out term);

        /// <summary>The term id of each text (-1 for one the field has never seen), in order.</summary>
        public int[] Ids(string[] texts)
        {
            var ids = new int[texts.Length];
            for (var i = 0; i < ids.Length; i++) ids[i] = _lookup.TryGetValue(texts[i], out var id) ? id : -1;
            return ids;
        }

        /// <summary>Distinct known terms of <paramref name="main"/> then <paramref name="more"/> (weight 1), then of the context (its weight), first occurrence first.</summary>
        public static (int, float)[] Terms(int[] main, int[]? more, int[]? context, float contextWeight)
        {
            var capacity = main.Length + (more?.Length ?? 0) + (context?.Length ?? 0);
            var result = capacity <= 256 ? new ValueList(stackalloc int[capacity], stackalloc float[capacity]) : new ValueList(new int[capacity], new float[capacity]);
            Add(ref result, main, 1f);
            if (more is not null) Add(ref result, more, 1f);
            if (context is not null) Add(ref result, context, contextWeight);
            var terms = new (int, float)[result.Count];
            for (var i = 0; i < terms.Length; i++) terms[i] = (result.Terms[i], result.Weights[i]);
            return terms;
        }

        private static void Add(ref ValueList list, int[] ids, float weight)
        {
            foreach (var id in ids)
            {
                if (id >= 0 && list.Terms[..list.Count].IndexOf(id) < 0)
                {
                    list.Terms[list.Count] = id;
                    list.Weights[list.Count++] = weight;
                }
            }
        }

        private ref struct ValueList(Span<int> terms, Span<float> weights)
        {
            public readonly Span<int> Terms = terms;
            public readonly Span<float> Weights = weights;
            public int Count;
        }

        /// <summary>The query's own weight, Σ weight × IDF, summed in double like LINQ's <c>Sum</c> (which this replaced; same value to the bit).</summary>
        public float Norm((int Term, float Weight)[] terms)
        {
            var sum = 0.0;
            foreach (var (t, w) in terms) sum += w * Idf[t];
            return (float)sum;
        }

        public IndexQuery.CoverageTerms CoverageTerms((int Term, float Weight)[] terms)
        {
            var sorted = new (int Term, int At)[terms.Length];
            var weighted = new float[terms.Length];
            for (var i = 0; i < sorted.Length; i++)
            {
                sorted[i] = (terms[i].Term, i);
                weighted[i] = terms[i].Weight * Idf[terms[i].Term];
            }
            Array.Sort(sorted, static (a, b) => a.Term.CompareTo(b.Term));
            return new IndexQuery.CoverageTerms(sorted, weighted);
        }

        /// <summary>
        /// The share of the query's weight the doc has (Σ weight × IDF over the query's terms in the doc, in query
        /// order, over <paramref name="norm"/>) and the share of the doc's IDF the query has, from one merge walk of
        /// the doc's terms (ascending, with their IDFs beside them) with the query's.
        /// </summary>
        public (float Query, float Doc) Coverage(IndexQuery.CoverageTerms query, float norm, int doc)
        {
            var sorted = query.Sorted;
            var weighted = query.WeightedIdf;
            Span<bool> inDoc = sorted.Length <= 256 ? stackalloc bool[sorted.Length] : new bool[sorted.Length];
            inDoc.Clear();
            var total = 0f;
            var matched = 0f;
            var q = 0;
            var start = _docStart[doc];
            var end = _docStart[doc + 1];
            for (var k = start; k < end; k++)
            {
                var t = _docTermIds[k];
                var idf = _docTermIdfs[k];
                total += idf;
                while (q < sorted.Length && sorted[q].Term < t) q++;
                if (q < sorted.Length && sorted[q].Term == t)
                {
                    matched += idf;
                    inDoc[sorted[q].At] = true;
                }
            }
            var sum = 0f;
            for (var i = 0; i < weighted.Length; i++)
            {
                if (inDoc[i]) sum += weighted[i];
            }
            return (norm <= 0 ? 0f : sum / norm, total <= 0 ? 0f : matched / total);
        }
    }

    private sealed class Scratch
    {
        public float[] WordAcc = [];
        public float[] BigramAcc = [];
        public int[] DocMark = [];
        public int[] TouchedDocs = [];
        public int TouchedDocCount { get; set; }
        public Candidate[] EntryBest = [];
        public int[] EntryMark = [];
        public int[] TouchedEntries = [];
        public int TouchedEntryCount { get; set; }
        public int Generation = 1;

        public void Ensure(int docs, int entries)
        {
            if (WordAcc.Length < docs)
            {
                WordAcc = new float[docs];
                BigramAcc = new float[docs];
                DocMark = new int[docs];
                TouchedDocs = new int[docs];
            }
            if (EntryBest.Length < entries)
            {
                EntryBest = new Candidate[entries];
                EntryMark = new int[entries];
                TouchedEntries = new int[entries];
            }
        }

        public void Reset()
        {
            for (var i = 0; i < TouchedDocCount; i++)
            {
                var d = TouchedDocs[i];
                WordAcc[d] = 0;
                BigramAcc[d] = 0;
            }
            TouchedDocCount = 0;
            TouchedEntryCount = 0;
            Generation++;
            if (Generation == int.MaxValue)
            {
                Array.Clear(DocMark);
                Array.Clear(EntryMark);
                Generation = 1;
            }
        }
    }
}

/// <summary>What kind of question a text asks, as bits: duration, clock time, cost, how, what, why, where, can/may, conditions, amount, risk, failure.</summary>
public static class QuestionCues
{
    private static readonly string[][] Cues =
    [
        ["多久", "多长时间", "几天", "多少天", "什么时候", "啥时候", "何时", "哪天", "几号", "到账", "几个工作日", "几个交易日",
            "多少个工作日", "几个月", "多少年", "有效期", "过期", "要等", "多快", "马上", "当天", "第二天", "次日"],
        ["几点", "时间段", "交易时间", "开盘", "收盘", "截止", "晚上", "半夜", "夜里", "凌晨", "早上", "上午", "中午", "下午",
            "点前", "点后", "点之前", "点以后", "点之后"],
        ["多少钱", "收费", "费用", "手续费", "费率", "佣金", "要钱", "免费", "收钱", "扣钱", "成本", "收多少", "扣多少", "贵不贵",
            "便宜", "花钱", "交钱", "收我", "扣我", "税"],
        ["怎么", "如何", "怎样", "咋", "流程", "步骤", "操作", "办理", "在哪办"],
        ["什么是", "是什么", "什么意思", "啥意思", "是啥", "介绍", "什么叫", "区别", "是个啥", "干嘛的", "干什么的", "指什么"],
        ["为什么", "为啥", "怎么回事", "原因", "怎么会", "咋回事", "凭什么", "为何"],
        ["哪里", "在哪", "哪儿", "入口", "哪个页面", "哪个菜单", "什么地方", "从哪", "哪查", "哪看", "哪找", "哪下载"],
        ["能不能", "可以吗", "能吗", "可不可以", "行吗", "是否", "会不会", "行不行", "可以不"],
        ["条件", "要求", "门槛", "资格", "需要什么", "要什么"],
        ["多少", "几个", "最多", "最少", "上限", "限额", "最低", "额度"],
        ["风险", "安全", "亏", "保本", "靠谱"],
        ["失败", "不了", "不成功", "不上", "没收到", "收不到", "错误", "报错", "不能", "没到", "不通过", "被拒", "驳回"],
    ];

    /// <summary>The specific types: all but "how" (bit 3) and "can/may" (bit 7).</summary>
    public const int SpecificMask = ~((1 << 3) | (1 << 7));

    // All cues in one automaton (one pass over the text instead of a Contains per cue), each with its type's bit.
    private static readonly string[] AllCues = [.. Cues.SelectMany(c => c)];
    private static readonly int[] BitOf = [.. Cues.SelectMany((c, i) => c.Select(_ => 1 << i))];
    private static readonly KeywordAutomaton Automaton = new(AllCues);

    /// <summary>A bit per type of question whose cue occurs in the text (as <see cref="string.Contains(string, StringComparison)"/>, ordinal).</summary>
    public static int Of(string normalized)
    {
        Span<bool> found = stackalloc bool[AllCues.Length];
        found.Clear();
        Automaton.FindAll(normalized, found);
        var mask = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i]) mask |= BitOf[i];
        }
        return mask;
    }
}

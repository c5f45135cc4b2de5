using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Evaluation;

/// <summary>
/// Similarity of two client texts in [0, 1] without a knowledge base: IDF-weighted cosine over canonical words
/// (synonyms mapped) and over character bigrams, averaged. IDF comes from a reference corpus (the seed wordings);
/// a term the corpus lacks counts as rare.
/// </summary>
public sealed class PairSimilarity
{
    private readonly TextAnalyzer _analyzer;
    private readonly Dictionary<string, double> _idf;
    private readonly double _unknownIdf;

    public PairSimilarity(TextAnalyzer analyzer, IEnumerable<string> corpus)
    {
        _analyzer = analyzer;
        var docs = corpus.Select(analyzer.Analyze).ToList();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in docs)
        {
            foreach (var t in d.Words.Select(w => "w" + w).Concat(d.Bigrams.Select(b => "b" + b)).Distinct(StringComparer.Ordinal))
            {
                df[t] = df.GetValueOrDefault(t) + 1;
            }
        }
        _idf = df.ToDictionary(kv => kv.Key, kv => Math.Log(1 + (docs.Count + 1.0) / (kv.Value + 0.5)), StringComparer.Ordinal);
        _unknownIdf = Math.Log(1 + (docs.Count + 1.0) / 0.5);
    }

    public double Score(string a, string b)
    {
        var x = _analyzer.Analyze(a);
        var y = _analyzer.Analyze(b);
        var words = Cosine(x.Words, y.Words, "w");
        var bigrams = Cosine(x.Bigrams, y.Bigrams, "b");
        if (x.Words.Length == 0 || y.Words.Length == 0) return bigrams;
        return Math.Clamp(0.5 * words + 0.5 * bigrams, 0, 1);
    }

    private double Cosine(string[] a, string[] b, string kind)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        var va = Vector(a, kind);
        var vb = Vector(b, kind);
        double dot = 0, na = 0, nb = 0;
        foreach (var (k, v) in va)
        {
            na += v * v;
            if (vb.TryGetValue(k, out var w)) dot += v * w;
        }
        foreach (var v in vb.Values) nb += v * v;
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    private Dictionary<string, double> Vector(string[] terms, string kind)
    {
        var v = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var t in terms)
        {
            var idf = _idf.TryGetValue(kind + t, out var i) ? i : _unknownIdf;
            v[t] = v.GetValueOrDefault(t) + idf;
        }
        return v;
    }
}

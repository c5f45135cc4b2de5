using System.Collections.Frozen;
using System.Text;

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>A text after normalisation, segmentation and synonym mapping: what retrieval and the models see.</summary>
/// <remarks><see cref="Tokens"/> are all canonical tokens in order; <see cref="Words"/> the content words among them.</remarks>
public sealed record AnalyzedText(string Normalized, string Canonical, string[] Tokens, string[] Words, string[] Bigrams)
{
    public static readonly AnalyzedText Empty = new("", "", [], [], []);
}

/// <summary>
/// Normalises, segments and maps synonyms to their canonical word (两融 -> 融资融券). Synonym variants are added
/// to the segmenter's user words so they come out as single tokens. Immutable and thread-safe.
/// </summary>
public sealed class TextAnalyzer
{
    // Function words that say nothing about which question is asked; kept for the character bigrams.
    private static readonly FrozenSet<string> StopWords = new[]
    {
        "的", "了", "吗", "呢", "吧", "啊", "呀", "哦", "嘛", "么", "是", "我", "你", "您", "在", "和", "与", "就", "都",
        "也", "还", "要", "请问", "一下", "下", "个", "能", "可以", "想", "问", "问下", "请", "这", "那", "那个", "这个",
        "有", "没", "吧", "哈", "嗯", "好", "谢谢", "麻烦", "老师", "客服", "您好", "你好",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, string> _canonical;

    public TextAnalyzer(WordSegmenter segmenter, IReadOnlyList<SynonymGroup> synonyms, IEnumerable<string>? productWords = null)
    {
        ProductWords = (productWords ?? []).Select(TextNormalizer.Normalize).Where(w => w.Length >= 2).Distinct(StringComparer.Ordinal).ToArray();
        Segmenter = segmenter;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var g in synonyms)
        {
            var canonical = TextNormalizer.Normalize(g.Canonical);
            foreach (var v in g.Variants)
            {
                var variant = TextNormalizer.Normalize(v);
                if (variant.Length > 0 && variant != canonical) map.TryAdd(variant, canonical);
            }
        }
        _canonical = map.ToFrozenDictionary(StringComparer.Ordinal);
        Synonyms = synonyms;
    }

    public WordSegmenter Segmenter { get; }

    /// <summary>Finance dictionary words (products, businesses), reported as entities in handoff packages.</summary>
    public IReadOnlyCollection<string> ProductWords { get; }

    public IReadOnlyList<SynonymGroup> Synonyms { get; }

    public static IEnumerable<UserWord> SynonymWords(IEnumerable<SynonymGroup> synonyms) =>
        synonyms.SelectMany(g => g.Variants.Append(g.Canonical))
            .Where(w => w.Length >= 2 && !w.Contains(' ', StringComparison.Ordinal))
            .Select(w => new UserWord(w, 0, null));

    public AnalyzedText Analyze(string? text)
    {
        var normalized = TextNormalizer.Normalize(text);
        if (normalized.Length == 0) return AnalyzedText.Empty;
        var tokens = Segmenter.Segment(normalized);
        var canonical = new StringBuilder(normalized.Length + 8);
        var words = new List<string>(tokens.Count);
        var all = new string[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var w = _canonical.TryGetValue(t, out var c) ? c : t;
            all[i] = w;
            if (canonical.Length > 0 && !(WordSegmenter.IsHan(w[0]) && WordSegmenter.IsHan(canonical[^1]))) canonical.Append(' ');
            canonical.Append(w);
            if (!StopWords.Contains(w)) words.Add(w);
        }
        var canonicalText = canonical.ToString();
        return new AnalyzedText(normalized, canonicalText, all, [.. words], Bigrams(canonicalText));
    }

    public bool IsStopWord(string word) => StopWords.Contains(word);

    /// <summary>Overlapping character pairs inside Han runs; single-character runs give the character itself.</summary>
    public static string[] Bigrams(string text)
    {
        var result = new List<string>(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (!WordSegmenter.IsHan(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && WordSegmenter.IsHan(text[i])) i++;
            var len = i - start;
            if (len == 1)
            {
                result.Add(text.Substring(start, 1));
                continue;
            }
            for (var k = start; k + 1 < i; k++) result.Add(text.Substring(k, 2));
        }
        return [.. result];
    }
}

/// <summary>A synonyms.tsv line: the canonical word and the variants clients use for it.</summary>
public sealed record SynonymGroup(string Canonical, IReadOnlyList<string> Variants);

using System.Globalization;
using System.Text;

namespace CoServe.Features.Timeline;

/// <summary>
/// Search terms for Chinese and mixed text: words from a segmenter when one is given (逆回购, 手续费), otherwise
/// Latin/digit words as they are and runs of CJK characters as overlapping bigrams (the classic dictionary-free
/// CJK scheme). A message matches when it contains every term, so "逆回购手续费" finds "逆回购的手续费是多少"
/// but not "逆回购怎么买".
/// </summary>
public static class SearchTerms
{
    public static string Normalise(string text) => text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    public static IReadOnlyList<string> Of(string query, Func<string, IReadOnlyList<string>> segment)
    {
        var words = segment(query).Select(Normalise).Where(w => w.Length > 0 && (w.Length > 1 || !IsCjk(w[0]) || query.Trim().Length == 1)).ToList();
        return words.Count > 0 ? words.Distinct(StringComparer.Ordinal).ToList() : Of(query);
    }

    public static IReadOnlyList<string> Of(string query)
    {
        var terms = new List<string>();
        var q = Normalise(query);
        var word = new StringBuilder();
        var cjk = new StringBuilder();
        foreach (var c in q)
        {
            if (IsCjk(c))
            {
                Flush(word, terms, bigrams: false);
                cjk.Append(c);
            }
            else if (char.IsLetterOrDigit(c))
            {
                Flush(cjk, terms, bigrams: true);
                word.Append(c);
            }
            else
            {
                Flush(word, terms, bigrams: false);
                Flush(cjk, terms, bigrams: true);
            }
        }
        Flush(word, terms, bigrams: false);
        Flush(cjk, terms, bigrams: true);
        return terms.Distinct(StringComparer.Ordinal).ToList();
    }

    public static bool Matches(string text, IReadOnlyList<string> terms)
    {
        if (terms.Count == 0) return false;
        var t = Normalise(text);
        return terms.All(term => t.Contains(term, StringComparison.Ordinal));
    }

    private static void Flush(StringBuilder run, List<string> terms, bool bigrams)
    {
        if (run.Length == 0) return;
        if (!bigrams || run.Length <= 2)
        {
            terms.Add(run.ToString());
        }
        else
        {
            for (var i = 0; i + 1 < run.Length; i++) terms.Add(run.ToString(i, 2));
        }
        run.Clear();
    }

    private static bool IsCjk(char c) =>
        CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherLetter && c >= '\u2E80';
}

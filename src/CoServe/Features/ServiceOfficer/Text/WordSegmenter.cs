namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// jieba's accurate mode (word graph of dictionary words, most probable route) over jieba.NET's dictionary plus
/// the finance user dictionary. Why not <c>JiebaSegmenter.Cut</c> itself: it costs ~20 µs per message in regex
/// splits and dictionary-of-lists allocations, and its user words go into one process-wide mutable dictionary that
/// a knowledge-base reload would change under concurrent readers. This one keeps the user words per snapshot and
/// allocates only the output tokens, so it is safe for any number of concurrent calls. Unknown character runs stay
/// single characters (jieba's HMM step is left out); the character bigrams used for matching cover them.
/// </summary>
public sealed class WordSegmenter
{
    private readonly JiebaDictionary _main;
    private readonly CharTrie _mainTrie;
    private readonly CharTrie _user;
    private readonly double _logTotal;
    private readonly int _maxWordLength;

    public WordSegmenter(JiebaDictionary main, IEnumerable<UserWord> userWords)
    {
        _main = main;
        _mainTrie = main.Trie;
        var user = new Dictionary<string, int>(StringComparer.Ordinal);
        var maxLen = main.MaxWordLength;
        foreach (var w in userWords)
        {
            var word = TextNormalizer.Normalize(w.Word);
            if (word.Length == 0 || word.Contains(' ', StringComparison.Ordinal)) continue;
            // Like jieba's suggest_freq: a user word without a frequency gets one high enough to be kept whole.
            var freq = w.Frequency > 0 ? w.Frequency : SuggestFrequency(word);
            JiebaDictionary.AddWord(user, word, freq);
            maxLen = Math.Max(maxLen, word.Length);
        }
        _user = new CharTrie(user);
        UserWordCount = user.Count(kv => kv.Value > 0);
        _logTotal = Math.Log(main.Total);
        _maxWordLength = Math.Min(maxLen, 32);
    }

    public int UserWordCount { get; }

    /// <summary>Words of a normalised text: Han runs segmented, letter/digit runs kept whole, punctuation and spaces dropped.</summary>
    public List<string> Segment(string text)
    {
        var tokens = new List<string>(text.Length / 2 + 1);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (IsHan(c))
            {
                var start = i;
                while (i < text.Length && IsHan(text[i])) i++;
                SegmentHan(text, start, i - start, tokens);
            }
            else if (char.IsAsciiLetterOrDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && i > start && char.IsAsciiDigit(text[i - 1])))) i++;
                tokens.Add(text.Substring(start, i - start));
            }
            else
            {
                i++;
            }
        }
        return tokens;
    }

    public static bool IsHan(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF';

    /// <summary>
    /// Frequency of a word in the user or the main dictionary (user first), 0 for a prefix only, -1 when neither
    /// knows it, so the word graph stops extending a word there (both dictionaries hold every prefix of their
    /// words). <paramref name="main"/> and <paramref name="user"/> are the word's nodes in the two tries.
    /// </summary>
    private int Frequency(int main, int user)
    {
        if (user != CharTrie.None)
        {
            var u = _user.Value(user);
            if (u > 0) return u;
            return main != CharTrie.None ? _mainTrie.Value(main) : 0;
        }
        return main != CharTrie.None ? _mainTrie.Value(main) : -1;
    }

    private int SuggestFrequency(string word)
    {
        // jieba: max(product of the parts' probabilities * total, current frequency) + 1, so the whole word beats its parts.
        var p = 1.0;
        var parts = new List<string>();
        SegmentHan(word, 0, word.Length, parts, useUser: false);
        foreach (var part in parts)
        {
            var f = _main.Frequency(part);
            p *= Math.Max(f, 1) / _main.Total;
        }
        var suggested = (int)Math.Min(int.MaxValue - 1, p * _main.Total) + 1;
        return Math.Max(suggested, Math.Max(_main.Frequency(word), 1) + 1) + 1;
    }

    private void SegmentHan(string text, int offset, int length, List<string> tokens, bool useUser = true)
    {
        if (length == 1)
        {
            tokens.Add(text.Substring(offset, 1));
            return;
        }
        Span<double> score = length <= 128 ? stackalloc double[length + 1] : new double[length + 1];
        Span<int> next = length <= 128 ? stackalloc int[length] : new int[length];
        var span = text.AsSpan(offset, length);
        score[length] = 0;
        for (var i = length - 1; i >= 0; i--)
        {
            // One walk down both tries from position i: each step extends the candidate word by one character.
            var m = _mainTrie.Child(0, span[i]);
            var u = useUser ? _user.Child(0, span[i]) : CharTrie.None;
            // Single character always possible (frequency 1 when unknown, as jieba does).
            var f1 = Frequency(m, u);
            var best = Math.Log(Math.Max(f1, 1)) - _logTotal + score[i + 1];
            var bestEnd = i + 1;
            var max = Math.Min(length, i + _maxWordLength);
            for (var end = i + 2; end <= max; end++)
            {
                var c = span[end - 1];
                if (m != CharTrie.None) m = _mainTrie.Child(m, c);
                if (u != CharTrie.None) u = _user.Child(u, c);
                if (m == CharTrie.None && u == CharTrie.None) break;
                var f = Frequency(m, u);
                if (f == 0) continue;
                var s = Math.Log(f) - _logTotal + score[end];
                if (s > best)
                {
                    best = s;
                    bestEnd = end;
                }
            }
            score[i] = best;
            next[i] = bestEnd;
        }
        for (var i = 0; i < length; i = next[i])
        {
            tokens.Add(text.Substring(offset + i, next[i] - i));
        }
    }
}

/// <summary>A user dictionary line (<c>word freq tag</c>); frequency 0 means "suggest one".</summary>
public sealed record UserWord(string Word, int Frequency, string? Tag);

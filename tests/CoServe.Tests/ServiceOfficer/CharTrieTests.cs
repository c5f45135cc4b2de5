using System.Globalization;
using System.Text;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Tests.ServiceOfficer;

public sealed class CharTrieTests
{
    private static readonly Lazy<Dictionary<string, int>> JiebaWords = new(ReadJiebaWords);

    [Fact]
    public void Find_ReturnsEveryValueAndMinusOneForNonKeys()
    {
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        JiebaDictionary.AddWord(keys, "融资融券", 50);
        JiebaDictionary.AddWord(keys, "融资", 900);
        JiebaDictionary.AddWord(keys, "港股通", 30);
        JiebaDictionary.AddWord(keys, "a股", 7);
        var trie = new CharTrie(keys);

        Assert.Equal(keys.Count, trie.Count);
        foreach (var (key, value) in keys) Assert.Equal(value, trie.Find(key));
        Assert.Equal(0, trie.Find("融资融"));
        Assert.Equal(-1, trie.Find("融券"));
        Assert.Equal(-1, trie.Find("港股通道"));
        Assert.Equal(-1, trie.Find(""));
        var node = trie.Child(0, '港');
        node = trie.Child(node, '股');
        Assert.Equal(0, trie.Value(node));
        Assert.Equal(30, trie.Value(trie.Child(node, '通')));
        Assert.Equal(CharTrie.None, trie.Child(node, '票'));
    }

    [Fact]
    public void Constructor_RejectsAKeyWhosePrefixIsMissing()
    {
        var keys = new Dictionary<string, int>(StringComparer.Ordinal) { ["港"] = 0, ["港股通"] = 30 };
        var error = Assert.Throws<ArgumentException>(() => new CharTrie(keys));
        Assert.Contains("港股", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JiebaDictionary_HoldsTheSameFrequenciesAsAHashTableOfDictTxt()
    {
        var expected = JiebaWords.Value;
        var dictionary = JiebaDictionary.Load();
        Assert.Equal(expected.Count, dictionary.Count);
        foreach (var (word, frequency) in expected) Assert.Equal(frequency, dictionary.Frequency(word));
        foreach (var word in new[] { "融资融券开通", "逆回购手续", "zz", "券商融", "\u3400\u3401" })
        {
            Assert.Equal(expected.TryGetValue(word, out var f) ? f : -1, dictionary.Frequency(word));
        }
    }

    [Fact]
    public void Segment_GivesTheSameWordsAsTheHashTableSegmenterOnTheSeedAndMixedInput()
    {
        var seed = new SeedKnowledgeSource(ServiceOfficerSetup.DefaultSeedDirectory).Load();
        var userWords = seed.UserWords.Concat(TextAnalyzer.SynonymWords(seed.Synonyms)).ToList();
        var ours = new WordSegmenter(JiebaDictionary.Load(), userWords);
        var reference = new HashTableSegmenter(JiebaWords.Value, userWords);
        var texts = seed.Entries.SelectMany(e => e.Texts.Append(e.Answer)).Concat(seed.IntentExamples.Select(x => x.Text))
            .Concat(["ＡＰＰ上两融怎么开通？ｅｔｆ１２３", "我的A股账户被盗了!!!", "科创版１２３", "㐀㐁未知字词", "网上开户 app 3.5 版本"])
            .Select(TextNormalizer.Normalize).ToList();
        Assert.True(texts.Count > 1000);
        foreach (var text in texts) Assert.Equal(reference.Segment(text), ours.Segment(text));
        Assert.Equal(["app", "上", "两融", "怎么", "开通", "etf123"], ours.Segment(TextNormalizer.Normalize("ＡＰＰ上两融怎么开通？ｅｔｆ１２３")));
    }

    private static Dictionary<string, int> ReadJiebaWords()
    {
        var words = new Dictionary<string, int>(600_000, StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(JiebaDictionary.DefaultDirectory, "dict.txt"), Encoding.UTF8))
        {
            var parts = line.Split(' ');
            if (parts.Length < 2 || parts[0].Length == 0 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var freq)) continue;
            var word = TextNormalizer.Normalize(parts[0]);
            if (word.Length == 0 || word.Contains(' ', StringComparison.Ordinal)) continue;
            JiebaDictionary.AddWord(words, word, freq);
        }
        return words;
    }

    /// <summary>The segmenter as it was before the trie: one hash lookup per candidate word.</summary>
    private sealed class HashTableSegmenter
    {
        private readonly Dictionary<string, int> _main;
        private readonly Dictionary<string, int> _user = new(StringComparer.Ordinal);
        private readonly double _total;
        private readonly int _maxWordLength;

        public HashTableSegmenter(Dictionary<string, int> main, IEnumerable<UserWord> userWords)
        {
            _main = main;
            _total = JiebaDictionary.Load().Total;
            var maxLen = JiebaDictionary.Load().MaxWordLength;
            foreach (var w in userWords)
            {
                var word = TextNormalizer.Normalize(w.Word);
                if (word.Length == 0 || word.Contains(' ', StringComparison.Ordinal)) continue;
                JiebaDictionary.AddWord(_user, word, w.Frequency > 0 ? w.Frequency : Suggest(word));
                maxLen = Math.Max(maxLen, word.Length);
            }
            _maxWordLength = Math.Min(maxLen, 32);
        }

        public List<string> Segment(string text)
        {
            var tokens = new List<string>();
            var i = 0;
            while (i < text.Length)
            {
                var start = i;
                if (WordSegmenter.IsHan(text[i]))
                {
                    while (i < text.Length && WordSegmenter.IsHan(text[i])) i++;
                    tokens.AddRange(Route(text[start..i], useUser: true));
                }
                else if (char.IsAsciiLetterOrDigit(text[i]))
                {
                    while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && i > start && char.IsAsciiDigit(text[i - 1])))) i++;
                    tokens.Add(text[start..i]);
                }
                else
                {
                    i++;
                }
            }
            return tokens;
        }

        private int Main(string word) => _main.TryGetValue(word, out var f) ? f : -1;

        private int Frequency(string word, bool useUser)
        {
            if (!useUser) return Main(word);
            var inUser = _user.TryGetValue(word, out var u);
            if (inUser && u > 0) return u;
            var m = Main(word);
            return m >= 0 ? m : (inUser ? 0 : -1);
        }

        private int Suggest(string word)
        {
            var p = 1.0;
            foreach (var part in Route(word, useUser: false)) p *= Math.Max(Main(part), 1) / _total;
            var suggested = (int)Math.Min(int.MaxValue - 1, p * _total) + 1;
            return Math.Max(suggested, Math.Max(Main(word), 1) + 1) + 1;
        }

        private List<string> Route(string han, bool useUser)
        {
            var n = han.Length;
            var score = new double[n + 1];
            var next = new int[n];
            var logTotal = Math.Log(_total);
            for (var i = n - 1; i >= 0; i--)
            {
                var best = Math.Log(Math.Max(Frequency(han.Substring(i, 1), useUser), 1)) - logTotal + score[i + 1];
                var bestEnd = i + 1;
                // As before: during construction (suggesting user-word frequencies) the limit is not set yet, so 0.
                for (var end = i + 2; end <= Math.Min(n, i + _maxWordLength); end++)
                {
                    var f = Frequency(han[i..end], useUser);
                    if (f < 0) break;
                    if (f == 0) continue;
                    var s = Math.Log(f) - logTotal + score[end];
                    if (s > best)
                    {
                        best = s;
                        bestEnd = end;
                    }
                }
                score[i] = best;
                next[i] = bestEnd;
            }
            var words = new List<string>();
            for (var i = 0; i < n; i = next[i]) words.Add(han[i..next[i]]);
            return words;
        }
    }
}

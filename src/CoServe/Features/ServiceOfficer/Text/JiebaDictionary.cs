using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using JiebaNet.Segmenter;

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// jieba's main dictionary (word frequencies plus every prefix, as jieba's own trie keeps them), loaded once per
/// process from the Resources files the jieba.NET package ships (copied to the output folder as <c>jieba/</c>),
/// held as a <see cref="CharTrie"/>. Immutable after loading, so any number of threads may read it.
/// </summary>
public sealed class JiebaDictionary
{
    private static readonly ConcurrentDictionary<string, Lazy<JiebaDictionary>> Loaded = new(StringComparer.Ordinal);

    private JiebaDictionary(Dictionary<string, int> words, double total, int maxWordLength)
    {
        Trie = new CharTrie(words);
        Total = total;
        MaxWordLength = maxWordLength;
    }

    public double Total { get; }

    public int MaxWordLength { get; }

    public int Count => Trie.Count;

    /// <summary>The words and their prefixes, walked character by character when segmenting.</summary>
    public CharTrie Trie { get; }

    /// <summary>The folder the jieba.NET resources were copied to by the build.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "jieba");

    /// <summary>
    /// Loads (once per folder) the dictionary and points jieba.NET's own <see cref="ConfigManager"/> at the same
    /// folder, so code that uses <see cref="JiebaSegmenter"/> directly finds its files too.
    /// </summary>
    public static JiebaDictionary Load(string? directory = null)
    {
        var dir = Path.GetFullPath(string.IsNullOrWhiteSpace(directory) ? DefaultDirectory : directory);
        return Loaded.GetOrAdd(dir, d => new Lazy<JiebaDictionary>(() => Read(d))).Value;
    }

    /// <summary>Frequency of a word, 0 for a prefix only, -1 when unknown.</summary>
    public int Frequency(ReadOnlySpan<char> word) => Trie.Find(word);

    private static JiebaDictionary Read(string dir)
    {
        var file = Path.Combine(dir, "dict.txt");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"jieba dictionary not found at {file}: the build copies it from the jieba.NET package (ServiceOfficer:JiebaDirectory)");
        }
        ConfigManager.ConfigFileBaseDir = dir;
        var words = new Dictionary<string, int>(600_000, StringComparer.Ordinal);
        double total = 0;
        var maxLen = 1;
        using var reader = new StreamReader(file, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var first = line.IndexOf(' ', StringComparison.Ordinal);
            if (first <= 0) continue;
            var second = line.IndexOf(' ', first + 1);
            var freqText = second < 0 ? line.AsSpan(first + 1) : line.AsSpan(first + 1, second - first - 1);
            if (!int.TryParse(freqText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var freq)) continue;
            var word = TextNormalizer.Normalize(line[..first]);
            if (word.Length == 0 || word.Contains(' ', StringComparison.Ordinal)) continue;
            AddWord(words, word, freq);
            total += freq;
            if (word.Length > maxLen) maxLen = word.Length;
        }
        return new JiebaDictionary(words, total, maxLen);
    }

    internal static void AddWord(Dictionary<string, int> words, string word, int freq)
    {
        words[word] = words.TryGetValue(word, out var old) ? Math.Max(old, freq) : freq;
        for (var i = 1; i < word.Length; i++)
        {
            var prefix = word[..i];
            words.TryAdd(prefix, 0);
        }
    }
}

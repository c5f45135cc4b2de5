using System.Globalization;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.Timeline;

/// <summary>
/// Chinese word segmentation for timeline search: jieba's dictionary plus the finance dictionary, so that
/// "逆回购手续费" searches for 逆回购 and 手续费 rather than for the characters in that order. Loaded on first
/// search (the dictionary is large and search is occasional).
/// </summary>
public sealed class TimelineSegmenter
{
    private readonly Lazy<WordSegmenter> _segmenter = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public IReadOnlyList<string> Words(string query) =>
        _segmenter.Value.Segment(TextNormalizer.Normalize(query)).Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    private static WordSegmenter Load()
    {
        var userWords = new List<UserWord>();
        var dict = Path.Combine(ServiceOfficerSetup.DefaultSeedDirectory, "finance-dict.txt");
        if (File.Exists(dict))
        {
            foreach (var line in File.ReadLines(dict))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0) continue;
                var freq = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var f) ? f : 0;
                userWords.Add(new UserWord(parts[0], freq, parts.Length > 2 ? parts[2] : null));
            }
        }
        return new WordSegmenter(JiebaDictionary.Load(), userWords);
    }
}

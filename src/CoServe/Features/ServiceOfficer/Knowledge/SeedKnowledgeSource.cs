namespace CoServe.Features.ServiceOfficer.Knowledge;

/// <summary>
/// Reads a seed folder: kb-*.json (entries), finance-dict.txt, synonyms.tsv, train-intents.jsonl. Evaluation
/// files in the same folder are never read here, so they cannot leak into training.
/// </summary>
public sealed class SeedKnowledgeSource(string directory) : IKnowledgeSource
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public ValueTask<KnowledgeSet> LoadAsync(CancellationToken ct) => ValueTask.FromResult(Load());

    public KnowledgeSet Load()
    {
        if (!System.IO.Directory.Exists(Directory)) throw new DirectoryNotFoundException($"seed folder {Directory} does not exist (ServiceOfficer:SeedDirectory)");
        var kbFiles = System.IO.Directory.GetFiles(Directory, "kb-*.json").Order(StringComparer.Ordinal).ToList();
        if (kbFiles.Count == 0) throw new FileNotFoundException($"no kb-*.json files in {Directory}");
        var entries = new List<KnowledgeEntry>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in kbFiles)
        {
            foreach (var e in SeedFiles.ReadKnowledgeBase(file))
            {
                if (!seen.TryAdd(e.Id, file)) throw new SeedFormatException($"{file}: entry {e.Id} is also in {seen[e.Id]}");
                entries.Add(e);
            }
        }
        var dict = Path.Combine(Directory, "finance-dict.txt");
        var synonyms = Path.Combine(Directory, "synonyms.tsv");
        var intents = Path.Combine(Directory, "train-intents.jsonl");
        return new KnowledgeSet(
            entries,
            File.Exists(dict) ? SeedFiles.ReadUserDictionary(dict) : [],
            File.Exists(synonyms) ? SeedFiles.ReadSynonyms(synonyms) : [],
            File.Exists(intents) ? SeedFiles.ReadLabelled(intents) : [],
            Directory);
    }
}

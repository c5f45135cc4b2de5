using System.Globalization;
using CoServe.Features.ServiceOfficer.Knowledge;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace CoServe.Features.ServiceOfficer.Evaluation;

/// <summary>
/// The plain baseline the engine must beat: Lucene.Net BM25 with the SmartCn analyzer over the same questions and
/// paraphrases, top document's entry wins, no normalisation, synonyms, model or context.
/// </summary>
public sealed class LuceneBaseline : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private readonly RAMDirectory _directory = new();
    private readonly SmartChineseAnalyzer _analyzer = new(Version);
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;

    public LuceneBaseline(IEnumerable<KnowledgeEntry> entries)
    {
        var config = new IndexWriterConfig(Version, _analyzer) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(_directory, config))
        {
            foreach (var e in entries)
            {
                foreach (var text in e.Texts)
                {
                    writer.AddDocument(new Document
                    {
                        new StringField("id", e.Id, Field.Store.YES),
                        new TextField("text", text, Field.Store.NO),
                    });
                }
            }
            writer.Commit();
        }
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
    }

    /// <summary>Best entry and its score, or null when nothing matches.</summary>
    public (string Id, float Score)? Top(string text)
    {
        // What QueryParser does for a plain string with OR: the analyzer's terms as SHOULD clauses.
        var query = new BooleanQuery();
        using (var stream = _analyzer.GetTokenStream("text", text))
        {
            var term = stream.AddAttribute<Lucene.Net.Analysis.TokenAttributes.ICharTermAttribute>();
            stream.Reset();
            while (stream.IncrementToken()) query.Add(new TermQuery(new Term("text", term.ToString())), Occur.SHOULD);
            stream.End();
        }
        if (query.Clauses.Count == 0) return null;
        var hits = _searcher.Search(query, 1).ScoreDocs;
        if (hits.Length == 0) return null;
        return (_searcher.Doc(hits[0].Doc).Get("id", CultureInfo.InvariantCulture), hits[0].Score);
    }

    /// <summary>
    /// Top-1 accuracy, and accuracy when the baseline answers only its most confident share of queries (the
    /// engine's answer rate), so both are compared at the same coverage.
    /// </summary>
    public (double Top1, double AccuracyAtRate) Evaluate(IReadOnlyList<LabelledText> items, double answerRate)
    {
        var results = items.Select(i => (Hit: Top(i.Text), i.Label)).ToList();
        var top1 = results.Count(r => r.Hit?.Id == r.Label);
        var keep = (int)Math.Round(answerRate * results.Count);
        var answered = results.Where(r => r.Hit is not null).OrderByDescending(r => r.Hit!.Value.Score).Take(keep).ToList();
        var atRate = answered.Count == 0 ? 0 : (double)answered.Count(r => r.Hit!.Value.Id == r.Label) / answered.Count;
        return (items.Count == 0 ? 0 : (double)top1 / items.Count, atRate);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }
}

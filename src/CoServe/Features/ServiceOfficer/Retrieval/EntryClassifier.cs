using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Retrieval;

/// <summary>
/// A maximum-entropy classifier (trained by AdaGrad, see <see cref="LinearModels.TrainSoftmax"/>) with one class per entry over hashed word, word-pair and character
/// n-grams of all its wordings. Where BM25 compares the query with one wording at a time, this pools every
/// wording of an entry and learns which n-grams tell entries apart. Its probability, restricted to the retrieved
/// candidates, is one of the ranker's features. Weights grow with entries x features, so it is only trained up
/// to <see cref="ServiceOfficerOptions.MaxClassifierEntries"/> entries.
/// </summary>
public sealed class EntryClassifier
{
    public const int HashBits = 13;
    private const int Dimension = 1 << HashBits;

    private readonly float[] _weights;
    private readonly float[] _biases;

    private readonly int _classes;

    private EntryClassifier(float[] weights, float[] biases, int classes)
    {
        _weights = weights;
        _biases = biases;
        _classes = classes;
    }

    public static SparseVector Features(AnalyzedText text) => IntentClassifier.Features(text, HashBits);

    public static EntryClassifier Train(IReadOnlyList<(AnalyzedText Text, int Entry)> wordings, int entries, int seed)
    {
        var rows = wordings.Select(w => (Features(w.Text), w.Entry)).ToList();
        var (w, b) = LinearModels.TrainSoftmax(rows, entries, Dimension, l2: 1e-5f, seed, epochs: 20);
        return new EntryClassifier(w, b, entries);
    }

    /// <summary>Softmax over the candidates only: cheap, and all the ranker needs.</summary>
    public void CandidateProbabilities(SparseVector x, ReadOnlySpan<Candidate> candidates, Span<float> probabilities)
    {
        var max = float.MinValue;
        for (var i = 0; i < candidates.Length; i++)
        {
            var e = candidates[i].Entry;
            var score = _biases[e];
            for (var k = 0; k < x.Indices.Length; k++) score += _weights[x.Indices[k] * _classes + e] * x.Values[k];
            probabilities[i] = score;
            max = Math.Max(max, probabilities[i]);
        }
        var sum = 0f;
        for (var i = 0; i < candidates.Length; i++)
        {
            probabilities[i] = MathF.Exp(probabilities[i] - max);
            sum += probabilities[i];
        }
        for (var i = 0; i < candidates.Length; i++) probabilities[i] /= sum;
    }
}

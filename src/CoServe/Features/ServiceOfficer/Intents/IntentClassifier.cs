using System.Text;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.Retrieval;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.ServiceOfficer.Intents;

/// <summary>
/// Multinomial logistic regression (trained with ML.NET's L-BFGS maximum entropy) over hashed word, word-pair,
/// character-bigram and character-trigram features. It catches what the keyword rules miss ("你们这服务还能不能
/// 行了"). Inference is a sparse dot product over the kept weights: thread-safe and sub-microsecond.
/// </summary>
public sealed class IntentClassifier
{
    public const int DefaultHashBits = 16;
    private const int FileVersion = 1;
    private static readonly byte[] Magic = "CSIM"u8.ToArray();

    // Feature-major (weight of feature j for class c at j * classes + c): a message's few dozen features each read
    // one cache line for all classes, instead of one line per class in a block of 2^HashBits floats per class.
    private readonly float[] _weights;
    private readonly float[] _biases;

    /// <param name="labels">Class labels, in score order.</param>
    /// <param name="hashBits">Feature hash width: 2^hashBits features.</param>
    /// <param name="weights">Feature-major: the weight of feature j for class c at <c>j * labels.Count + c</c>.</param>
    /// <param name="biases">One per class.</param>
    public IntentClassifier(IReadOnlyList<string> labels, int hashBits, float[] weights, float[] biases)
    {
        if (biases.Length != labels.Count || weights.Length != labels.Count * (1 << hashBits)) throw new ArgumentException("intent model weights do not match its labels");
        Labels = labels;
        HashBits = hashBits;
        _weights = weights;
        _biases = biases;
    }

    public IReadOnlyList<string> Labels { get; }

    public int HashBits { get; }

    private int Dimension => 1 << HashBits;

    /// <summary>Class probabilities in <see cref="Labels"/> order.</summary>
    public float[] Predict(AnalyzedText text)
    {
        var x = Features(text, HashBits);
        var classes = Labels.Count;
        var scores = new float[classes];
        // Each class's sum gets the features in the same order as a dot product per class would (same floats).
        for (var i = 0; i < x.Indices.Length; i++)
        {
            var row = x.Indices[i] * classes;
            var value = x.Values[i];
            for (var c = 0; c < classes; c++) scores[c] += _weights[row + c] * value;
        }
        var max = float.MinValue;
        for (var c = 0; c < classes; c++)
        {
            scores[c] += _biases[c];
            max = Math.Max(max, scores[c]);
        }
        var sum = 0f;
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] = MathF.Exp(scores[c] - max);
            sum += scores[c];
        }
        for (var c = 0; c < scores.Length; c++) scores[c] /= sum;
        return scores;
    }

    public (string Label, float Probability) Top(AnalyzedText text)
    {
        var p = Predict(text);
        var best = 0;
        for (var c = 1; c < p.Length; c++)
        {
            if (p[c] > p[best]) best = c;
        }
        return (Labels[best], p[best]);
    }

    public static SparseVector Features(AnalyzedText text, int bits)
    {
        var f = new List<(int, float)>(64);
        var tokens = text.Tokens;
        for (var i = 0; i < tokens.Length; i++)
        {
            f.Add((FeatureHash.Of('w', tokens[i], bits), 1f));
            if (i + 1 < tokens.Length) f.Add((FeatureHash.Of('p', tokens[i], tokens[i + 1], bits), 1f));
        }
        foreach (var b in text.Bigrams) f.Add((FeatureHash.Of('c', b, bits), 1f));
        var s = text.Canonical;
        for (var i = 0; i + 2 < s.Length; i++)
        {
            if (WordSegmenter.IsHan(s[i]) && WordSegmenter.IsHan(s[i + 1]) && WordSegmenter.IsHan(s[i + 2])) f.Add((FeatureHash.Of('t', s.AsSpan(i, 3), bits), 1f));
        }
        // Shape cues: exclamation and question marks, a six-digit security code, a very short message.
        var n = text.Normalized;
        var bangs = n.AsSpan().Count('!');
        if (bangs > 0) f.Add((FeatureHash.Of('s', bangs > 1 ? "!!" : "!", bits), 1f));
        if (n.Contains('?', StringComparison.Ordinal)) f.Add((FeatureHash.Of('s', "?", bits), 1f));
        if (HasSecurityCode(n)) f.Add((FeatureHash.Of('s', "code6", bits), 1f));
        f.Add((FeatureHash.Of('s', n.Length <= 4 ? "len:short" : n.Length <= 12 ? "len:mid" : "len:long", bits), 1f));
        // Kinds of words (feeling, praise, accusing questions, acts of complaint), not the words: round intents4.
        EmotionLexicon.AddFeatures(n, f, bits);
        var v = SparseVector.From(f);
        // Unit length so that long messages do not get more confident just by being long.
        var norm = MathF.Sqrt(v.Values.Sum(x => x * x));
        if (norm > 0)
        {
            for (var i = 0; i < v.Values.Length; i++) v.Values[i] /= norm;
        }
        return v;
    }

    public static bool HasSecurityCode(string s)
    {
        var run = 0;
        for (var i = 0; i <= s.Length; i++)
        {
            if (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                run++;
            }
            else
            {
                if (run == 6) return true;
                run = 0;
            }
        }
        return false;
    }

    public static IntentClassifier Train(IReadOnlyList<(AnalyzedText Text, string Label)> examples, int seed, int hashBits = DefaultHashBits, float l2 = 0.02f)
    {
        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2) throw new InvalidOperationException("the intent classifier needs examples of at least two labels");
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var rows = examples.Select(e => (Features(e.Text, hashBits), index[e.Label])).ToList();
        var dimension = 1 << hashBits;
        var (featureMajor, b) = LinearModels.TrainSoftmax(rows, labels.Count, dimension, l2, seed, epochs: 30, learningRate: 0.3f);
        return new IntentClassifier(labels, hashBits, featureMajor, b);
    }

    /// <summary>Small binary file: labels, biases and the non-zero weights.</summary>
    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FileVersion);
        w.Write(HashBits);
        w.Write(Labels.Count);
        foreach (var l in Labels) w.Write(l);
        foreach (var b in _biases) w.Write(b);
        var nonZero = 0;
        foreach (var x in _weights)
        {
            if (x != 0) nonZero++;
        }
        w.Write(nonZero);
        // The file keeps the class-major positions (c * 2^HashBits + j) it has always had.
        var classes = Labels.Count;
        for (var c = 0; c < classes; c++)
        {
            for (var j = 0; j < Dimension; j++)
            {
                var x = _weights[j * classes + c];
                if (x == 0) continue;
                w.Write(c * Dimension + j);
                w.Write(x);
            }
        }
    }

    public static IntentClassifier Load(Stream stream, string name)
    {
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new SeedFormatException($"{name}: not a CoServe intent model");
            var version = r.ReadInt32();
            if (version != FileVersion) throw new SeedFormatException($"{name}: intent model version {version} is not supported");
            var bits = r.ReadInt32();
            var count = r.ReadInt32();
            if (bits is < 8 or > 24 || count is < 2 or > 1000) throw new SeedFormatException($"{name}: damaged intent model header");
            var labels = new List<string>();
            for (var i = 0; i < count; i++) labels.Add(r.ReadString());
            var biases = new float[count];
            for (var i = 0; i < count; i++) biases[i] = r.ReadSingle();
            var weights = new float[count * (1 << bits)];
            var nonZero = r.ReadInt32();
            for (var i = 0; i < nonZero; i++)
            {
                var at = r.ReadInt32();
                if ((uint)at >= (uint)weights.Length) throw new SeedFormatException($"{name}: damaged intent model weights");
                // Stored class-major (see Save), held feature-major.
                weights[(at & ((1 << bits) - 1)) * count + (at >> bits)] = r.ReadSingle();
            }
            return new IntentClassifier(labels, bits, weights, biases);
        }
        catch (EndOfStreamException)
        {
            throw new SeedFormatException($"{name}: intent model file is truncated");
        }
    }
}

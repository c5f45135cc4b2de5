using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace CoServe.Features.ServiceOfficer.Retrieval;

/// <summary>A sparse feature vector: sorted distinct indices with values.</summary>
public readonly record struct SparseVector(int[] Indices, float[] Values)
{
    /// <summary>Adds duplicate indices together and sorts; ML.NET and the dot products both want that.</summary>
    public static SparseVector From(List<(int Index, float Value)> items)
    {
        var indices = new int[items.Count];
        var values = new float[items.Count];
        for (var i = 0; i < indices.Length; i++) (indices[i], values[i]) = items[i];
        // Keys and values sorted together (no comparison delegate per step), then duplicates summed in place.
        Array.Sort(indices, values);
        var n = 0;
        for (var i = 0; i < indices.Length; i++)
        {
            if (n > 0 && indices[n - 1] == indices[i])
            {
                values[n - 1] += values[i];
            }
            else
            {
                indices[n] = indices[i];
                values[n++] = values[i];
            }
        }
        if (n < indices.Length)
        {
            Array.Resize(ref indices, n);
            Array.Resize(ref values, n);
        }
        return new SparseVector(indices, values);
    }

    public float Dot(float[] weights, int offset = 0)
    {
        var sum = 0f;
        for (var i = 0; i < Indices.Length; i++) sum += weights[offset + Indices[i]] * Values[i];
        return sum;
    }
}

/// <summary>Deterministic string hashing for n-gram features (string.GetHashCode changes per process).</summary>
public static class FeatureHash
{
    public static int Of(char kind, ReadOnlySpan<char> text, int bits) => Of(kind, text, [], bits, pair: false);

    /// <summary>The hash of <c>first + "\u0001" + second</c>, without building that string.</summary>
    public static int Of(char kind, ReadOnlySpan<char> first, ReadOnlySpan<char> second, int bits) => Of(kind, first, second, bits, pair: true);

    private static int Of(char kind, ReadOnlySpan<char> first, ReadOnlySpan<char> second, int bits, bool pair)
    {
        var h = 2166136261u;
        h = (h ^ kind) * 16777619u;
        foreach (var c in first) h = (h ^ c) * 16777619u;
        if (pair)
        {
            h = (h ^ '\u0001') * 16777619u;
            foreach (var c in second) h = (h ^ c) * 16777619u;
        }
        h ^= h >> 15;
        h *= 0x2c1b3c6du;
        h ^= h >> 12;
        return (int)(h & ((1u << bits) - 1));
    }
}

/// <summary>
/// Trains linear models with ML.NET on feature vectors this feature computes itself, then keeps only the weights.
/// Why not keep ML.NET's prediction engine: it is not thread-safe and costs tens of microseconds per call, while a
/// sparse dot product over the same weights costs well under one, and the weights save to a small file.
/// Single-threaded training with fixed seeds, so the same data always gives the same model.
/// </summary>
public static class LinearModels
{
    private sealed class BinaryRow
    {
        public bool Label { get; set; }
        public VBuffer<float> Features { get; set; }
    }

    /// <summary>Logistic regression; returns weights and bias of P(label) = sigmoid(w·x + b).</summary>
    public static (float[] Weights, float Bias) TrainBinary(IReadOnlyList<(SparseVector X, bool Y)> rows, int dimension, float l2, int seed)
    {
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(BinaryRow));
        schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new BinaryRow { Label = r.Y, Features = new VBuffer<float>(dimension, r.X.Indices.Length, r.X.Values, r.X.Indices) }), schema);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            L2Regularization = l2,
            L1Regularization = 0,
            NumberOfThreads = 1,
            MaximumNumberOfIterations = 200,
            OptimizationTolerance = 1e-6f,
        });
        var model = trainer.Fit(data).Model;
        var linear = model.SubModel;
        var calibrator = model.Calibrator;
        // ML.NET's probability is 1 / (1 + exp(slope * score + offset)) with score = w·x + b; fold it into w and b.
        var scale = -(float)calibrator.Slope;
        var weights = new float[dimension];
        var i = 0;
        foreach (var w in linear.Weights) weights[i++] = w * scale;
        return (weights, linear.Bias * scale - (float)calibrator.Offset);
    }

    /// <summary>
    /// Multinomial logistic regression by AdaGrad stochastic gradient descent, for models with many classes (one per
    /// knowledge entry) where ML.NET's L-BFGS needs tens of seconds: a few passes over sparse rows take well under a
    /// second. Weights are feature-major [feature * classes + class], so a sparse dot product reads contiguous
    /// memory. L2 is applied to the rows a step touches (lazy decay). Deterministic: one thread, shuffles from
    /// <paramref name="seed"/>.
    /// </summary>
    public static (float[] Weights, float[] Biases) TrainSoftmax(IReadOnlyList<(SparseVector X, int Y)> rows, int classes, int dimension,
        float l2, int seed, int epochs = 12, float learningRate = 0.5f)
    {
        var w = new float[(long)dimension * classes > int.MaxValue ? throw new ArgumentException("model too large") : dimension * classes];
        var g2 = new float[w.Length];
        var b = new float[classes];
        var bg2 = new float[classes];
        var p = new float[classes];
        var order = Enumerable.Range(0, rows.Count).ToArray();
        var rng = new Random(seed);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            rng.Shuffle(order);
            foreach (var r in order)
            {
                var (x, y) = rows[r];
                b.AsSpan().CopyTo(p);
                for (var k = 0; k < x.Indices.Length; k++)
                {
                    AddScaled(p, w.AsSpan(x.Indices[k] * classes, classes), x.Values[k]);
                }
                var max = float.MinValue;
                for (var c = 0; c < classes; c++) max = Math.Max(max, p[c]);
                var sum = 0f;
                for (var c = 0; c < classes; c++)
                {
                    p[c] = MathF.Exp(p[c] - max);
                    sum += p[c];
                }
                for (var c = 0; c < classes; c++) p[c] = p[c] / sum - (c == y ? 1f : 0f);
                for (var c = 0; c < classes; c++)
                {
                    bg2[c] += p[c] * p[c];
                    b[c] -= learningRate * p[c] / (MathF.Sqrt(bg2[c]) + 1e-6f);
                }
                for (var k = 0; k < x.Indices.Length; k++)
                {
                    Step(w.AsSpan(x.Indices[k] * classes, classes), g2.AsSpan(x.Indices[k] * classes, classes), p, x.Values[k], l2, learningRate);
                }
            }
        }
        return (w, b);
    }

    private static void AddScaled(Span<float> target, ReadOnlySpan<float> row, float v)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && row.Length >= System.Numerics.Vector<float>.Count)
        {
            var vv = new System.Numerics.Vector<float>(v);
            var n = System.Numerics.Vector<float>.Count;
            for (; i <= row.Length - n; i += n)
            {
                (new System.Numerics.Vector<float>(target[i..]) + new System.Numerics.Vector<float>(row[i..]) * vv).CopyTo(target[i..]);
            }
        }
        for (; i < row.Length; i++) target[i] += row[i] * v;
    }

    /// <summary>One AdaGrad step on a weight row: g = err * x + l2 * w; G += g²; w -= lr * g / sqrt(G). SIMD, since it runs for every class of every active feature.</summary>
    private static void Step(Span<float> w, Span<float> g2, ReadOnlySpan<float> err, float x, float l2, float learningRate)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && w.Length >= System.Numerics.Vector<float>.Count)
        {
            var vx = new System.Numerics.Vector<float>(x);
            var vl2 = new System.Numerics.Vector<float>(l2);
            var vlr = new System.Numerics.Vector<float>(learningRate);
            var eps = new System.Numerics.Vector<float>(1e-6f);
            var n = System.Numerics.Vector<float>.Count;
            for (; i <= w.Length - n; i += n)
            {
                var vw = new System.Numerics.Vector<float>(w[i..]);
                var g = new System.Numerics.Vector<float>(err[i..]) * vx + vl2 * vw;
                var acc = new System.Numerics.Vector<float>(g2[i..]) + g * g;
                acc.CopyTo(g2[i..]);
                (vw - vlr * g / (System.Numerics.Vector.SquareRoot(acc) + eps)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            var g = err[i] * x + l2 * w[i];
            g2[i] += g * g;
            w[i] -= learningRate * g / (MathF.Sqrt(g2[i]) + 1e-6f);
        }
    }

    /// <summary>
    /// Listwise ranking by AdaGrad, started from given (pointwise logistic) weights: a softmax over each query's
    /// candidates (<paramref name="groups"/>: consecutive rows of one query), so the weights learn which candidate
    /// beats the others retrieved for the same query (what top-1 depends on) rather than whether a pair is right in
    /// isolation. A fixed number of passes in a seeded order. A logistic scale and offset fitted on the listwise score then give each candidate an absolute
    /// probability again, which the calibration, the clarify/hand-off split and follow-ups compare across queries.
    /// </summary>
    public static (float[] Weights, float Bias) TrainListwise(IReadOnlyList<(SparseVector X, bool Y)> rows, IReadOnlyList<(int Start, int Count)> groups, int dimension,
        float[] start, int seed)
    {
        const int epochs = 8;
        const float rate = 0.05f, l2 = 1e-4f;
        var w = (float[])start.Clone();
        var squares = new float[dimension];
        var gradient = new float[dimension];
        var scores = new float[groups.Count == 0 ? 0 : groups.Max(g => g.Count)];
        var order = Enumerable.Range(0, groups.Count).ToArray();
        var rng = new Random(seed);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            rng.Shuffle(order);
            foreach (var g in order)
            {
                var (first, n) = groups[g];
                var max = float.MinValue;
                for (var i = 0; i < n; i++) max = Math.Max(max, scores[i] = rows[first + i].X.Dot(w));
                var sum = 0f;
                for (var i = 0; i < n; i++) sum += scores[i] = MathF.Exp(scores[i] - max);
                Array.Clear(gradient);
                for (var i = 0; i < n; i++)
                {
                    var (x, y) = rows[first + i];
                    var d = scores[i] / sum - (y ? 1f : 0f);
                    for (var k = 0; k < x.Indices.Length; k++) gradient[x.Indices[k]] += d * x.Values[k];
                }
                for (var k = 0; k < dimension; k++)
                {
                    var step = gradient[k] + l2 * w[k];
                    squares[k] += step * step;
                    w[k] -= rate * step / (MathF.Sqrt(squares[k]) + 1e-6f);
                }
            }
        }
        var (scale, offset) = TrainBinary([.. rows.Select(r => (new SparseVector([0], [r.X.Dot(w)]), r.Y))], 1, l2: 0.1f, seed);
        for (var k = 0; k < dimension; k++) w[k] *= scale[0];
        return (w, offset);
    }

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    public static float Logit(float p)
    {
        p = Math.Clamp(p, 1e-4f, 1 - 1e-4f);
        return MathF.Log(p / (1 - p));
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
using CoServe.Features.ServiceOfficer.Text;

namespace CoServe.Features.Outreach;

/// <summary>How close two texts are: exact (same normalised text) or near (bigram similarity and the same numbers).</summary>
public readonly record struct TextSimilarity(bool Exact, double Jaccard, double Containment, bool SameNumbers);

/// <summary>
/// A compact summary of a message for de-duplication, small enough to keep per message sent: a fingerprint of
/// the normalised text (exact duplicates), a bottom-k MinHash sketch of its character bigrams (near duplicates:
/// Chinese has no spaces, and bigrams are what Chinese retrieval uses without a dictionary), the number of
/// distinct bigrams, and a hash of the numbers in it. Numbers are compared exactly because the same template
/// with other figures ("沪指上涨1.2%" vs "下跌0.8%", another date) is other news, while a paraphrase keeps them.
/// </summary>
public sealed class TextSketch
{
    /// <summary>Sketch size: texts with up to this many distinct bigrams are compared exactly; beyond, the error is about 1/sqrt(K).</summary>
    public const int K = 64;

    private TextSketch(long fingerprint, long numbersHash, int length, int shingles, uint[] minHashes)
    {
        Fingerprint = fingerprint;
        NumbersHash = numbersHash;
        Length = length;
        Shingles = shingles;
        MinHashes = minHashes;
    }

    /// <summary>64-bit hash of the normalised text.</summary>
    public long Fingerprint { get; }

    /// <summary>Hash of the sorted distinct numbers in the text (0 when there are none).</summary>
    public long NumbersHash { get; }

    /// <summary>Characters after normalisation (letters and digits only).</summary>
    public int Length { get; }

    /// <summary>Distinct character bigrams.</summary>
    public int Shingles { get; }

    /// <summary>The K smallest bigram hashes, ascending.</summary>
    public uint[] MinHashes { get; }

    public byte[] SketchBytes => MemoryMarshal.AsBytes(MinHashes.AsSpan()).ToArray();

    public static TextSketch Of(string? text)
    {
        text ??= "";
        var buffer = ArrayPool<char>.Shared.Rent(text.Length + 1);
        try
        {
            var n = 0;
            var numbers = new List<long>();
            var number = 0L;
            var inNumber = false;
            var pendingPoint = false;
            foreach (var raw in text)
            {
                var c = TextNormalizer.Fold(raw);
                if (c == '\0') continue;
                if (char.IsAsciiDigit(c))
                {
                    // 1.2 and 12 are different figures; numbers longer than 18 digits only need telling apart.
                    if (pendingPoint)
                    {
                        number = unchecked((number * 31) + 7);
                        buffer[n++] = '.';
                    }
                    number = unchecked((number * 10) + (c - '0'));
                    inNumber = true;
                    pendingPoint = false;
                }
                else if (inNumber && c == '.' && !pendingPoint)
                {
                    pendingPoint = true;
                }
                else if (inNumber)
                {
                    numbers.Add(number);
                    number = 0;
                    inNumber = false;
                    pendingPoint = false;
                }
                if (char.IsLetterOrDigit(c)) buffer[n++] = c;
            }
            if (inNumber) numbers.Add(number);
            var normalised = buffer.AsSpan(0, n);
            var fingerprint = Hash64(normalised);
            var numbersHash = NumbersHashOf(numbers);
            if (n < 2) return new TextSketch(fingerprint, numbersHash, n, 0, []);

            var hashes = ArrayPool<uint>.Shared.Rent(n - 1);
            try
            {
                for (var i = 0; i < n - 1; i++) hashes[i] = Mix32(((uint)normalised[i] << 16) | normalised[i + 1]);
                var span = hashes.AsSpan(0, n - 1);
                span.Sort();
                var distinct = 0;
                for (var i = 0; i < span.Length; i++)
                {
                    if (i == 0 || span[i] != span[i - 1]) span[distinct++] = span[i];
                }
                return new TextSketch(fingerprint, numbersHash, n, distinct, span[..Math.Min(K, distinct)].ToArray());
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(hashes);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>The minimum hashes of a stored sketch, without copying.</summary>
    public static ReadOnlySpan<uint> Read(byte[]? bytes) =>
        bytes is null ? [] : MemoryMarshal.Cast<byte, uint>(bytes.AsSpan(0, bytes.Length - (bytes.Length % 4)));

    public TextSimilarity Compare(long fingerprint, long numbersHash, int shingles, ReadOnlySpan<uint> other) =>
        Compare(Fingerprint, NumbersHash, Shingles, MinHashes, fingerprint, numbersHash, shingles, other);

    public static TextSimilarity Compare(long fpA, long numA, int shinglesA, ReadOnlySpan<uint> a, long fpB, long numB, int shinglesB, ReadOnlySpan<uint> b)
    {
        if (fpA == fpB) return new TextSimilarity(true, 1, 1, true);
        if (shinglesA == 0 || shinglesB == 0) return new TextSimilarity(false, 0, 0, numA == numB);
        // The K smallest hashes of A ∪ B all lie in A's or B's sketch; those in both sketches are in A ∩ B.
        int i = 0, j = 0, taken = 0, both = 0;
        while (taken < K && (i < a.Length || j < b.Length))
        {
            if (j >= b.Length || (i < a.Length && a[i] < b[j]))
            {
                i++;
            }
            else if (i >= a.Length || b[j] < a[i])
            {
                j++;
            }
            else
            {
                both++;
                i++;
                j++;
            }
            taken++;
        }
        var jaccard = taken == 0 ? 0 : (double)both / taken;
        var intersection = jaccard * (shinglesA + shinglesB) / (1 + jaccard);
        var containment = Math.Min(1, intersection / Math.Min(shinglesA, shinglesB));
        return new TextSimilarity(false, jaccard, containment, numA == numB);
    }

    private static long NumbersHashOf(List<long> numbers)
    {
        if (numbers.Count == 0) return 0;
        numbers.Sort();
        var h = 1469598103934665603UL;
        long? previous = null;
        foreach (var x in numbers)
        {
            if (x == previous) continue;
            previous = x;
            h = Mix64(h ^ (ulong)x);
        }
        return (long)h;
    }

    private static long Hash64(ReadOnlySpan<char> s)
    {
        // FNV-1a over UTF-16 units with a final avalanche: stable across processes and machines, unlike string.GetHashCode.
        var h = 1469598103934665603UL;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return (long)Mix64(h ^ (ulong)s.Length);
    }

    // MurmurHash3 finalisers: bijective, so distinct bigrams never collide in the 32-bit sketch.
    private static uint Mix32(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    private static ulong Mix64(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}

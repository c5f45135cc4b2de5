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
        // One pass over the text into stack buffers (pooled arrays for long texts): no substrings, no list of
        // numbers, and only the sketch and its K hashes are allocated. The result is bit for bit what the plain
        // fold-sort-distinct formulation gives (TextSketchTests keeps that reference), so stored sketches and
        // every duplicate verdict stay the same.
        char[]? rentedChars = null;
        long[]? rentedNumbers = null;
        uint[]? rentedHashes = null;
        try
        {
            var small = text.Length <= StackLimit;
            // A number takes at least one character and ends before the next one starts.
            var maxNumbers = (text.Length / 2) + 1;
            Span<char> buffer = small ? stackalloc char[text.Length] : (rentedChars = ArrayPool<char>.Shared.Rent(text.Length));
            Span<long> numbers = small ? stackalloc long[maxNumbers] : (rentedNumbers = ArrayPool<long>.Shared.Rent(maxNumbers));
            var (n, count) = Normalise(text, buffer, numbers);
            var normalised = buffer[..n];
            var fingerprint = Hash64(normalised);
            var numbersHash = NumbersHashOf(numbers[..count]);
            if (n < 2) return new TextSketch(fingerprint, numbersHash, n, 0, []);

            Span<uint> hashes = small ? stackalloc uint[n - 1] : (rentedHashes = ArrayPool<uint>.Shared.Rent(n - 1)).AsSpan(0, n - 1);
            for (var i = 0; i < hashes.Length; i++) hashes[i] = Mix32(((uint)normalised[i] << 16) | normalised[i + 1]);
            hashes.Sort();
            var distinct = 1;
            for (var i = 1; i < hashes.Length; i++)
            {
                if (hashes[i] != hashes[distinct - 1]) hashes[distinct++] = hashes[i];
            }
            return new TextSketch(fingerprint, numbersHash, n, distinct, hashes[..Math.Min(K, distinct)].ToArray());
        }
        finally
        {
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
            if (rentedNumbers is not null) ArrayPool<long>.Shared.Return(rentedNumbers);
            if (rentedHashes is not null) ArrayPool<uint>.Shared.Return(rentedHashes);
        }
    }

    /// <summary>Folded letters and digits into <paramref name="buffer"/>, the numbers met on the way into <paramref name="numbers"/>.</summary>
    private static (int Length, int Numbers) Normalise(string text, Span<char> buffer, Span<long> numbers)
    {
        var fold = FoldTable;
        var n = 0;
        var count = 0;
        var number = 0L;
        var inNumber = false;
        var pendingPoint = false;
        foreach (var raw in text)
        {
            var entry = fold[raw];
            if (entry == Dropped) continue;
            var c = (char)entry;
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
                numbers[count++] = number;
                number = 0;
                inNumber = false;
                pendingPoint = false;
            }
            if ((entry & LetterOrDigit) != 0) buffer[n++] = c;
        }
        if (inNumber) numbers[count++] = number;
        return (n, count);
    }

    // Texts up to this many characters are sketched in stack buffers; longer ones in pooled arrays.
    private const int StackLimit = 512;
    private const int LetterOrDigit = 1 << 16;
    private const int Dropped = 1 << 17;

    // TextNormalizer.Fold and char.IsLetterOrDigit of the folded character, for every UTF-16 unit: one array
    // read per character instead of a switch, a frozen-dictionary lookup and a Unicode category lookup.
    private static readonly int[] FoldTable = BuildFoldTable();

    private static int[] BuildFoldTable()
    {
        var table = new int[char.MaxValue + 1];
        for (var i = 0; i <= char.MaxValue; i++)
        {
            var c = TextNormalizer.Fold((char)i);
            table[i] = c == '\0' ? Dropped : c | (char.IsLetterOrDigit(c) ? LetterOrDigit : 0);
        }
        return table;
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
        // Branch-free merge while both have hashes left: the comparisons are unpredictable.
        int i = 0, j = 0, taken = 0, both = 0;
        while (taken < K && i < a.Length && j < b.Length)
        {
            var x = a[i];
            var y = b[j];
            both += x == y ? 1 : 0;
            i += x <= y ? 1 : 0;
            j += y <= x ? 1 : 0;
            taken++;
        }
        taken += Math.Min(K - taken, (a.Length - i) + (b.Length - j));
        var jaccard = taken == 0 ? 0 : (double)both / taken;
        var intersection = jaccard * (shinglesA + shinglesB) / (1 + jaccard);
        var containment = Math.Min(1, intersection / Math.Min(shinglesA, shinglesB));
        return new TextSimilarity(false, jaccard, containment, numA == numB);
    }

    private static long NumbersHashOf(Span<long> numbers)
    {
        if (numbers.IsEmpty) return 0;
        numbers.Sort();
        var h = 1469598103934665603UL;
        for (var i = 0; i < numbers.Length; i++)
        {
            if (i > 0 && numbers[i] == numbers[i - 1]) continue;
            h = Mix64(h ^ (ulong)numbers[i]);
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

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// A read-only character trie over a word list whose every prefix is also a key (jieba's dictionary with its
/// prefixes), each key with a value (a word's frequency, 0 for a prefix only). Nodes are laid out level by level,
/// the children of a node next to each other in character order, in one array of small structs; the root's
/// children are found through a table indexed by character. Building the segmenter's word graph walks it once
/// per start position (one child step per character) instead of hashing every candidate substring. Immutable after
/// construction, so any number of threads may read it.
/// </summary>
public sealed class CharTrie
{
    /// <summary>Child node returned when there is none (the root is never anyone's child).</summary>
    public const int None = 0;

    private const int LinearSearchMax = 8;

    private readonly Node[] _nodes;
    private readonly int[] _rootChild;

    /// <param name="keys">Every key with its value; every proper prefix of a key must be a key too.</param>
    public CharTrie(IReadOnlyDictionary<string, int> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        // Level by level, then in ordinal order: the children of one node are contiguous and in character order,
        // and the blocks of children follow the order of their parents.
        var ordered = keys.Keys.Where(k => k.Length > 0).ToArray();
        Array.Sort(ordered, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b));
        var id = new Dictionary<string, int>(ordered.Length, StringComparer.Ordinal);
        var ids = id.GetAlternateLookup<ReadOnlySpan<char>>();
        _nodes = new Node[ordered.Length + 2];
        _rootChild = new int[char.MaxValue + 1];
        var parents = new int[ordered.Length + 1];
        for (var i = 0; i < ordered.Length; i++)
        {
            var key = ordered[i];
            var node = i + 1;
            id.Add(key, node);
            var parent = 0;
            if (key.Length > 1 && !ids.TryGetValue(key.AsSpan(0, key.Length - 1), out parent))
            {
                throw new ArgumentException($"the prefix '{key[..^1]}' of the key '{key}' is not a key", nameof(keys));
            }
            parents[node] = parent;
            _nodes[node].Label = key[^1];
            _nodes[node].Value = keys[key];
            if (parent == 0) _rootChild[key[^1]] = node;
        }
        // Children of node n are FirstChild[n] .. FirstChild[n + 1] - 1; parents are non-decreasing in node order.
        var p = 0;
        for (var node = 1; node <= ordered.Length; node++)
        {
            while (p <= parents[node]) _nodes[p++].FirstChild = node;
        }
        while (p < _nodes.Length) _nodes[p++].FirstChild = ordered.Length + 1;
        Count = ordered.Length;
    }

    /// <summary>Number of keys (words and prefixes).</summary>
    public int Count { get; }

    /// <summary>The node reached from <paramref name="node"/> (0 is the root) by one more character, or <see cref="None"/>.</summary>
    public int Child(int node, char c)
    {
        if (node == 0) return _rootChild[c];
        var lo = _nodes[node].FirstChild;
        var hi = _nodes[node + 1].FirstChild;
        if (hi - lo <= LinearSearchMax)
        {
            for (var i = lo; i < hi; i++)
            {
                if (_nodes[i].Label == c) return i;
            }
            return None;
        }
        hi--;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var label = _nodes[mid].Label;
            if (label == c) return mid;
            if (label < c) lo = mid + 1;
            else hi = mid - 1;
        }
        return None;
    }

    /// <summary>The value of a node (not the root).</summary>
    public int Value(int node) => _nodes[node].Value;

    /// <summary>Value of a key, -1 when it is not a key.</summary>
    public int Find(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty) return -1;
        var node = 0;
        foreach (var c in key)
        {
            node = Child(node, c);
            if (node == None) return -1;
        }
        return _nodes[node].Value;
    }

    private struct Node
    {
        public int FirstChild;
        public int Value;
        public char Label;
    }
}

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// Aho-Corasick automaton over a fixed list of keywords: one pass over a text tells which keywords occur in it
/// (as substrings, exactly like <see cref="string.Contains(string, StringComparison)"/> with ordinal comparison).
/// Why: the intent rules hold a few hundred keywords, and testing each with <c>Contains</c> scanned the message a
/// few hundred times. Immutable after construction and thread-safe.
/// </summary>
public sealed class KeywordAutomaton
{
    private readonly Dictionary<long, int> _next = [];
    private readonly int[] _fail;
    /// <summary>Keyword ids that end at each state (its own keyword and those of its suffix states).</summary>
    private readonly int[][] _output;
    /// <summary>One bit per UTF-16 code unit that occurs in some keyword: any other character sends the automaton back to its root.</summary>
    private readonly ulong[] _inKeywords = new ulong[65536 / 64];

    public KeywordAutomaton(IReadOnlyList<string> keywords)
    {
        Count = keywords.Count;
        var own = new List<List<int>> { new() };
        for (var k = 0; k < keywords.Count; k++)
        {
            var word = keywords[k];
            if (string.IsNullOrEmpty(word)) throw new ArgumentException($"keyword {k} is empty");
            var state = 0;
            foreach (var c in word)
            {
                _inKeywords[c >> 6] |= 1UL << (c & 63);
                if (!_next.TryGetValue(Key(state, c), out var to))
                {
                    to = own.Count;
                    own.Add([]);
                    _next[Key(state, c)] = to;
                }
                state = to;
            }
            own[state].Add(k);
        }
        _fail = new int[own.Count];
        _output = new int[own.Count][];
        _output[0] = [.. own[0]];
        // Breadth first, so that a state's failure target is finished before the state itself.
        var children = new List<(char C, int To)>[own.Count];
        for (var i = 0; i < children.Length; i++) children[i] = [];
        foreach (var (key, to) in _next) children[(int)(key >> 16)].Add(((char)(key & 0xFFFF), to));
        var queue = new Queue<int>();
        foreach (var (_, to) in children[0])
        {
            _fail[to] = 0;
            _output[to] = [.. own[to]];
            queue.Enqueue(to);
        }
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            foreach (var (c, to) in children[state])
            {
                var f = _fail[state];
                int target;
                while (!_next.TryGetValue(Key(f, c), out target) && f != 0) f = _fail[f];
                _fail[to] = target; // 0 (the root) when no suffix state has the character
                _output[to] = [.. own[to], .. _output[_fail[to]]];
                queue.Enqueue(to);
            }
        }
    }

    /// <summary>Number of keywords (the length <see cref="FindAll"/> expects).</summary>
    public int Count { get; }

    /// <summary>Marks in <paramref name="found"/> (one flag per keyword, cleared by the caller) every keyword in the text.</summary>
    public void FindAll(ReadOnlySpan<char> text, Span<bool> found)
    {
        var state = 0;
        foreach (var c in text)
        {
            if ((_inKeywords[c >> 6] & (1UL << (c & 63))) == 0)
            {
                // No state has a transition on it, so the failure links lead to the root, which reports nothing.
                state = 0;
                continue;
            }
            while (true)
            {
                if (_next.TryGetValue(Key(state, c), out var to))
                {
                    state = to;
                    break;
                }
                if (state == 0) break;
                state = _fail[state];
            }
            foreach (var k in _output[state]) found[k] = true;
        }
    }

    private static long Key(int state, char c) => ((long)state << 16) | c;
}

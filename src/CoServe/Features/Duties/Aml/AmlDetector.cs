namespace CoServe.Features.Duties.Aml;

public enum TransactionChannel : byte
{
    Cash = 1,
    Transfer = 2,
}

/// <summary>One parsed feed transaction: dense client index, business day number, amount in fen, and what kind.</summary>
public readonly record struct AmlTransaction(int Client, int Day, bool Inflow, long AmountFen, TransactionChannel Channel, bool CrossBorder, bool NonNatural, ulong Counterparty);

public sealed record LargeValueFinding(int Client, DateOnly Day, LargeValueCategory Category, long TotalFen, long LargestFen, int Count);

public sealed record CaseFinding(int Client, DateOnly Day, AmlRule Rule, IReadOnlyDictionary<string, object> Facts);

/// <summary>
/// Large-value detection and suspicious-pattern rules over a day's transactions, per client and day, in one pass
/// and constant work per transaction (the bench feeds it five million a day). Pure: no store, no clock.
/// Large value (same day, single or cumulative, at the configured thresholds): cash in and out together; natural
/// persons' domestic and cross-border transfers; non-natural persons' transfers. Suspicious patterns: structuring
/// (several amounts in the band just below one threshold), rapid in-and-out, many third-party counterparties.
/// </summary>
public sealed class AmlDetector
{
    private const int Categories = 4;
    private readonly long[] _threshold = new long[Categories];
    private readonly long[] _nearFrom = new long[Categories];
    private readonly AmlOptions _options;
    private readonly long _rapidMinInflow;
    private readonly Dictionary<long, int> _slots = new(1 << 16);
    private Account[] _accounts = new Account[1 << 16];
    private int _count;

    public AmlDetector(AmlOptions options)
    {
        _options = options;
        var t = options.LargeValue;
        _threshold[0] = Fen(t.Cash);
        _threshold[1] = Fen(t.NaturalDomesticTransfer);
        _threshold[2] = Fen(t.NaturalCrossBorderTransfer);
        _threshold[3] = Fen(t.NonNaturalTransfer);
        for (var c = 0; c < Categories; c++) _nearFrom[c] = _threshold[c] - (_threshold[c] * options.StructuringBandPercent / 100);
        _rapidMinInflow = Fen(options.RapidInOutMinInflow);
    }

    public long Transactions { get; private set; }

    public int ClientDays => _count;

    private static long Fen(decimal yuan) => (long)(yuan * 100m);

    public static LargeValueCategory CategoryOf(in AmlTransaction t) =>
        t.Channel == TransactionChannel.Cash ? LargeValueCategory.Cash
        : t.NonNatural ? LargeValueCategory.NonNaturalTransfer
        : t.CrossBorder ? LargeValueCategory.NaturalCrossBorderTransfer
        : LargeValueCategory.NaturalDomesticTransfer;

    public void Add(in AmlTransaction t)
    {
        Transactions++;
        var key = ((long)t.Day << 32) | (uint)t.Client;
        if (!_slots.TryGetValue(key, out var slot))
        {
            slot = _count++;
            _slots.Add(key, slot);
            if (slot == _accounts.Length) Array.Resize(ref _accounts, _accounts.Length * 2);
            _accounts[slot].Client = t.Client;
            _accounts[slot].Day = t.Day;
        }
        ref var a = ref _accounts[slot];
        var c = (int)CategoryOf(t) - 1;
        a.Add(c, t.AmountFen, t.AmountFen >= _nearFrom[c] && t.AmountFen < _threshold[c]);
        if (t.Inflow) a.In += t.AmountFen;
        else a.Out += t.AmountFen;
        if (t.Counterparty != 0 && t.Channel == TransactionChannel.Transfer)
        {
            a.Parties ??= [];
            a.Parties.Add(t.Counterparty);
        }
    }

    public (List<LargeValueFinding> LargeValue, List<CaseFinding> Cases) Finish()
    {
        var large = new List<LargeValueFinding>();
        var cases = new List<CaseFinding>();
        for (var i = 0; i < _count; i++)
        {
            ref var a = ref _accounts[i];
            var day = DateOnly.FromDayNumber(a.Day);
            for (var c = 0; c < Categories; c++)
            {
                var count = a.Count(c);
                if (count == 0) continue;
                if (a.Sum(c) >= _threshold[c] || a.Max(c) >= _threshold[c])
                {
                    large.Add(new LargeValueFinding(a.Client, day, (LargeValueCategory)(c + 1), a.Sum(c), a.Max(c), count));
                }
                if (a.Near(c) >= _options.StructuringMinCount)
                {
                    cases.Add(new CaseFinding(a.Client, day, AmlRule.Structuring, new Dictionary<string, object>
                    {
                        ["category"] = ((LargeValueCategory)(c + 1)).ToString(),
                        ["nearThresholdCount"] = a.Near(c),
                        ["threshold"] = _threshold[c] / 100m,
                        ["bandPercent"] = _options.StructuringBandPercent,
                    }));
                }
            }
            if (a.In >= _rapidMinInflow && a.Out * 100 >= a.In * _options.RapidInOutOutflowPercent)
            {
                cases.Add(new CaseFinding(a.Client, day, AmlRule.RapidInOut, new Dictionary<string, object>
                {
                    ["inflow"] = a.In / 100m,
                    ["outflow"] = a.Out / 100m,
                    ["outflowPercent"] = a.Out * 100 / a.In,
                }));
            }
            if (a.Parties is { } parties && parties.Count >= _options.ManyCounterpartiesMin)
            {
                cases.Add(new CaseFinding(a.Client, day, AmlRule.ManyCounterparties, new Dictionary<string, object>
                {
                    ["counterparties"] = parties.Count,
                    ["minimum"] = _options.ManyCounterpartiesMin,
                }));
            }
        }
        return (large, cases);
    }

    /// <summary>A client's day: per category sum, largest single amount, count and near-threshold count; flows; counterparties.</summary>
    private struct Account
    {
        public int Client;
        public int Day;
        public long In;
        public long Out;
        public HashSet<ulong>? Parties;
        private long _sum0, _sum1, _sum2, _sum3;
        private long _max0, _max1, _max2, _max3;
        private int _count0, _count1, _count2, _count3;
        private int _near0, _near1, _near2, _near3;

        public void Add(int c, long amount, bool near)
        {
            var n = near ? 1 : 0;
            switch (c)
            {
                case 0: _sum0 += amount; _max0 = Math.Max(_max0, amount); _count0++; _near0 += n; break;
                case 1: _sum1 += amount; _max1 = Math.Max(_max1, amount); _count1++; _near1 += n; break;
                case 2: _sum2 += amount; _max2 = Math.Max(_max2, amount); _count2++; _near2 += n; break;
                default: _sum3 += amount; _max3 = Math.Max(_max3, amount); _count3++; _near3 += n; break;
            }
        }

        public readonly long Sum(int c) => c switch { 0 => _sum0, 1 => _sum1, 2 => _sum2, _ => _sum3 };

        public readonly long Max(int c) => c switch { 0 => _max0, 1 => _max1, 2 => _max2, _ => _max3 };

        public readonly int Count(int c) => c switch { 0 => _count0, 1 => _count1, 2 => _count2, _ => _count3 };

        public readonly int Near(int c) => c switch { 0 => _near0, 1 => _near1, 2 => _near2, _ => _near3 };
    }
}

using System.Buffers.Binary;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Assets;

/// <summary>
/// One client's daily snapshots for one month, packed into one row: a bit per day present and the values
/// in day order. A month-end close for a million clients reads and writes a million rows, not thirty million,
/// which is what lets the embedded store keep up with a columnar engine (see docs/decisions/0002).
/// </summary>
public sealed class AssetMonth
{
    private AssetMonth()
    {
    }

    public AssetMonth(long clientId, int month, int dayMask, byte[] values, DateTimeOffset updatedAt)
    {
        ClientId = clientId;
        Month = month;
        DayMask = dayMask;
        Values = values;
        UpdatedAt = updatedAt;
    }

    public long ClientId { get; private set; }

    /// <summary>yyyyMM, e.g. 202401.</summary>
    public int Month { get; private set; }

    /// <summary>Bit d-1 is set when day d has a snapshot.</summary>
    public int DayMask { get; private set; }

    /// <summary><see cref="DailyAssetSeries"/> encoding.</summary>
    public byte[] Values { get; private set; } = [];

    public DateTimeOffset UpdatedAt { get; private set; }
}

internal sealed class AssetMonthConfiguration : IEntityTypeConfiguration<AssetMonth>
{
    public void Configure(EntityTypeBuilder<AssetMonth> b)
    {
        b.ToTable("AssetMonths");
        b.HasKey(x => new { x.Month, x.ClientId });
        b.HasIndex(x => new { x.ClientId, x.Month });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Daily snapshots of one client in one month. Encoding: byte 0 = layout (1 = totals, 5 = totals and four
/// components), then for each present day in order: total, and with layout 5 cash, securities, products,
/// margin net (int64 little-endian fen; long.MinValue = component absent).
/// </summary>
public sealed class DailyAssetSeries
{
    private const byte TotalsOnly = 1;
    private const byte WithComponents = 5;
    private const long Absent = long.MinValue;
    private readonly long[] _totals = new long[31];
    private long[]? _components;

    public int DayMask { get; private set; }

    public bool IsEmpty => DayMask == 0;

    public int Count => BitOperations.PopCount((uint)DayMask);

    public void Set(int day, AssetSnapshot snapshot)
    {
        if (day is < 1 or > 31) throw new ArgumentOutOfRangeException(nameof(day));
        var i = day - 1;
        DayMask |= 1 << i;
        _totals[i] = snapshot.TotalFen;
        if (snapshot.HasComponents || _components is not null)
        {
            _components ??= NewComponents();
            _components[i * 4] = snapshot.CashFen ?? Absent;
            _components[(i * 4) + 1] = snapshot.SecuritiesFen ?? Absent;
            _components[(i * 4) + 2] = snapshot.ProductsFen ?? Absent;
            _components[(i * 4) + 3] = snapshot.MarginNetFen ?? Absent;
        }
    }

    public bool Has(int day) => (DayMask & (1 << (day - 1))) != 0;

    public AssetSnapshot Get(int day)
    {
        if (!Has(day)) throw new ArgumentOutOfRangeException(nameof(day), $"no snapshot on day {day}");
        var i = day - 1;
        if (_components is null) return new AssetSnapshot(_totals[i]);
        return new AssetSnapshot(_totals[i], N(_components[i * 4]), N(_components[(i * 4) + 1]), N(_components[(i * 4) + 2]), N(_components[(i * 4) + 3]));
    }

    /// <summary>Copies every present day of <paramref name="newer"/> over this series (later values win).</summary>
    public void MergeFrom(DailyAssetSeries newer)
    {
        for (var d = 1; d <= 31; d++)
        {
            if (newer.Has(d)) Set(d, newer.Get(d));
        }
    }

    /// <summary>Copies the days this series lacks from <paramref name="older"/> (this series' values win).</summary>
    public void FillMissingFrom(DailyAssetSeries older)
    {
        for (var d = 1; d <= 31; d++)
        {
            if (older.Has(d) && !Has(d)) Set(d, older.Get(d));
        }
    }

    public byte[] Encode()
    {
        var count = Count;
        var stride = _components is null ? 1 : 5;
        var bytes = new byte[1 + (count * stride * 8)];
        bytes[0] = _components is null ? TotalsOnly : WithComponents;
        var pos = 1;
        for (var i = 0; i < 31; i++)
        {
            if ((DayMask & (1 << i)) == 0) continue;
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(pos), _totals[i]);
            pos += 8;
            if (_components is null) continue;
            for (var k = 0; k < 4; k++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(pos), _components[(i * 4) + k]);
                pos += 8;
            }
        }
        return bytes;
    }

    /// <summary>
    /// The encoding of a totals-only series without building one: <paramref name="totals"/> is indexed by day-1 and
    /// only days in <paramref name="dayMask"/> are read. Same bytes as <see cref="Encode"/>.
    /// </summary>
    public static byte[] EncodeTotals(int dayMask, ReadOnlySpan<long> totals)
    {
        var bytes = new byte[1 + (BitOperations.PopCount((uint)dayMask) * 8)];
        EncodeTotals(dayMask, totals, bytes);
        return bytes;
    }

    /// <summary>Writes the totals-only encoding into <paramref name="destination"/>; returns its length.</summary>
    public static int EncodeTotals(int dayMask, ReadOnlySpan<long> totals, Span<byte> destination)
    {
        destination[0] = TotalsOnly;
        var pos = 1;
        for (var i = 0; i < 31; i++)
        {
            if ((dayMask & (1 << i)) == 0) continue;
            BinaryPrimitives.WriteInt64LittleEndian(destination[pos..], totals[i]);
            pos += 8;
        }
        return pos;
    }

    public static DailyAssetSeries Decode(int dayMask, ReadOnlySpan<byte> bytes)
    {
        var series = new DailyAssetSeries { DayMask = dayMask };
        if (dayMask == 0) return series;
        var stride = ReadStride(dayMask, bytes);
        if (stride == 5) series._components = NewComponents();
        var pos = 1;
        for (var i = 0; i < 31; i++)
        {
            if ((dayMask & (1 << i)) == 0) continue;
            series._totals[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[pos..]);
            pos += 8;
            if (stride == 1) continue;
            for (var k = 0; k < 4; k++)
            {
                series._components![(i * 4) + k] = BinaryPrimitives.ReadInt64LittleEndian(bytes[pos..]);
                pos += 8;
            }
        }
        return series;
    }

    /// <summary>Fast path for month close: writes the totals of present days into <paramref name="totals"/> (index day-1).</summary>
    public static void DecodeTotals(int dayMask, ReadOnlySpan<byte> bytes, Span<long> totals)
    {
        if (dayMask == 0) return;
        var stride = ReadStride(dayMask, bytes) * 8;
        var pos = 1;
        for (var i = 0; i < 31; i++)
        {
            if ((dayMask & (1 << i)) == 0) continue;
            totals[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[pos..]);
            pos += stride;
        }
    }

    /// <summary>Total of the last present day, or null for an empty series.</summary>
    public static long? LastTotal(int dayMask, ReadOnlySpan<byte> bytes)
    {
        if (dayMask == 0) return null;
        var stride = ReadStride(dayMask, bytes) * 8;
        var count = BitOperations.PopCount((uint)dayMask);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes[(1 + ((count - 1) * stride))..]);
    }

    private static int ReadStride(int dayMask, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) throw new InvalidDataException("asset series is empty but its day mask is not");
        var stride = bytes[0] switch
        {
            TotalsOnly => 1,
            WithComponents => 5,
            _ => throw new InvalidDataException($"asset series has unknown layout {bytes[0]}"),
        };
        if (bytes.Length != 1 + (BitOperations.PopCount((uint)dayMask) * stride * 8))
        {
            throw new InvalidDataException("asset series length does not match its day mask");
        }
        return stride;
    }

    private static long[] NewComponents()
    {
        var c = new long[31 * 4];
        Array.Fill(c, Absent);
        return c;
    }

    private static long? N(long v) => v == Absent ? null : v;
}

using System.Buffers.Binary;

namespace CoServe.Features.Assets;

/// <summary>
/// Holds parsed feed rows between validation and writing, partitioned by client so that each partition can be
/// aggregated on its own. Partitions live in memory until a budget is reached, then spill to temporary files:
/// a five-million-client feed stays within a bounded heap. Order within a partition is file order, so the
/// last occurrence of a (client, date) pair still wins.
/// </summary>
internal sealed class SnapshotSpool : IDisposable
{
    public const int Partitions = 16;
    private const int MaxRecordSize = 4 + 4 + 1 + (5 * 8);
    private readonly Stream[] _parts = new Stream[Partitions];
    private readonly long _memoryBudget;
    private readonly string _spillDirectory;
    private readonly byte[] _scratch = new byte[MaxRecordSize];
    private bool _spilled;

    public SnapshotSpool(long memoryBudgetBytes, string spillDirectory)
    {
        _memoryBudget = memoryBudgetBytes;
        _spillDirectory = spillDirectory;
        for (var i = 0; i < Partitions; i++) _parts[i] = new MemoryStream();
    }

    public long Records { get; private set; }
    public bool Spilled => _spilled;

    public void Add(int clientIndex, DateOnly date, in AssetSnapshot s)
    {
        var b = _scratch.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(b, clientIndex);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], date.DayNumber);
        byte flags = 0;
        var pos = 9;
        BinaryPrimitives.WriteInt64LittleEndian(b[pos..], s.TotalFen);
        pos += 8;
        Put(ref flags, 1, s.CashFen, b, ref pos);
        Put(ref flags, 2, s.SecuritiesFen, b, ref pos);
        Put(ref flags, 4, s.ProductsFen, b, ref pos);
        Put(ref flags, 8, s.MarginNetFen, b, ref pos);
        b[8] = flags;
        _parts[clientIndex % Partitions].Write(b[..pos]);
        Records++;
        if (!_spilled && Records % 4096 == 0 && _parts.Sum(p => p.Length) > _memoryBudget) Spill();
    }

    private static void Put(ref byte flags, byte bit, long? value, Span<byte> b, ref int pos)
    {
        if (value is not { } v) return;
        flags |= bit;
        BinaryPrimitives.WriteInt64LittleEndian(b[pos..], v);
        pos += 8;
    }

    private void Spill()
    {
        Directory.CreateDirectory(_spillDirectory);
        for (var i = 0; i < Partitions; i++)
        {
            var file = new FileStream(Path.Combine(_spillDirectory, $"asset-spool-{Guid.NewGuid():N}.bin"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            var memory = (MemoryStream)_parts[i];
            memory.Position = 0;
            memory.CopyTo(file);
            memory.Dispose();
            _parts[i] = file;
        }
        _spilled = true;
    }

    /// <summary>Reads back one partition in file order.</summary>
    public IEnumerable<(int ClientIndex, DateOnly Date, AssetSnapshot Snapshot)> Read(int partition)
    {
        var stream = _parts[partition];
        stream.Flush();
        stream.Position = 0;
        using var buffered = new BufferedStream(stream, 1 << 16);
        var header = new byte[9];
        var values = new byte[40];
        while (true)
        {
            var n = buffered.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (n == 0) yield break;
            if (n < header.Length) throw new InvalidDataException("asset spool is truncated");
            var client = BinaryPrimitives.ReadInt32LittleEndian(header);
            var day = DateOnly.FromDayNumber(BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4)));
            var flags = header[8];
            var count = 1 + System.Numerics.BitOperations.PopCount(flags);
            buffered.ReadExactly(values, 0, count * 8);
            var pos = 8;
            var total = BinaryPrimitives.ReadInt64LittleEndian(values);
            long? Next(byte bit)
            {
                if ((flags & bit) == 0) return null;
                var v = BinaryPrimitives.ReadInt64LittleEndian(values.AsSpan(pos));
                pos += 8;
                return v;
            }
            var cash = Next(1);
            var securities = Next(2);
            var products = Next(4);
            var margin = Next(8);
            yield return (client, day, new AssetSnapshot(total, cash, securities, products, margin));
        }
    }

    public void Dispose()
    {
        foreach (var p in _parts) p.Dispose();
    }
}

using System.Buffers.Binary;
using System.Numerics;

namespace CoServe.Features.Assets;

/// <summary>
/// Holds parsed feed rows between validation and writing, partitioned by ranges of client index so that each
/// partition can be aggregated on its own into dense per-day arrays of bounded size. Partitions live in memory
/// (in fixed 1 MiB blocks: growing never copies) until a budget is reached, then spill to temporary files: a
/// five-million-client feed stays within a bounded heap. Order within a partition is file order, so the last
/// occurrence of a (client, date) pair still wins.
/// </summary>
internal sealed class SnapshotSpool : IDisposable
{
    /// <summary>Clients per partition: 65,536 clients x 31 days x 8 bytes = a 16 MiB array per month while aggregating.</summary>
    public const int PartitionShift = 16;
    public const int ClientsPerPartition = 1 << PartitionShift;
    public const int TotalOnlyRecordSize = 4 + 4 + 1 + 8;
    private const int MaxRecordSize = TotalOnlyRecordSize + (4 * 8);
    private const int BlockSize = 1 << 20;
    private readonly List<Part> _parts = [];
    private readonly long _memoryBudget;
    private readonly string _spillDirectory;
    private long _bytes;
    private bool _spilled;

    public SnapshotSpool(long memoryBudgetBytes, string spillDirectory)
    {
        _memoryBudget = memoryBudgetBytes;
        _spillDirectory = spillDirectory;
    }

    public long Records { get; private set; }
    public bool Spilled => _spilled;
    public int PartitionCount => _parts.Count;

    public void Add(int clientIndex, int dayNumber, in AssetSnapshot s)
    {
        var p = clientIndex >> PartitionShift;
        while (_parts.Count <= p) _parts.Add(new Part());
        var part = _parts[p];
        var b = part.Reserve(MaxRecordSize, this);
        BinaryPrimitives.WriteInt32LittleEndian(b, clientIndex);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], dayNumber);
        byte flags = 0;
        var pos = 9;
        BinaryPrimitives.WriteInt64LittleEndian(b[pos..], s.TotalFen);
        pos += 8;
        if (s.HasComponents)
        {
            Put(ref flags, 1, s.CashFen, b, ref pos);
            Put(ref flags, 2, s.SecuritiesFen, b, ref pos);
            Put(ref flags, 4, s.ProductsFen, b, ref pos);
            Put(ref flags, 8, s.MarginNetFen, b, ref pos);
        }
        b[8] = flags;
        part.Used += pos;
        _bytes += pos;
        Records++;
        if (!_spilled && _bytes > _memoryBudget) Spill();
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
        _spilled = true;
        Directory.CreateDirectory(_spillDirectory);
        foreach (var part in _parts) part.Spill(_spillDirectory);
    }

    /// <summary>
    /// The records of one partition in file order, as a list of buffers that each hold whole records (decode
    /// with <see cref="Next"/>).
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ReadPartition(int partition) => _parts[partition].Read();

    /// <summary>Releases a partition's memory once it has been aggregated.</summary>
    public void Release(int partition) => _parts[partition].Dispose();

    /// <summary>Decodes the record at <paramref name="pos"/> and advances past it.</summary>
    public static void Next(ReadOnlySpan<byte> data, ref int pos, out int clientIndex, out int dayNumber, out AssetSnapshot snapshot)
    {
        var r = data[pos..];
        clientIndex = BinaryPrimitives.ReadInt32LittleEndian(r);
        dayNumber = BinaryPrimitives.ReadInt32LittleEndian(r[4..]);
        var flags = r[8];
        var total = BinaryPrimitives.ReadInt64LittleEndian(r[9..]);
        if (flags == 0)
        {
            snapshot = new AssetSnapshot(total);
            pos += TotalOnlyRecordSize;
            return;
        }
        var at = TotalOnlyRecordSize;
        var cash = Component(flags, 1, r, ref at);
        var securities = Component(flags, 2, r, ref at);
        var products = Component(flags, 4, r, ref at);
        var margin = Component(flags, 8, r, ref at);
        snapshot = new AssetSnapshot(total, cash, securities, products, margin);
        pos += TotalOnlyRecordSize + (8 * BitOperations.PopCount(flags));
    }

    private static long? Component(byte flags, byte bit, ReadOnlySpan<byte> record, ref int at)
    {
        if ((flags & bit) == 0) return null;
        var v = BinaryPrimitives.ReadInt64LittleEndian(record[at..]);
        at += 8;
        return v;
    }

    public void Dispose()
    {
        foreach (var p in _parts) p.Dispose();
    }

    /// <summary>One partition: full blocks (in memory, or appended to a spill file) and the block being filled.</summary>
    private sealed class Part : IDisposable
    {
        private readonly List<(byte[] Block, int Used)> _full = [];
        private byte[]? _current;
        private FileStream? _file;

        public int Used;

        public Span<byte> Reserve(int bytes, SnapshotSpool owner)
        {
            if (_current is null || Used + bytes > _current.Length)
            {
                if (_current is not null && _file is not null)
                {
                    _file.Write(_current, 0, Used);
                }
                else if (_current is not null)
                {
                    _full.Add((_current, Used));
                    _current = null;
                }
                _current ??= GC.AllocateUninitializedArray<byte>(BlockSize);
                Used = 0;
                if (owner._spilled && _file is null) Spill(owner._spillDirectory);
            }
            return _current.AsSpan(Used, bytes);
        }

        public void Spill(string directory)
        {
            if (_file is not null) return;
            _file = new FileStream(Path.Combine(directory, $"asset-spool-{Guid.NewGuid():N}.bin"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            foreach (var (block, used) in _full) _file.Write(block, 0, used);
            _full.Clear();
        }

        public List<ReadOnlyMemory<byte>> Read()
        {
            var buffers = new List<ReadOnlyMemory<byte>>();
            if (_file is not null)
            {
                _file.Flush();
                var bytes = GC.AllocateUninitializedArray<byte>((int)_file.Length);
                _file.Position = 0;
                _file.ReadExactly(bytes);
                buffers.Add(bytes);
            }
            foreach (var (block, used) in _full) buffers.Add(block.AsMemory(0, used));
            if (_current is not null) buffers.Add(_current.AsMemory(0, Used));
            return buffers;
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
            _full.Clear();
            _current = null;
            Used = 0;
        }
    }
}

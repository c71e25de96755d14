using System.Buffers;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The unit the consume loop hands to the batcher: consecutive messages' keys and values copied into one pooled
/// arena, with their partitions and offsets. One channel operation moves many messages, and no message costs an
/// allocation of its own. A block can instead carry a <see cref="FlushRequest"/> (a barrier: flush and commit
/// everything before it).
/// </summary>
internal sealed class RawBlock
{
    private byte[] _arena;
    private RawEntry[] _entries;

    public RawBlock(int arenaBytes, int maxEntries)
    {
        _arena = ArrayPool<byte>.Shared.Rent(arenaBytes);
        _entries = new RawEntry[maxEntries];
    }

    public int Count { get; private set; }

    public int BytesUsed { get; private set; }

    /// <summary>When the first message was consumed (<see cref="TimeProvider.GetTimestamp"/>): a batch's age starts there.</summary>
    public long FirstTimestamp { get; private set; }

    /// <summary>The partition ownership the messages were consumed under (<see cref="PartitionOwnership"/>).</summary>
    public OwnershipSnapshot Ownership { get; set; } = OwnershipSnapshot.Empty;

    /// <summary>Set on a control block: a barrier, no messages.</summary>
    public FlushRequest? Flush { get; set; }

    public ref readonly RawEntry Entry(int index) => ref _entries[index];

    /// <summary>Whether the next message should go to a new block (entries or arena nearly full).</summary>
    public bool IsFull(int arenaReserve) => Count == _entries.Length || _arena.Length - BytesUsed < arenaReserve;

    public ReadOnlyMemory<byte> Bytes(RawRef r) => r.IsNull ? ReadOnlyMemory<byte>.Empty : _arena.AsMemory(r.Start, r.Length);

    /// <summary>Copies a key or value into the arena (called by the Kafka deserializer on the consume thread).</summary>
    public RawRef Append(ReadOnlySpan<byte> data)
    {
        if (_arena.Length - BytesUsed < data.Length)
        {
            // A message bigger than the space left: grow (rare; blocks are handed off before they fill up).
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_arena.Length * 2, BytesUsed + data.Length));
            _arena.AsSpan(0, BytesUsed).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_arena);
            _arena = bigger;
        }

        data.CopyTo(_arena.AsSpan(BytesUsed));
        var r = new RawRef(BytesUsed, data.Length);
        BytesUsed += data.Length;
        return r;
    }

    public void Add(int partition, long offset, RawRef key, RawRef value, long timestamp)
    {
        if (Count == 0)
        {
            FirstTimestamp = timestamp;
        }

        if (Count == _entries.Length)
        {
            // Only while the loop waits on a full channel can more messages than planned arrive.
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[Count++] = new RawEntry { Partition = partition, Offset = offset, Key = key, Value = value };
    }

    public void Reset()
    {
        Count = 0;
        BytesUsed = 0;
        FirstTimestamp = 0;
        Flush = null;
        Ownership = OwnershipSnapshot.Empty;
    }

    public void Release()
    {
        ArrayPool<byte>.Shared.Return(_arena);
        _arena = [];
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>A key or value copied into a <see cref="RawBlock"/>'s arena: where it lies, or <see cref="Null"/>.</summary>
internal readonly record struct RawRef(int Start, int Length)
{
    public static readonly RawRef Null = new(0, -1);

    public bool IsNull => Length < 0;
}

/// <summary>One consumed message inside a <see cref="RawBlock"/>.</summary>
internal struct RawEntry
{
    public int Partition;
    public long Offset;
    public RawRef Key;
    public RawRef Value;
}

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

    public ReadOnlySpan<RawEntry> Entries => _entries.AsSpan(0, Count);

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

/// <summary>Recycles <see cref="RawBlock"/>s between the consume loop and the batcher.</summary>
internal sealed class RawBlockPool(int arenaBytes, int maxEntries, int maxPooled)
{
    private readonly ConcurrentQueue<RawBlock> _free = new();

    public int ArenaBytes { get; } = arenaBytes;

    public RawBlock Rent() => _free.TryDequeue(out var block) ? block : new RawBlock(ArenaBytes, maxEntries);

    public void Return(RawBlock block)
    {
        block.Reset();
        if (_free.Count < maxPooled)
        {
            _free.Enqueue(block);
        }
        else
        {
            block.Release();
        }
    }
}

/// <summary>
/// Kafka key and value deserializer that copies the bytes librdkafka hands over (a span over its own buffer)
/// straight into the current <see cref="RawBlock"/>: no <c>byte[]</c> per message. Used on the consume thread only.
/// </summary>
internal sealed class RawBlockDeserializer : IDeserializer<RawRef>
{
    public RawBlock? Target { get; set; }

    public RawRef Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? RawRef.Null : (Target ?? throw new InvalidOperationException("No target block: consume only from the consume loop.")).Append(data);
}

/// <summary>A barrier through the pipeline: completes once every message consumed before it is inserted and committed.</summary>
internal sealed class FlushRequest(string reason)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Reason { get; } = reason;

    public Task Completion => _done.Task;

    public void Complete() => _done.TrySetResult();

    public void Abandon() => _done.TrySetCanceled();
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using PolyglotAspire.SyncWorker.ClickHouse;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// One flush: the <c>orders</c> rows as RowBinary, the partitions' offset ranges and watermarks, the dead letters
/// whose delivery must be acknowledged before committing, the trace links, and any barriers to complete once it
/// is committed. Pooled: its buffers are reused from batch to batch.
/// </summary>
internal sealed class OrderBatch : IDisposable
{
    public const int NoSlice = -1;

    private static long s_ids;

    private PartitionSlice[] _slices = new PartitionSlice[8];
    private int[] _sliceIndex = new int[16];
    private int _sliceCount;

    public OrderBatch(int chunkSize, int maxLinks)
    {
        Rows = new RowBinaryBuffer(chunkSize);
        Links = new ActivityContext[maxLinks];
        Array.Fill(_sliceIndex, NoSlice);
        Id = Interlocked.Increment(ref s_ids);
    }

    /// <summary>Changes on every reuse, so a cached age timer knows which batch it was for.</summary>
    public long Id { get; private set; }

    public RowBinaryBuffer Rows { get; }

    public int RowCount { get; set; }

    public int HeartbeatCount { get; set; }

    /// <summary>The most partitions a heartbeat in the batch said its round went to (0: none said): each needs a watermark.</summary>
    public int PartitionCount { get; set; }

    /// <summary>Every message the batch consumed: rows, heartbeats and dead letters.</summary>
    public int MessageCount { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of its first message's consumption (0 while empty).</summary>
    public long FirstTimestamp { get; set; }

    public FlushTrigger Trigger { get; set; }

    public List<DeadLetter> DeadLetters { get; } = [];

    /// <summary>Bytes the dead letters hold (keys and values): they count toward the byte limit like rows do.</summary>
    public long DeadLetterBytes { get; set; }

    public List<FlushRequest> Barriers { get; } = [];

    /// <summary>Trace contexts of some of its events (up to the array's length): the batch span links to them.</summary>
    public ActivityContext[] Links { get; }

    public int LinkCount { get; set; }

    public bool IsEmpty => MessageCount == 0;

    public ReadOnlySpan<PartitionSlice> Slices => _slices.AsSpan(0, _sliceCount);

    public int SliceCount => _sliceCount;

    public PartitionSlice SliceAt(int index) => _slices[index];

    /// <summary>The slice of <paramref name="partition"/>, created on its first message.</summary>
    public ref PartitionSlice Slice(int partition, long offset, int epoch)
    {
        if ((uint)partition >= (uint)_sliceIndex.Length)
        {
            var old = _sliceIndex.Length;
            Array.Resize(ref _sliceIndex, Math.Max(partition + 1, old * 2));
            Array.Fill(_sliceIndex, NoSlice, old, _sliceIndex.Length - old);
        }

        var index = _sliceIndex[partition];
        if (index == NoSlice || _slices[index].Epoch != epoch)
        {
            if (index != NoSlice)
            {
                // Re-assigned between two messages of one batch (an abandoned revocation, then the same partition
                // back): keep only the newer epoch's range, whose consumption restarted from the committed offset.
                _slices[index] = NewSlice(partition, offset, epoch);
                return ref _slices[index];
            }

            if (_sliceCount == _slices.Length)
            {
                Array.Resize(ref _slices, _sliceCount * 2);
            }

            index = _sliceCount++;
            _sliceIndex[partition] = index;
            _slices[index] = NewSlice(partition, offset, epoch);
        }

        return ref _slices[index];
    }

    private static PartitionSlice NewSlice(int partition, long offset, int epoch) => new()
    {
        Partition = partition,
        FirstOffset = offset,
        LastOffset = offset - 1,
        Epoch = epoch,
        AsOfMs = long.MinValue,
    };

    /// <summary>
    /// The insert deduplication token: the offset ranges it covers plus a hash of its rows. A retry of this batch
    /// sends the same bytes with the same token, so ClickHouse keeps the first copy of every block; a different
    /// batch never shares a token even if a topic were recreated and its offsets reused.
    /// </summary>
    public string DeduplicationToken(string topic)
    {
        var token = new StringBuilder(topic.Length + 24 * _sliceCount + 20);
        token.Append(topic);
        var slices = _slices.AsSpan(0, _sliceCount).ToArray();
        Array.Sort(slices, (a, b) => a.Partition.CompareTo(b.Partition));
        foreach (var s in slices)
        {
            token.Append(CultureInfo.InvariantCulture, $":{s.Partition}@{s.FirstOffset}-{s.LastOffset}");
        }

        token.Append(CultureInfo.InvariantCulture, $"#{Rows.ContentHash():x16}");
        return token.ToString();
    }

    public void Reset()
    {
        Rows.Reset();
        RowCount = 0;
        HeartbeatCount = 0;
        PartitionCount = 0;
        MessageCount = 0;
        FirstTimestamp = 0;
        Trigger = default;
        DeadLetters.Clear();
        DeadLetterBytes = 0;
        Barriers.Clear();
        Array.Clear(Links, 0, LinkCount);
        LinkCount = 0;
        for (var i = 0; i < _sliceCount; i++)
        {
            _sliceIndex[_slices[i].Partition] = NoSlice;
        }

        _sliceCount = 0;
        Id = Interlocked.Increment(ref s_ids);
    }

    public void Dispose() => Rows.Dispose();
}

using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The <c>sync_state</c> bookkeeping on its own: max-merged watermarks that never go backwards, a re-read of
/// <c>sync_state</c> at each new ownership epoch (and only then), zero rows for owned partitions never written, and
/// nothing for partitions given up since their batch was consumed.
/// </summary>
public sealed class WatermarkBookTests : IDisposable
{
    private const string Topic = "watermarks.topic";

    private readonly FakeSink _sink = new();
    private readonly PartitionOwnership _ownership = new();
    private readonly OrderBatchPool _pool = new(64 << 10, 4);
    private readonly WatermarkBook _book;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public WatermarkBookTests()
    {
        var metrics = Doubles.Metrics();
        _book = new WatermarkBook(_sink, _ownership, Doubles.FastRetry(metrics), Topic, TimeProvider.System, metrics);
    }

    /// <summary>A batch that consumed offsets <c>First..Last</c> of each partition and proved <c>Lsn</c>/<c>AsOf</c> on it.</summary>
    private OrderBatch Batch(params (int Partition, long First, long Last, ulong Lsn, long AsOf)[] slices)
    {
        var batch = _pool.Rent();
        foreach (var s in slices)
        {
            ref var slice = ref batch.Slice(s.Partition, s.First, _ownership.Current.EpochOf(s.Partition));
            slice.LastOffset = s.Last;
            slice.ObserveHeartbeat(s.Lsn, s.AsOf);
        }

        return batch;
    }

    private async Task<SyncStateRow[]> WriteAsync(OrderBatch batch)
    {
        var before = _sink.StateRows.Count;
        await _book.WriteAsync(batch, _ct);
        _pool.Return(batch);
        return [.. _sink.StateRows.Skip(before).OrderBy(r => r.Partition)];
    }

    private static (int Partition, long NextOffset, ulong Lsn, long AsOfMs)[] Marks(IEnumerable<SyncStateRow> rows) =>
        [.. rows.Select(r => (r.Partition, r.NextOffset, r.Lsn, r.AsOfMs))];

    private int Reads => _sink.Calls.Count(c => c == "read sync_state");

    [Fact]
    public async Task Each_partition_gets_its_next_offset_and_what_its_batch_proved()
    {
        _ownership.Assign([0, 1]);
        var rows = await WriteAsync(Batch((0, 0, 9, 100, 1_000), (1, 5, 7, 200, 2_000)));

        Assert.Equal([(0, 10L, 100UL, 1_000L), (1, 8L, 200UL, 2_000L)], Marks(rows));
        Assert.All(rows, r => Assert.Equal(Topic, r.Topic));
        Assert.Equal(["read sync_state", "sync_state p0=10,p1=8"], _sink.Calls);
    }

    [Fact]
    public async Task A_watermark_never_goes_backwards_behind_what_was_written_or_stored()
    {
        _sink.Stored[0] = new StoredWatermark(500, 10_000, 1_795_600_000_000);
        _ownership.Assign([0]);

        // Re-read after a crash before the commit: older events prove less than what is stored; the offset is the batch's.
        Assert.Equal([(0, 451L, 10_000UL, 1_795_600_000_000L)], Marks(await WriteAsync(Batch((0, 400, 450, 9_000, 1_795_599_000_000)))));

        // Then newer ones move it on ...
        Assert.Equal([(0, 461L, 12_000UL, 1_795_600_000_100L)], Marks(await WriteAsync(Batch((0, 451, 460, 12_000, 1_795_600_000_100)))));

        // ... and a batch that proves less than the book's own last row does not move it back either.
        Assert.Equal([(0, 471L, 12_000UL, 1_795_600_000_100L)], Marks(await WriteAsync(Batch((0, 461, 470, 11_000, 1_795_600_000_050)))));

        // A re-read (new epoch) that finds less than the book wrote (an older row) does not move it back.
        _ownership.Revoke([0]);
        _ownership.Assign([0]);
        Assert.Equal([(0, 481L, 12_000UL, 1_795_600_000_100L)], Marks(await WriteAsync(Batch((0, 471, 480, 11_500, 1_795_600_000_060)))));
    }

    [Fact]
    public async Task A_batch_that_proved_nothing_writes_zero_not_a_negative_time()
    {
        _ownership.Assign([0]);
        var batch = _pool.Rent();
        batch.Slice(0, 0, _ownership.Current.EpochOf(0)).LastOffset = 4; // dead letters only: no LSN, no time

        Assert.Equal([(0, 5L, 0UL, 0L)], Marks(await WriteAsync(batch)));
    }

    [Fact]
    public async Task Sync_state_is_read_once_per_ownership_epoch_and_merged_with_what_another_worker_wrote()
    {
        _ownership.Assign([0]);
        await WriteAsync(Batch((0, 0, 9, 100, 1_000)));
        _sink.Stored[0] = new StoredWatermark(50, 900, 9_000); // another member wrote it meanwhile ...

        Assert.Equal([(0, 20L, 150UL, 1_500L)], Marks(await WriteAsync(Batch((0, 10, 19, 150, 1_500)))));
        Assert.Equal(1, Reads); // ... unseen while the epoch lasts: the partition was ours all along

        _ownership.Revoke([0]);
        _ownership.Assign([0]); // a new epoch: it may have moved while another member owned it
        Assert.Equal([(0, 30L, 900UL, 9_000L)], Marks(await WriteAsync(Batch((0, 20, 29, 160, 1_600)))));
        Assert.Equal(2, Reads);
    }

    [Fact]
    public async Task Owned_partitions_never_written_get_one_zero_row_and_stored_or_touched_ones_none()
    {
        _ownership.Assign([0, 1, 2]);
        _sink.Stored[2] = new StoredWatermark(40, 900, 9_000);

        // 0: touched, its real row; 1: owned, never written, a zero row; 2: stored already, nothing.
        Assert.Equal([(0, 10L, 100UL, 1_000L), (1, -1L, 0UL, 0L)], Marks(await WriteAsync(Batch((0, 0, 9, 100, 1_000)))));

        // Known from now on: no zero row again.
        Assert.Equal([(0, 20L, 200UL, 2_000L)], Marks(await WriteAsync(Batch((0, 10, 19, 200, 2_000)))));

        // Partitions assigned later: the re-read their new epoch causes gives the untouched one its zero row, 1 none again.
        _ownership.Assign([3, 4]);
        Assert.Equal([(3, 6L, 300UL, 3_000L), (4, -1L, 0UL, 0L)], Marks(await WriteAsync(Batch((3, 0, 5, 300, 3_000)))));
    }

    [Fact]
    public async Task Every_partition_a_heartbeat_round_went_to_gets_a_zero_row_in_the_same_insert_even_unowned()
    {
        // This worker owns 0 and 1; the relay's heartbeat says the topic has 4 (2 owned by a worker that has not
        // written yet, 3 just added and assigned to nobody): without rows for them, readers would take the minimum
        // over 0 and 1 only and overstate freshness.
        _ownership.Assign([0, 1]);
        _sink.Stored[2] = new StoredWatermark(40, 900, 9_000);
        var batch = Batch((0, 0, 9, 100, 1_000), (1, 0, 9, 100, 1_000));
        batch.PartitionCount = 4;
        var rows = await WriteAsync(batch);

        Assert.Equal([(0, 10L, 100UL, 1_000L), (1, 10L, 100UL, 1_000L), (3, -1L, 0UL, 0L)], Marks(rows));
        Assert.Single(_sink.Calls, c => c.StartsWith("sync_state", StringComparison.Ordinal)); // one insert: never the advance without the zero row

        // Known from now on: no re-read, no zero row again.
        var next = Batch((0, 10, 19, 200, 2_000));
        next.PartitionCount = 4;
        var reads = Reads;
        Assert.Equal([(0, 20L, 200UL, 2_000L)], Marks(await WriteAsync(next)));
        Assert.Equal(reads, Reads);

        // Partitions added to the topic: the relay's rounds reach them long before a rebalance gives them to anyone.
        var grown = Batch((0, 20, 29, 300, 3_000));
        grown.PartitionCount = 6;
        Assert.Equal([(0, 30L, 300UL, 3_000L), (4, -1L, 0UL, 0L), (5, -1L, 0UL, 0L)], Marks(await WriteAsync(grown)));
    }

    [Fact]
    public async Task Watermarks_of_one_source_are_max_merged_and_another_source_replaces_them()
    {
        const ulong Old = 7_000_000_000_000_000_001, New = 7_000_000_000_000_000_002;
        _sink.Stored[0] = new StoredWatermark(500, 90_000_000, 1_795_600_000_000, Old, 1);
        _ownership.Assign([0]);

        // Same source, older events: never backwards.
        var same = _pool.Rent();
        ref var slice = ref same.Slice(0, 500, _ownership.Current.EpochOf(0));
        slice.LastOffset = 509;
        slice.ObserveHeartbeat(80_000_000, 1_795_599_000_000, Old, 1);
        var row = Assert.Single(await WriteAsync(same));
        Assert.Equal((90_000_000UL, Old, 1U), (row.Lsn, row.SourceSystemId, row.SourceTimeline));

        // Another database (wiped, restored, a promoted standby): its LSNs do not compare with the old ones, so its
        // lower watermark replaces the old one instead of staying behind it for ever.
        var other = _pool.Rent();
        slice = ref other.Slice(0, 510, _ownership.Current.EpochOf(0));
        slice.LastOffset = 519;
        slice.ObserveHeartbeat(30_000, 1_795_601_000_000, New, 1);
        row = Assert.Single(await WriteAsync(other));
        Assert.Equal((520L, 30_000UL, 1_795_601_000_000L, New), (row.NextOffset, row.Lsn, row.AsOfMs, row.SourceSystemId));
    }

    [Fact]
    public async Task A_partition_no_longer_owned_in_its_batchs_epoch_is_neither_written_nor_read()
    {
        _ownership.Assign([0, 1]);
        var batch = Batch((0, 0, 9, 100, 1_000), (1, 0, 9, 100, 1_000));
        _ownership.Revoke([1]);
        Assert.Equal([(0, 10L, 100UL, 1_000L)], Marks(await WriteAsync(batch)));

        var stale = Batch((0, 10, 19, 200, 2_000));
        _ownership.Revoke([0]);
        _ownership.Assign([0]); // 0 again, in a new epoch: the batch consumed in the old one is stale
        _sink.Calls.Clear();
        Assert.Empty(await WriteAsync(stale));
        Assert.Empty(_sink.Calls); // no row, no read, no insert
    }

    public void Dispose() => _pool.Dispose();
}

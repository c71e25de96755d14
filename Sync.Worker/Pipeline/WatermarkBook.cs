using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The watermark bookkeeping behind <c>sync_state</c>: per partition, how far the worker has applied the stream (the
/// next offset, the LSN and the commit time every earlier change is known to be in <c>orders</c> through), written by
/// the <see cref="Committer"/> after each batch's insert.
/// <list type="bullet">
/// <item>Values are max-merged with what is known, so they never go backwards, even when a restart re-reads events
/// from an older commit.</item>
/// <item>What <c>sync_state</c> holds is re-read whenever a partition starts a new ownership epoch: another worker
/// may have moved it meanwhile.</item>
/// <item>An owned partition with no row yet gets a zero row, and so does every partition a heartbeat round went to
/// (the relay says how many): readers take the minimum over the rows they find.</item>
/// <item>Watermarks carry their source (PostgreSQL system identifier and timeline); LSNs of two sources never mix.</item>
/// <item>A partition no longer owned in the epoch the batch consumed it in is left alone.</item>
/// </list>
/// Not thread-safe: one batch at a time, in order.
/// </summary>
internal sealed class WatermarkBook(
    IClickHouseSink sink,
    PartitionOwnership ownership,
    RetryPolicy retry,
    string topic,
    TimeProvider time,
    SyncMetrics metrics)
{
    /// <summary>Watermarks written so far, per partition, and the epoch they were last re-read from ClickHouse in.</summary>
    private readonly Dictionary<int, (StoredWatermark Mark, int Epoch)> _applied = [];

    private readonly List<SyncStateRow> _rows = [];

    /// <summary>
    /// Writes the <c>sync_state</c> rows of the batch's partitions still owned in the epoch it consumed them in
    /// (retried until written, or until <paramref name="abandon"/>), plus the zero rows of a re-read; nothing when there
    /// is no such row. Called once the batch's rows are in <c>orders</c>, before its offsets are committed.
    /// </summary>
    public async Task WriteAsync(OrderBatch batch, CancellationToken abandon)
    {
        _rows.Clear();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (AnyUnknownBelow(batch.PartitionCount))
        {
            // A heartbeat round went to a partition this worker has never seen a row of (added to the topic, or owned
            // by a worker that has not written yet): it gets its zero row in this very insert, before any watermark
            // this batch advances can be read without it.
            await SeedAsync(batch, now, abandon);
        }

        for (var i = 0; i < batch.SliceCount; i++)
        {
            var slice = batch.SliceAt(i);
            if (!ownership.StillOwns(slice.Partition, slice.Epoch))
            {
                continue;
            }

            if (!_applied.TryGetValue(slice.Partition, out var known) || known.Epoch != slice.Epoch)
            {
                // Newly (re)assigned: another worker may have moved its watermark since we last wrote it.
                await SeedAsync(batch, now, abandon);
                known = (_applied.GetValueOrDefault(slice.Partition).Mark, slice.Epoch);
            }

            var mark = Merge(known.Mark, slice);
            _rows.Add(new SyncStateRow(topic, slice.Partition, mark.NextOffset, mark.Lsn, mark.AsOfMs, now, mark.SourceSystemId, mark.SourceTimeline));
            _applied[slice.Partition] = (mark, slice.Epoch);
        }

        if (_rows.Count > 0)
        {
            await retry.ExecuteAsync("insert sync_state", ct => sink.InsertSyncStateAsync(_rows, ct), abandon);
            foreach (var row in _rows)
            {
                metrics.Watermark(row.Partition, row.AsOfMs);
            }
        }
    }

    /// <summary>
    /// Never backwards within one source: re-consumed events (after a crash before the commit) prove less than what is
    /// stored. LSNs of another source do not compare: the slice's source is the later one in the partition, so it
    /// replaces the stored watermark (readers trust a watermark only if its source is the database they check against).
    /// A slice that observed nothing (dead letters only) keeps what is known.
    /// </summary>
    internal static StoredWatermark Merge(StoredWatermark known, PartitionSlice slice)
    {
        if (!slice.Observed)
        {
            return known with { NextOffset = slice.NextOffset };
        }

        return known.SameSource(slice.SourceSystemId, slice.SourceTimeline)
            ? new StoredWatermark(slice.NextOffset, Math.Max(known.Lsn, slice.Lsn), Math.Max(known.AsOfMs, Math.Max(slice.AsOfMs, 0)),
                slice.SourceSystemId, slice.SourceTimeline)
            : new StoredWatermark(slice.NextOffset, slice.Lsn, Math.Max(slice.AsOfMs, 0), slice.SourceSystemId, slice.SourceTimeline);
    }

    private bool AnyUnknownBelow(int partitionCount)
    {
        for (var p = 0; p < partitionCount; p++)
        {
            if (!_applied.ContainsKey(p))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Merges what <c>sync_state</c> holds now into the known watermarks (the higher of each wins) and marks every
    /// partition owned right now as re-read in its current epoch.
    /// A partition owned but never written gets a zero row (nothing applied yet): readers take the minimum over the
    /// rows they find, so a missing row would let them overstate freshness until that partition's first event.
    /// </summary>
    private async Task SeedAsync(OrderBatch batch, long now, CancellationToken abandon)
    {
        IReadOnlyDictionary<int, StoredWatermark> stored = new Dictionary<int, StoredWatermark>();
        await retry.ExecuteAsync("read sync_state", async ct => stored = await sink.ReadSyncStateAsync(topic, ct), abandon);
        var current = ownership.Current;
        var needed = current.OwnedPartitions.Union(Enumerable.Range(0, batch.PartitionCount)).ToList();
        foreach (var partition in needed)
        {
            if (!stored.ContainsKey(partition) && !_applied.ContainsKey(partition) && !Touches(batch, partition))
            {
                _rows.Add(new SyncStateRow(topic, partition, NextOffset: -1, Lsn: 0, AsOfMs: 0, now));
            }
        }

        foreach (var (partition, mark) in stored)
        {
            // Same source: the higher wins. Another source: what is stored, written by the partition's latest owner.
            var mine = _applied.GetValueOrDefault(partition).Mark;
            _applied[partition] = (mine.SameSource(mark.SourceSystemId, mark.SourceTimeline)
                ? mark with { Lsn = Math.Max(mark.Lsn, mine.Lsn), AsOfMs = Math.Max(mark.AsOfMs, mine.AsOfMs) }
                : mark, current.EpochOf(partition));
        }

        foreach (var partition in needed)
        {
            _applied[partition] = (_applied.GetValueOrDefault(partition).Mark, current.EpochOf(partition));
        }
    }

    private static bool Touches(OrderBatch batch, int partition)
    {
        foreach (var slice in batch.Slices)
        {
            if (slice.Partition == partition)
            {
                return true;
            }
        }

        return false;
    }
}

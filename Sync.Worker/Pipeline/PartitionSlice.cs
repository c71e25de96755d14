namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// What a batch holds of one partition: the offset range it consumed (every message, whatever became of it),
/// the epoch it consumed them in, and how far the partition's watermark moved.
/// </summary>
internal struct PartitionSlice
{
    public int Partition;
    public long FirstOffset;
    public long LastOffset;
    public int Epoch;

    /// <summary>On this partition, every change with an LSN at or below this is in the batch or before it (0: unknown).</summary>
    public ulong Lsn;

    /// <summary>... and every change committed at or before this time (unix ms; long.MinValue: unknown).</summary>
    public long AsOfMs;

    /// <summary>The offset to commit once the batch is written: the next one to read.</summary>
    public readonly long NextOffset => LastOffset + 1;

    /// <summary>
    /// An event of a transaction with commit LSN X proves every change with an LSN below X is here (the relay
    /// publishes a partition in commit order), not X itself: another event of the same transaction may follow in
    /// the next batch. A heartbeat of LSN L proves L itself (contracts.md §2).
    /// </summary>
    public void ObserveEvent(ulong commitLsn, long commitTimeMs)
    {
        if (commitLsn > 0 && commitLsn - 1 > Lsn)
        {
            Lsn = commitLsn - 1;
        }

        if (commitTimeMs > 0 && commitTimeMs - 1 > AsOfMs)
        {
            AsOfMs = commitTimeMs - 1;
        }
    }

    public void ObserveHeartbeat(ulong lsn, long timeMs)
    {
        if (lsn > Lsn)
        {
            Lsn = lsn;
        }

        if (timeMs > AsOfMs)
        {
            AsOfMs = timeMs;
        }
    }
}

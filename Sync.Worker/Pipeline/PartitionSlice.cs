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

    /// <summary>The source (PostgreSQL system identifier and timeline) <see cref="Lsn"/> belongs to; 0/0: unknown.</summary>
    public ulong SourceSystemId;
    public uint SourceTimeline;

    /// <summary>The offset to commit once the batch is written: the next one to read.</summary>
    public readonly long NextOffset => LastOffset + 1;

    /// <summary>Whether any event or heartbeat moved the watermark (a slice of dead letters only proves nothing).</summary>
    public readonly bool Observed => Lsn > 0 || AsOfMs > 0;

    /// <summary>
    /// An event of a transaction with commit LSN X proves every change with an LSN below X is here (the relay
    /// publishes a partition in commit order), not X itself: another event of the same transaction may follow in
    /// the next batch. A heartbeat of LSN L proves L itself (contracts.md §2).
    /// </summary>
    public void ObserveEvent(ulong commitLsn, long commitTimeMs, ulong systemId = 0, uint timeline = 0)
    {
        From(systemId, timeline);
        if (commitLsn > 0 && commitLsn - 1 > Lsn)
        {
            Lsn = commitLsn - 1;
        }

        if (commitTimeMs > 0 && commitTimeMs - 1 > AsOfMs)
        {
            AsOfMs = commitTimeMs - 1;
        }
    }

    public void ObserveHeartbeat(ulong lsn, long timeMs, ulong systemId = 0, uint timeline = 0)
    {
        From(systemId, timeline);
        if (lsn > Lsn)
        {
            Lsn = lsn;
        }

        if (timeMs > AsOfMs)
        {
            AsOfMs = timeMs;
        }
    }

    /// <summary>
    /// LSNs of different sources do not compare: when the source changes (a new database, a failover), what the
    /// partition proves starts over from the later source's events, which follow the earlier ones in the partition.
    /// </summary>
    private void From(ulong systemId, uint timeline)
    {
        if (systemId != SourceSystemId || timeline != SourceTimeline)
        {
            SourceSystemId = systemId;
            SourceTimeline = timeline;
            Lsn = 0;
            AsOfMs = long.MinValue;
        }
    }
}

namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>One row of <c>sync_state</c>: a partition's watermark and the source (PostgreSQL system identifier, timeline) its LSN belongs to.</summary>
internal readonly record struct SyncStateRow(
    string Topic, int Partition, long NextOffset, ulong Lsn, long AsOfMs, long UpdatedAtMs, ulong SourceSystemId = 0, uint SourceTimeline = 0);

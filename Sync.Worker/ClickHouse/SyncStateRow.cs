namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>One row of <c>sync_state</c>.</summary>
internal readonly record struct SyncStateRow(string Topic, int Partition, long NextOffset, ulong Lsn, long AsOfMs, long UpdatedAtMs);

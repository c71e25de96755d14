namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>A partition's applied watermark as <c>sync_state</c> holds it.</summary>
internal readonly record struct StoredWatermark(long NextOffset, ulong Lsn, long AsOfMs);

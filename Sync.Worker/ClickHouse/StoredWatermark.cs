namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>A partition's applied watermark as <c>sync_state</c> holds it, with the source its LSN belongs to.</summary>
internal readonly record struct StoredWatermark(long NextOffset, ulong Lsn, long AsOfMs, ulong SourceSystemId = 0, uint SourceTimeline = 0)
{
    public bool SameSource(ulong systemId, uint timeline) => SourceSystemId == systemId && SourceTimeline == timeline;
}

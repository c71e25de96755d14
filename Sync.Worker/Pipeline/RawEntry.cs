namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>One consumed message inside a <see cref="RawBlock"/>.</summary>
internal struct RawEntry
{
    public int Partition;
    public long Offset;
    public RawRef Key;
    public RawRef Value;
}

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Why a batch was flushed (a metric tag).</summary>
internal enum FlushTrigger : byte
{
    Rows,
    Bytes,
    Age,
    Barrier,
    Shutdown,
}

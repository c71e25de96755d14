namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Why a batch was flushed (a metric tag).</summary>
internal enum FlushTrigger : byte
{
    Rows,
    Bytes,
    /// <summary>Nothing more was waiting and the batch was <c>Linger</c> old (group commit).</summary>
    Drained,

    /// <summary>The batch was <c>MaxAge</c> old while more input was still waiting.</summary>
    Age,
    Barrier,
    Shutdown,
}

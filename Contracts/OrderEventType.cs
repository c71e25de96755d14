namespace PolyglotAspire.Contracts;

/// <summary>What an <see cref="OrderEvent"/> says happened. Values are on the wire: never renumber.</summary>
public enum OrderEventType : byte
{
    Created = 1,
    StatusChanged = 2,
    Deleted = 3,

    /// <summary>
    /// Not an order change: the relay's watermark, sent to every partition. It says every change committed
    /// at or before <see cref="OrderEvent.CommitTimeMs"/> has an LSN ≤ <see cref="OrderEvent.CommitLsn"/> and was
    /// published before it, so the sink can tell "caught up" from "idle".
    /// </summary>
    Heartbeat = 4,
}

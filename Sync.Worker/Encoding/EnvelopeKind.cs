namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>What one Kafka message turned out to be.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>An order change: one <c>orders</c> row was written.</summary>
    Order,

    /// <summary>The relay's watermark: no row, it advances the partition's <c>sync_state</c>.</summary>
    Heartbeat,

    /// <summary>Undecodable: it goes to the dead-letter topic with <see cref="DecodeError"/>.</summary>
    Invalid,
}

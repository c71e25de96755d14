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

    /// <summary>
    /// A SchemaVersion newer than this build's: a breaking change it cannot read. Not a dead letter — skipping it would
    /// move the watermark past a change ClickHouse lacks — so the partition stops before it (contracts.md §3).
    /// </summary>
    NewerSchema,
}

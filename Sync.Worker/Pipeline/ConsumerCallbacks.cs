using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// Wires the consumer the DI container builds (ServiceDefaults' <c>AddKafkaConsumer</c>) to the consume loop that
/// exists later: the arena deserializer for keys and values, and the rebalance callbacks.
/// </summary>
internal sealed class ConsumerCallbacks
{
    public RawBlockDeserializer Deserializer { get; } = new();

    public IRebalanceListener? Listener { get; set; }

    public void Attach(ConsumerBuilder<RawRef, RawRef> builder) => builder
        .SetKeyDeserializer(Deserializer)
        .SetValueDeserializer(Deserializer)
        .SetPartitionsAssignedHandler((_, partitions) => Listener?.OnAssigned(partitions))
        .SetPartitionsRevokedHandler((_, partitions) => Listener?.OnRevoked(partitions))
        .SetPartitionsLostHandler((_, partitions) => Listener?.OnLost(partitions));
}

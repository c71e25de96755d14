using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Rebalance events, raised by Confluent.Kafka inside <c>Consume</c> on the consume thread.</summary>
internal interface IRebalanceListener
{
    void OnAssigned(IReadOnlyList<TopicPartition> partitions);

    void OnRevoked(IReadOnlyList<TopicPartitionOffset> partitions);

    void OnLost(IReadOnlyList<TopicPartitionOffset> partitions);
}

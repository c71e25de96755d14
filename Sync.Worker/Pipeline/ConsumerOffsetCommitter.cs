using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Commits through the consumer (thread-safe in librdkafka; called from the committer, not the consume thread).</summary>
internal sealed class ConsumerOffsetCommitter(IConsumer<RawRef, RawRef> consumer) : IOffsetCommitter
{
    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets) => consumer.Commit(offsets);
}

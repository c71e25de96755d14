using Confluent.Kafka;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Commits consumer offsets (the real one wraps <see cref="IConsumer{TKey,TValue}.Commit(IEnumerable{TopicPartitionOffset})"/>).</summary>
internal interface IOffsetCommitter
{
    void Commit(IReadOnlyList<TopicPartitionOffset> offsets);
}

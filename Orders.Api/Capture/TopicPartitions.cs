using Confluent.Kafka;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The partitions of the events topic, which every heartbeat round goes to (one message each). Read from the
/// producer's own connection and refreshed every <see cref="RefreshInterval"/>, so that added partitions get heartbeats too.
/// </summary>
internal sealed partial class TopicPartitions(Func<int[]> fetch, CaptureRelayOptions options, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);

    private int[] _partitions = [];
    private long _fetchedAt;

    /// <summary>Reads the partitions through the producer's handle (no second connection).</summary>
    public static TopicPartitions Of(IProducer<byte[], byte[]> producer, CaptureRelayOptions options, TimeProvider time, ILogger logger) =>
        new(() =>
        {
            using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
            var topic = admin.GetMetadata(options.Topic, MetadataTimeout).Topics.Single(t => t.Topic == options.Topic);
            if (topic.Error.IsError || topic.Partitions.Count == 0)
            {
                throw new KafkaException(topic.Error.IsError ? topic.Error : new Error(ErrorCode.UnknownTopicOrPart));
            }

            return topic.Partitions.Select(p => p.PartitionId).Order().ToArray();
        }, options, time, logger);

    /// <summary>
    /// The partitions, at most <see cref="RefreshInterval"/> old. A failed refresh keeps the last known ones (the
    /// heartbeat waits in librdkafka's queue like any message); with none known yet it retries with backoff.
    /// </summary>
    public async Task<int[]> GetAsync(CancellationToken cancellationToken)
    {
        var fresh = _partitions.Length > 0 && time.GetElapsedTime(Volatile.Read(ref _fetchedAt)) < RefreshInterval;
        for (var attempt = 1; !fresh; attempt++)
        {
            try
            {
                // The metadata request blocks: run it on a dedicated thread, not a thread-pool one.
                _partitions = await Task.Factory.StartNew(fetch, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                Volatile.Write(ref _fetchedAt, time.GetTimestamp());
                break;
            }
            catch (KafkaException ex)
            {
                if (_partitions.Length > 0)
                {
                    break;
                }

                LogMetadataFailed(logger, options.Topic, ex.Error.Reason);
                await Task.Delay(options.Backoff(attempt), time, cancellationToken);
            }
        }

        return _partitions;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions of {Topic} unknown: {Reason}; heartbeats wait")]
    private static partial void LogMetadataFailed(ILogger logger, string topic, string reason);
}

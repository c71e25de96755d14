using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using MessagePack;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Produces what the WAL delivers to Kafka, for one session: each outbox envelope with its commit LSN and time filled
/// in (key = the order id's 16 big-endian bytes), continuing the trace of the request that made the change; an outbox
/// row that is not an envelope to the dead-letter topic; heartbeat and progress rounds to every partition. Kafka's answers go to the
/// session's <see cref="AckTracker"/>.
/// </summary>
internal sealed partial class OrderEventPublisher(
    IProducer<byte[], byte[]> producer,
    TopicPartitions partitions,
    SourceIdentity source,
    AckTracker tracker,
    CaptureRelayOptions options,
    OrdersTelemetry telemetry,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan QueueFullRetry = TimeSpan.FromMilliseconds(10);

    private readonly string _publishActivityName = $"{options.Topic} publish"; // built once: the publish path runs per event

    /// <summary>Produces one event of <paramref name="transaction"/>; <paramref name="checkpoint"/> is the transaction's.</summary>
    public async Task PublishAsync(CapturedEvent captured, CapturedTransaction transaction, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var key = new byte[16];
        captured.OrderId.TryWriteBytes(key, bigEndian: true, out _);
        OrderEvent envelope;
        byte[] value;
        try
        {
            // Read for validation and telemetry; the bytes sent are the payload with the relay's fields patched in.
            envelope = OrderEventSerializer.Deserialize(captured.Payload);
            value = EnvelopePatch.Apply(captured.Payload, transaction.CommitLsn, transaction.CommitTimeMs, source);
        }
        catch (MessagePackSerializationException ex)
        {
            // Not an envelope (only a bug or a foreign writer can put one there): a poison row must not stop the
            // relay forever, and must not vanish either. It goes to the dead-letter topic, bytes untouched.
            LogDeadLettered(logger, ex, captured.OrderId, new ConsistencyToken(transaction.CommitLsn).ToString());
            telemetry.DeadLettered.Add(1);
            await ProduceAsync(new TopicPartition(options.DeadLetterTopic, Partition.Any), new Message<byte[], byte[]> { Key = key, Value = captured.Payload },
                report => OnEventDelivered(report, checkpoint, null, transaction.CommitTimeMs), cancellationToken);
            return;
        }

        // Continue the trace of the request that made the change (its traceparent travels in the envelope).
        ActivityContext.TryParse(envelope.TraceParent, null, isRemote: true, out var parent);
        var previous = Activity.Current;
        var activity = OrdersTelemetry.ActivitySource.StartActivity(_publishActivityName, ActivityKind.Producer, parent);
        Activity.Current = previous;
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", options.Topic);
            activity.SetTag("polyglot.order.id", envelope.OrderId);
            activity.SetTag("polyglot.order.version", envelope.OrderVersion);
            activity.SetTag("polyglot.commit_lsn", new ConsistencyToken(transaction.CommitLsn).ToString());
        }

        var message = new Message<byte[], byte[]> { Key = key, Value = value };
        try
        {
            await ProduceAsync(new TopicPartition(options.Topic, Partition.Any), message,
                report => OnEventDelivered(report, checkpoint, activity, transaction.CommitTimeMs), cancellationToken);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Produces a heartbeat to every partition (contracts §2), once every event before it is acknowledged; the slot
    /// may be confirmed past it when the whole round is.
    /// </summary>
    public async Task PublishHeartbeatAsync(CapturedHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        await tracker.WhenDrainedAsync().WaitAsync(cancellationToken);
        if (tracker.Failed.IsCompleted)
        {
            await tracker.Failed;
        }

        var targets = await partitions.GetAsync(cancellationToken);
        await PublishRoundAsync(targets, tracker.Add(heartbeat.Lsn, heartbeat.TimeMs, targets.Length), telemetry.Heartbeats, cancellationToken);
    }

    /// <summary>
    /// A progress round (<see cref="ProgressRounds"/>): a heartbeat of a transaction's commit LSN to every partition,
    /// right after its events were handed to the producer. Not a checkpoint of the slot (the transaction's own is):
    /// it only moves the watermarks; a refused message fails the session like any other.
    /// </summary>
    public async Task PublishProgressAsync(ulong commitLsn, long commitTimeMs, CancellationToken cancellationToken)
    {
        var targets = await partitions.GetAsync(cancellationToken);
        await PublishRoundAsync(targets, new Checkpoint(commitLsn, commitTimeMs, targets.Length), telemetry.Progress, cancellationToken);
    }

    private async Task PublishRoundAsync(int[] targets, Checkpoint round, Counter<long> completed, CancellationToken cancellationToken)
    {
        var value = OrderEventSerializer.Serialize(new OrderEvent
        {
            EventType = OrderEventType.Heartbeat,
            EventId = Guid.CreateVersion7(),
            OrderId = Guid.Empty,
            CommitLsn = round.Lsn,
            CommitTimeMs = round.CommitTimeMs,
            SourceSystemId = source.SystemId,
            SourceTimeline = source.Timeline,
            PartitionCount = targets.Length == 0 ? 0 : targets[^1] + 1,
        });
        foreach (var partition in targets)
        {
            await ProduceAsync(new TopicPartition(options.Topic, new Partition(partition)), new Message<byte[], byte[]> { Key = null!, Value = value },
                report => OnRoundDelivered(report, round, completed), cancellationToken);
        }
    }

    /// <summary>Hands a message to librdkafka; waits (asynchronously) while its local queue is full.</summary>
    private async Task ProduceAsync(TopicPartition destination, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivered, CancellationToken cancellationToken)
    {
        while (true)
        {
            // In flight before the hand-off: the delivery report may arrive before Produce returns.
            tracker.Sending();
            try
            {
                producer.Produce(destination, message, onDelivered);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                tracker.Withdrawn();
                await Task.Delay(QueueFullRetry, time, cancellationToken);
            }
            catch
            {
                tracker.Withdrawn();
                throw;
            }
        }
    }

    // Delivery reports run on librdkafka's polling thread: keep them short and never let them throw.
    private void OnEventDelivered(DeliveryReport<byte[], byte[]> report, Checkpoint checkpoint, Activity? activity, long commitTimeMs)
    {
        try
        {
            if (report.Error.IsError)
            {
                telemetry.PublishFailures.Add(1, new KeyValuePair<string, object?>(OrdersTelemetry.ErrorType, report.Error.Code.ToString()));
                activity?.SetStatus(ActivityStatusCode.Error, report.Error.Reason);
                tracker.Refused(checkpoint, new KafkaException(report.Error));
            }
            else
            {
                tracker.Acknowledged(checkpoint);
                telemetry.Published.Add(1);
                telemetry.CommitToAck.Record((time.GetUtcNow().ToUnixTimeMilliseconds() - commitTimeMs) / 1000.0);
                activity?.SetTag("messaging.destination.partition.id", report.Partition.Value);
                activity?.SetTag("messaging.kafka.offset", report.Offset.Value);
            }
        }
#pragma warning disable CA1031 // An exception here would surface on librdkafka's thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryHandlerFailed(logger, ex);
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private void OnRoundDelivered(DeliveryReport<byte[], byte[]> report, Checkpoint round, Counter<long> completed)
    {
        try
        {
            if (report.Error.IsError)
            {
                telemetry.PublishFailures.Add(1, new KeyValuePair<string, object?>(OrdersTelemetry.ErrorType, report.Error.Code.ToString()));
                tracker.Refused(round, new KafkaException(report.Error));
            }
            else
            {
                tracker.Acknowledged(round);
                if (round.IsComplete)
                {
                    completed.Add(1);
                }
            }
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryHandlerFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row of order {OrderId} (commit {CommitLsn}) is not an order event envelope: sent to the dead-letter topic")]
    private static partial void LogDeadLettered(ILogger logger, Exception exception, Guid orderId, string commitLsn);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Kafka delivery report could not be handled")]
    private static partial void LogDeliveryHandlerFailed(ILogger logger, Exception exception);
}

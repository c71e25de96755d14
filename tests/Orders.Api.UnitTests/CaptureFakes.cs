using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.OrdersApi.Capture;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>A Kafka producer that keeps what it is given; the test answers each message (acknowledge or refuse).</summary>
internal sealed class FakeProducer : IProducer<byte[], byte[]>
{
    private readonly ConcurrentQueue<Produced> _produced = new();
    private int _queueFullAnswers;

    public sealed record Produced(TopicPartition Destination, Message<byte[], byte[]> Message, Action<DeliveryReport<byte[], byte[]>> OnDelivered);

    public IReadOnlyList<Produced> Messages => [.. _produced];

    public int QueueFullRefusals { get; private set; }

    /// <summary>The next <paramref name="count"/> calls fail as librdkafka does when its local queue is full.</summary>
    public void AnswerQueueFull(int count) => _queueFullAnswers = count;

    public void Produce(TopicPartition topicPartition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> deliveryHandler)
    {
        if (_queueFullAnswers > 0)
        {
            _queueFullAnswers--;
            QueueFullRefusals++;
            throw new ProduceException<byte[], byte[]>(new Error(ErrorCode.Local_QueueFull), new DeliveryResult<byte[], byte[]>());
        }

        _produced.Enqueue(new Produced(topicPartition, message, deliveryHandler));
    }

    public void Acknowledge(int index, int partition = 0, long offset = 0)
    {
        var produced = Messages[index];
        produced.OnDelivered(new DeliveryReport<byte[], byte[]>
        {
            Error = new Error(ErrorCode.NoError),
            TopicPartitionOffset = new TopicPartitionOffset(produced.Destination.Topic, new Partition(partition), new Offset(offset)),
            Status = PersistenceStatus.Persisted,
        });
    }

    public void AcknowledgeAll()
    {
        for (var i = 0; i < Messages.Count; i++)
        {
            Acknowledge(i);
        }
    }

    public void Refuse(int index, ErrorCode code = ErrorCode.MsgSizeTooLarge) =>
        Messages[index].OnDelivered(new DeliveryReport<byte[], byte[]> { Error = new Error(code), Status = PersistenceStatus.NotPersisted });

    public void Produce(string topic, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> deliveryHandler) =>
        Produce(new TopicPartition(topic, Partition.Any), message, deliveryHandler);

    public Handle Handle => throw new NotSupportedException();
    public string Name => "fake";
    public int AddBrokers(string brokers) => throw new NotSupportedException();
    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();
    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(string topic, Message<byte[], byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(TopicPartition topicPartition, Message<byte[], byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public int Poll(TimeSpan timeout) => throw new NotSupportedException();
    public int Flush(TimeSpan timeout) => throw new NotSupportedException();
    public void Flush(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();
    public void BeginTransaction() => throw new NotSupportedException();
    public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();
    public void CommitTransaction() => throw new NotSupportedException();
    public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();
    public void AbortTransaction() => throw new NotSupportedException();
    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();
    public void Dispose()
    {
    }
}

/// <summary>
/// A fake clock that says when code starts waiting on it and for how long, so a test advances time only once
/// something waits, and can check the wait itself.
/// </summary>
internal sealed class WatchedTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    public int TimersCreated => _waits.Count;

    /// <summary>The due time of every timer created so far (a <c>Task.Delay</c> is one).</summary>
    public IReadOnlyList<TimeSpan> Waits => [.. _waits];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _waits.Enqueue(dueTime);
        return timer;
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

internal static class CaptureTesting
{
    /// <summary>Registers a checkpoint and hands all of its messages to the (imaginary) producer, as the publisher does.</summary>
    public static Checkpoint AddSent(this AckTracker tracker, ulong lsn, long commitTimeMs, int messages)
    {
        var checkpoint = tracker.Add(lsn, commitTimeMs, messages);
        for (var i = 0; i < messages; i++)
        {
            tracker.Sending();
        }

        return checkpoint;
    }

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static CaptureRelayOptions Options(int maxInFlight = 100) => new() { MaxInFlight = maxInFlight };

    public static OrdersTelemetry Telemetry() => new(new TestMeterFactory());

    public static OrderEventPublisher Publisher(FakeProducer producer, AckTracker tracker, TimeProvider time, params int[] partitions) =>
        new(producer, Partitions(partitions, time), Source, tracker, Options(), Telemetry(), time, NullLogger.Instance);

    /// <summary>The source the test relay captures from.</summary>
    public static readonly SourceIdentity Source = new(7_311_000_000_000_000_042, 3);

    public static TopicPartitions Partitions(int[] partitions, TimeProvider time) =>
        new(() => partitions.Length > 0 ? partitions : [0], Options(), time, NullLogger.Instance);

    /// <summary>Waits (in real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, "Timed out waiting until " + what);
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}

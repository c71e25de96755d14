using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Capture;
using PolyglotAspire.OrdersApi.Diagnostics;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class OrderEventPublisherTests : IDisposable
{
    private readonly FakeProducer _producer = new();
    private readonly FakeTimeProvider _time = new();
    private readonly AckTracker _tracker;
    private readonly CaptureRelayOptions _options = CaptureTesting.Options();

    public OrderEventPublisherTests() => _tracker = new AckTracker(100, _time);

    public void Dispose() => _producer.Dispose();

    private static OrderEvent Envelope(Guid orderId) => OrderEvents.Created(
        new OrderRow(orderId, "c-1", "eu", "EUR", OrderStatus.New, 14.50m, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), 1, 2),
        Guid.CreateVersion7(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    private (CapturedEvent Event, CapturedTransaction Transaction, Checkpoint Checkpoint) Captured(byte[] payload, ulong lsn = 700)
    {
        var captured = new CapturedEvent(Guid.CreateVersion7(), payload);
        var transaction = new CapturedTransaction(lsn, 1_767_000_000_000, [captured]);
        return (captured, transaction, _tracker.Add(transaction.CommitLsn, transaction.CommitTimeMs, 1));
    }

    [Fact]
    public async Task An_event_goes_to_the_topic_keyed_by_its_order_with_its_commit_position_filled_in()
    {
        var orderId = Guid.CreateVersion7();
        var envelope = Envelope(orderId);
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(envelope));
        captured = captured with { OrderId = orderId };

        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        var sent = Assert.Single(_producer.Messages);
        Assert.Equal(new TopicPartition(_options.Topic, Partition.Any), sent.Destination);
        Assert.Equal(orderId.ToByteArray(bigEndian: true), sent.Message.Key);
        Assert.Equal(
            envelope with { CommitLsn = 700, CommitTimeMs = 1_767_000_000_000, SourceSystemId = CaptureTesting.Source.SystemId, SourceTimeline = CaptureTesting.Source.Timeline },
            OrderEventSerializer.Deserialize(sent.Message.Value));
    }

    [Fact]
    public async Task Fields_a_newer_writer_appended_reach_Kafka_byte_for_byte()
    {
        // A newer Orders.Api wrote the outbox row: two fields this build does not know, after the ones it does.
        var original = OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7()));
        var future = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePack.MessagePackWriter(future);
        var reader = new MessagePack.MessagePackReader(original);
        writer.WriteArrayHeader(reader.ReadArrayHeader() + 2);
        writer.WriteRaw(original.AsSpan((int)reader.Consumed));
        writer.Write("a field from the future");
        writer.WriteMapHeader(1);
        writer.Write(1);
        writer.WriteArrayHeader(2);
        writer.Write(1.5);
        writer.Write(2.5);
        writer.Flush();
        var appended = future.WrittenSpan[original.Length..].ToArray();

        var (captured, transaction, checkpoint) = Captured(future.WrittenSpan.ToArray(), lsn: 0x16_B374_D848);
        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        var sent = Assert.Single(_producer.Messages).Message.Value;
        var patched = new MessagePack.MessagePackReader(sent);
        Assert.Equal(OrderEventKeys.Count + 2, patched.ReadArrayHeader());
        Assert.Equal(appended, sent[^appended.Length..]);
        var read = OrderEventSerializer.Deserialize(sent);
        Assert.Equal((0x16_B374_D848UL, 1_767_000_000_000L, CaptureTesting.Source.SystemId, CaptureTesting.Source.Timeline),
            (read.CommitLsn, read.CommitTimeMs, read.SourceSystemId, read.SourceTimeline));
    }

    [Fact]
    public async Task An_envelope_from_before_the_source_fields_gets_them_appended()
    {
        // Schema version 1 as first written: 15 fields (an outbox row left by an older build).
        var full = OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7()));
        var reader = new MessagePack.MessagePackReader(full);
        reader.ReadArrayHeader();
        for (var i = 0; i < OrderEventKeys.Required; i++)
        {
            reader.Skip();
        }

        byte[] old = [0x9f, .. full.AsSpan(3, (int)reader.Consumed - 3)]; // fixarray of 15 instead of array16
        var (captured, transaction, checkpoint) = Captured(old);
        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        var read = OrderEventSerializer.Deserialize(Assert.Single(_producer.Messages).Message.Value);
        Assert.Equal((700UL, CaptureTesting.Source.SystemId, CaptureTesting.Source.Timeline), (read.CommitLsn, read.SourceSystemId, read.SourceTimeline));
    }

    [Fact]
    public async Task Only_Kafka_s_acknowledgement_makes_the_transaction_confirmable()
    {
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);
        Assert.False(_tracker.TryAdvance());

        _producer.Acknowledge(0);
        Assert.True(_tracker.TryAdvance());
        Assert.Equal(700UL, _tracker.ConfirmedLsn);
    }

    [Fact]
    public async Task A_refused_event_fails_the_session_and_is_never_confirmed()
    {
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        _producer.Refuse(0);
        Assert.IsType<KafkaException>(_tracker.Failed.Exception?.InnerException);
        Assert.False(_tracker.TryAdvance());
    }

    [Fact]
    public async Task A_row_that_is_not_an_envelope_goes_to_the_dead_letter_topic_untouched_and_does_not_block_the_slot()
    {
        byte[] poison = [0xC1, 0x00, 0xFF];
        var (captured, transaction, checkpoint) = Captured(poison);
        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        var sent = Assert.Single(_producer.Messages);
        Assert.Equal(_options.DeadLetterTopic, sent.Destination.Topic);
        Assert.Equal(poison, sent.Message.Value);
        Assert.Equal(captured.OrderId.ToByteArray(bigEndian: true), sent.Message.Key);
        _producer.Acknowledge(0);
        Assert.True(_tracker.TryAdvance());
    }

    [Fact]
    public async Task A_full_local_queue_is_waited_out_not_dropped()
    {
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        _producer.AnswerQueueFull(2);
        var publishing = CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        await CaptureTesting.Until(() => _producer.QueueFullRefusals == 1, "the first refusal");
        Assert.False(publishing.IsCompleted);
        await CaptureTesting.Until(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            return publishing.IsCompleted;
        }, "the retries");

        await publishing;
        Assert.Equal(2, _producer.QueueFullRefusals);
        Assert.Single(_producer.Messages);
    }

    [Fact]
    public async Task A_heartbeat_waits_for_every_earlier_event_then_goes_to_every_partition()
    {
        var publisher = CaptureTesting.Publisher(_producer, _tracker, _time, 0, 1, 2);
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        await publisher.PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        var heartbeat = publisher.PublishHeartbeatAsync(new CapturedHeartbeat(800, 1_767_000_000_500), TestContext.Current.CancellationToken);
        Assert.False(heartbeat.IsCompleted);
        Assert.Single(_producer.Messages);

        _producer.Acknowledge(0);
        await heartbeat.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        var round = _producer.Messages.Skip(1).ToList();
        Assert.Equal([0, 1, 2], round.Select(m => m.Destination.Partition.Value));
        Assert.All(round, m => Assert.Equal(_options.Topic, m.Destination.Topic));
        var beat = OrderEventSerializer.Deserialize(round[0].Message.Value);
        Assert.Equal((OrderEventType.Heartbeat, 800UL, 1_767_000_000_500L, Guid.Empty), (beat.EventType, beat.CommitLsn, beat.CommitTimeMs, beat.OrderId));
        Assert.Equal((CaptureTesting.Source.SystemId, CaptureTesting.Source.Timeline, 3), (beat.SourceSystemId, beat.SourceTimeline, beat.PartitionCount));

        // The slot moves past the heartbeat only once every partition has it.
        _producer.Acknowledge(1);
        _producer.Acknowledge(2);
        Assert.True(_tracker.TryAdvance());
        Assert.Equal(700UL, _tracker.ConfirmedLsn);
        _producer.Acknowledge(3);
        Assert.True(_tracker.TryAdvance());
        Assert.Equal(800UL, _tracker.ConfirmedLsn);
    }

    [Fact]
    public async Task A_progress_round_goes_to_every_partition_at_once_and_is_no_checkpoint_of_the_slot()
    {
        var publisher = CaptureTesting.Publisher(_producer, _tracker, _time, 0, 1, 2);
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        await publisher.PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);

        // Not waiting for the event's acknowledgement: the producer keeps each partition in order.
        await publisher.PublishProgressAsync(transaction.CommitLsn, transaction.CommitTimeMs, TestContext.Current.CancellationToken)
            .WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        var round = _producer.Messages.Skip(1).ToList();
        Assert.Equal([0, 1, 2], round.Select(m => m.Destination.Partition.Value));
        var beat = OrderEventSerializer.Deserialize(round[0].Message.Value);
        Assert.Equal((OrderEventType.Heartbeat, transaction.CommitLsn, transaction.CommitTimeMs, 3), (beat.EventType, beat.CommitLsn, beat.CommitTimeMs, beat.PartitionCount));

        // The slot moves with the transaction's own checkpoint, whatever the round's acknowledgements.
        _producer.Acknowledge(1);
        _producer.Acknowledge(2);
        _producer.Acknowledge(3);
        Assert.False(_tracker.TryAdvance());
        _producer.Acknowledge(0);
        Assert.True(_tracker.TryAdvance());
        Assert.Equal(transaction.CommitLsn, _tracker.ConfirmedLsn);
        Assert.Equal(0, _tracker.InFlight);
    }

    [Fact]
    public async Task No_heartbeat_follows_a_refused_event()
    {
        var publisher = CaptureTesting.Publisher(_producer, _tracker, _time, 0);
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(Envelope(Guid.CreateVersion7())));
        await publisher.PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);
        _producer.Refuse(0);

        await Assert.ThrowsAsync<KafkaException>(() =>
            publisher.PublishHeartbeatAsync(new CapturedHeartbeat(800, 1), TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Single(_producer.Messages);
    }

    [Fact]
    public async Task The_publish_span_continues_the_trace_of_the_request_that_made_the_change()
    {
        // Listeners are process-wide: keep only this test's trace.
        var (traceId, parentId) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OrdersTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.TraceId == traceId)
                {
                    spans.Enqueue(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var envelope = Envelope(Guid.CreateVersion7()) with { TraceParent = $"00-{traceId}-{parentId}-01" };
        var (captured, transaction, checkpoint) = Captured(OrderEventSerializer.Serialize(envelope));

        await CaptureTesting.Publisher(_producer, _tracker, _time).PublishAsync(captured, transaction, checkpoint, TestContext.Current.CancellationToken);
        Assert.Empty(spans); // open until Kafka answers
        _producer.Acknowledge(0, partition: 2, offset: 41);

        var span = Assert.Single(spans);
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal(2, span.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(41L, span.GetTagItem("messaging.kafka.offset"));
    }
}

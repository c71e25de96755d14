using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>A session's stream task (<see cref="CaptureSession.PumpAsync"/>): decoded changes in, Kafka messages out.</summary>
public sealed class CaptureSessionTests : IDisposable
{
    private readonly FakeProducer _producer = new();
    private readonly FakeTimeProvider _time = new();
    private readonly Channel<CapturedChange> _wal = Channel.CreateUnbounded<CapturedChange>();

    public void Dispose() => _producer.Dispose();

    private static CapturedTransaction Transaction(ulong lsn, params Guid[] orders) =>
        new(lsn, (long)lsn, [.. orders.Select(id => new CapturedEvent(id, OrderEventSerializer.Serialize(new OrderEvent { EventId = Guid.CreateVersion7(), OrderId = id, OrderVersion = 1 })))]);

    /// <summary>The changes the test writes, ending only when the test completes the writer (cancellation is the pump's business).</summary>
    private async IAsyncEnumerable<CapturedChange> Stream()
    {
        while (await _wal.Reader.WaitToReadAsync())
        {
            while (_wal.Reader.TryRead(out var change))
            {
                yield return change;
            }
        }
    }

    private Task Pump(AckTracker tracker, CancellationToken publishToken, CancellationToken streamToken) =>
        Task.Run(() => CaptureSession.PumpAsync(Stream(), CaptureTesting.Publisher(_producer, tracker, _time, 0, 1), tracker, _time, publishToken, streamToken), streamToken);

    [Fact]
    public async Task Changes_are_published_in_WAL_order_and_the_slot_may_move_past_each_once_Kafka_has_all_of_it()
    {
        var tracker = new AckTracker(100, _time);
        Guid a = Guid.CreateVersion7(), b = Guid.CreateVersion7(), c = Guid.CreateVersion7();
        _wal.Writer.TryWrite(Transaction(100, a, b));
        _wal.Writer.TryWrite(Transaction(200, c));
        _wal.Writer.TryWrite(new CapturedHeartbeat(300, 300));
        _wal.Writer.Complete();
        var pump = Pump(tracker, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);

        await CaptureTesting.Until(() => _producer.Messages.Count == 3, "the events");
        Assert.Equal([a, b, c], _producer.Messages.Select(m => new Guid(m.Message.Key, bigEndian: true)));
        _producer.Acknowledge(0);
        _producer.Acknowledge(2);
        Assert.False(tracker.TryAdvance()); // the first transaction is not complete yet

        _producer.Acknowledge(1);
        await CaptureTesting.Until(() => _producer.Messages.Count == 5, "the heartbeat round, once the events are acknowledged");
        _producer.Acknowledge(3);
        _producer.Acknowledge(4);
        await pump.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        Assert.True(tracker.TryAdvance());
        Assert.Equal(300UL, tracker.ConfirmedLsn);
    }

    [Fact]
    public async Task A_progress_round_follows_the_last_event_of_its_transaction()
    {
        var tracker = new AckTracker(100, _time);
        var progress = new ProgressRounds(TimeSpan.FromMilliseconds(20), _time);
        var publisher = CaptureTesting.Publisher(_producer, tracker, _time, 0, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var rounds = Task.Run(() => progress.RunAsync(publisher.PublishProgressAsync, stop.Token), stop.Token);
        Guid a = Guid.CreateVersion7(), b = Guid.CreateVersion7();
        _wal.Writer.TryWrite(Transaction(100, a, b));
        _wal.Writer.Complete();
        var pump = Task.Run(() => CaptureSession.PumpAsync(Stream(), publisher, tracker, _time, stop.Token, stop.Token, progress), stop.Token);

        await CaptureTesting.Until(() => _producer.Messages.Count == 4, "both events and the round");
        await pump.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        var messages = _producer.Messages.ToList();
        Assert.Equal([a, b], messages.Take(2).Select(m => new Guid(m.Message.Key, bigEndian: true)));
        Assert.All(messages.Skip(2), m => Assert.Equal((OrderEventType.Heartbeat, 100UL), (OrderEventSerializer.Deserialize(m.Message.Value).EventType, OrderEventSerializer.Deserialize(m.Message.Value).CommitLsn)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rounds);
    }

    [Fact]
    public async Task With_too_much_unacknowledged_it_waits_for_Kafka_before_publishing_more()
    {
        var tracker = new AckTracker(maxInFlight: 2, _time);
        for (var lsn = 1UL; lsn <= 3; lsn++)
        {
            _wal.Writer.TryWrite(Transaction(lsn * 100, Guid.CreateVersion7()));
        }

        _wal.Writer.Complete();
        var pump = Pump(tracker, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);

        await CaptureTesting.Until(() => tracker.InFlight >= 2, "the limit");
        await Task.Delay(100, TestContext.Current.CancellationToken); // time to publish more, were it not waiting
        Assert.Equal(2, tracker.InFlight);
        Assert.True(_producer.Messages.Count < 3, "published past the in-flight limit");

        var acknowledged = 0;
        await CaptureTesting.Until(() =>
        {
            while (acknowledged < _producer.Messages.Count)
            {
                _producer.Acknowledge(acknowledged++);
            }

            return acknowledged == 3;
        }, "every event, as Kafka acknowledges the earlier ones");
        await pump.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_transaction_with_more_rows_than_the_in_flight_limit_goes_out_as_Kafka_acknowledges()
    {
        // MaxInFlight = 1 and a transaction of three rows: its first row must still be produced (it once waited for
        // capacity that only the acknowledgement of a message never produced could free: a deadlock on the first event).
        var tracker = new AckTracker(maxInFlight: 1, _time);
        _wal.Writer.TryWrite(Transaction(100, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7()));
        _wal.Writer.Complete();
        var pump = Pump(tracker, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);

        for (var produced = 1; produced <= 3; produced++)
        {
            await CaptureTesting.Until(() => _producer.Messages.Count == produced, $"row {produced} of the transaction");
            Assert.Equal(1, tracker.InFlight); // never more than the limit
            _producer.Acknowledge(produced - 1);
        }

        await pump.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        Assert.True(tracker.TryAdvance());
        Assert.Equal(100UL, tracker.ConfirmedLsn);
    }

    [Fact]
    public async Task Once_publishing_stops_it_keeps_the_stream_open_until_the_session_ends_it()
    {
        var tracker = new AckTracker(100, _time);
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _wal.Writer.TryWrite(Transaction(100, Guid.CreateVersion7()));
        var pump = Pump(tracker, publishing.Token, streaming.Token);
        await CaptureTesting.Until(() => _producer.Messages.Count == 1, "the first event");

        // Stopping: the heartbeat cannot wait for the unacknowledged event any more, and nothing after it is published.
        await publishing.CancelAsync();
        _wal.Writer.TryWrite(new CapturedHeartbeat(200, 200));
        _wal.Writer.TryWrite(Transaction(300, Guid.CreateVersion7()));
        _wal.Writer.Complete();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(pump.IsCompleted, "the stream was ended before the session ended it");

        await streaming.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Single(_producer.Messages);
    }
}

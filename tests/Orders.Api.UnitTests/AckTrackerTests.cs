using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class AckTrackerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_confirmable_position_only_moves_over_a_fully_acknowledged_prefix()
    {
        var tracker = new AckTracker(100, _time);
        var first = tracker.AddSent(100, 1, messages: 2);
        var second = tracker.AddSent(200, 2, messages: 1);
        var third = tracker.AddSent(300, 3, messages: 1);

        // Acknowledgements out of order (other partitions answer first): nothing is confirmable yet.
        tracker.Acknowledged(third);
        tracker.Acknowledged(second);
        tracker.Acknowledged(first);
        Assert.False(tracker.TryAdvance());
        Assert.Equal(0UL, tracker.ConfirmedLsn);

        tracker.Acknowledged(first);
        Assert.True(tracker.TryAdvance());
        Assert.Equal(300UL, tracker.ConfirmedLsn);
        Assert.Equal(3L, tracker.ConfirmedCommitTimeMs);
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public void A_checkpoint_without_messages_is_confirmable_once_reached()
    {
        var tracker = new AckTracker(100, _time);
        var pending = tracker.AddSent(100, 1, 1);
        tracker.AddSent(150, 2, 0);
        Assert.False(tracker.TryAdvance());
        tracker.Acknowledged(pending);
        Assert.True(tracker.TryAdvance());
        Assert.Equal(150UL, tracker.ConfirmedLsn);
    }

    [Fact]
    public void A_refused_message_blocks_the_position_forever_and_fails_the_session()
    {
        var tracker = new AckTracker(100, _time);
        var refused = tracker.AddSent(100, 1, 1);
        var later = tracker.AddSent(200, 2, 1);
        tracker.Refused(refused, new KafkaException(ErrorCode.MsgSizeTooLarge));
        tracker.Acknowledged(later);

        Assert.False(tracker.TryAdvance());
        Assert.Equal(0UL, tracker.ConfirmedLsn);
        Assert.True(tracker.Failed.IsFaulted);
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public async Task Drained_completes_only_when_everything_produced_is_answered()
    {
        var tracker = new AckTracker(100, _time);
        Assert.True(tracker.WhenDrainedAsync().IsCompleted);
        var checkpoint = tracker.AddSent(100, 1, 2);
        var drained = tracker.WhenDrainedAsync();
        tracker.Acknowledged(checkpoint);
        Assert.False(drained.IsCompleted);
        tracker.Acknowledged(checkpoint);
        await drained.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Capacity_bounds_the_messages_waiting_for_Kafka()
    {
        var tracker = new AckTracker(2, _time);
        var checkpoint = tracker.Add(100, 1, 3);
        Assert.True(tracker.WhenCapacityAsync().IsCompleted); // registered, not produced: nothing waits for Kafka yet

        tracker.Sending();
        Assert.True(tracker.WhenCapacityAsync().IsCompleted);
        tracker.Sending();
        var capacity = tracker.WhenCapacityAsync();
        Assert.False(capacity.IsCompleted); // two produced and unanswered: the limit

        tracker.Acknowledged(checkpoint);
        await capacity.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(1, tracker.InFlight);
    }

    [Fact]
    public void An_answer_for_a_message_never_produced_is_refused()
    {
        var tracker = new AckTracker(2, _time);
        var checkpoint = tracker.Add(100, 1, 1);
        Assert.Throws<InvalidOperationException>(() => tracker.Acknowledged(checkpoint));
    }

    [Fact]
    public void A_message_the_producer_did_not_take_is_not_in_flight()
    {
        var tracker = new AckTracker(2, _time);
        tracker.Add(100, 1, 1);
        tracker.Sending();
        tracker.Withdrawn();
        Assert.Equal(0, tracker.InFlight);
        Assert.True(tracker.WhenDrainedAsync().IsCompleted);
    }

    [Fact]
    public void Waiting_time_counts_from_the_last_acknowledgement()
    {
        var tracker = new AckTracker(100, _time);
        Assert.Equal(TimeSpan.Zero, tracker.WaitingFor);
        var checkpoint = tracker.AddSent(100, 1, 2);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), tracker.WaitingFor);
        tracker.Acknowledged(checkpoint);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), tracker.WaitingFor);
        tracker.Acknowledged(checkpoint);
        Assert.Equal(TimeSpan.Zero, tracker.WaitingFor);
    }

    [Fact]
    public async Task Concurrent_acknowledgements_confirm_exactly_the_last_position()
    {
        var tracker = new AckTracker(1_000_000, _time);
        var checkpoints = Enumerable.Range(1, 10_000).Select(i => tracker.AddSent((ulong)i, i, 3)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            foreach (var checkpoint in checkpoints.Reverse())
            {
                tracker.Acknowledged(checkpoint);
            }
        }, TestContext.Current.CancellationToken)));
        var advancing = Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => tracker.TryAdvance(), TestContext.Current.CancellationToken)));
        await advancing;
        tracker.TryAdvance();
        Assert.Equal(10_000UL, tracker.ConfirmedLsn);
        Assert.Equal(0, tracker.InFlight);
    }
}

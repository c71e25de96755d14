using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class SlotConfirmerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly AckTracker _tracker;
    private readonly ConcurrentQueue<ulong> _confirmed = new();

    public SlotConfirmerTests() => _tracker = new AckTracker(100, _time);

    private SlotConfirmer Confirmer(Exception? failure = null) => new(_tracker, (lsn, _) =>
    {
        _confirmed.Enqueue(lsn);
        return failure is null ? Task.CompletedTask : Task.FromException(failure);
    }, CaptureTesting.Telemetry(), _time);

    [Fact]
    public async Task The_slot_is_confirmed_only_over_the_acknowledged_prefix_and_only_when_it_moved()
    {
        var confirmer = Confirmer();
        var first = _tracker.AddSent(100, 1, 1);
        var second = _tracker.AddSent(200, 2, 1);

        _tracker.Acknowledged(second);
        await confirmer.ConfirmAsync(TestContext.Current.CancellationToken);
        Assert.Empty(_confirmed);

        _tracker.Acknowledged(first);
        await confirmer.ConfirmAsync(TestContext.Current.CancellationToken);
        await confirmer.ConfirmAsync(TestContext.Current.CancellationToken);
        Assert.Equal([200UL], _confirmed);
    }

    [Fact]
    public async Task A_connection_that_no_longer_streams_keeps_the_position_for_later()
    {
        var confirmer = Confirmer(new InvalidOperationException("not streaming"));
        _tracker.Acknowledged(_tracker.AddSent(100, 1, 1));

        await confirmer.ConfirmAsync(TestContext.Current.CancellationToken);
        Assert.Equal([100UL], _confirmed);
        Assert.Equal(100UL, _tracker.ConfirmedLsn);
    }

    [Fact]
    public async Task Any_other_failure_ends_the_session()
    {
        var confirmer = Confirmer(new IOException("connection reset"));
        _tracker.Acknowledged(_tracker.AddSent(100, 1, 1));

        await Assert.ThrowsAsync<IOException>(() => confirmer.ConfirmAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task It_confirms_on_every_tick()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = Confirmer().RunAsync(TimeSpan.FromMilliseconds(100), stop.Token);
        _tracker.Acknowledged(_tracker.AddSent(100, 1, 1));

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await CaptureTesting.Until(() => _confirmed.Count == 1, "the first tick confirms");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class HeartbeatEmitterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly WatchedTimeProvider _time = new();
    private readonly Queue<Func<SlotObservation>> _answers = new();
    private int _emitted;
    private int _active;

    private Task Run(CancellationToken cancellationToken) =>
        new HeartbeatEmitter(_ =>
            {
                Interlocked.Increment(ref _emitted);
                return Task.FromResult(_answers.Count > 0 ? _answers.Dequeue()() : new SlotObservation(true));
            }, Interval, _time, NullLogger.Instance)
            .RunAsync(() => Interlocked.Increment(ref _active), cancellationToken);

    [Fact]
    public Task A_heartbeat_goes_at_once_then_every_interval() => WhileRunningAsync(async () =>
    {
        _time.Advance(Interval);
        await CaptureTesting.Until(() => _emitted == 2, "the second heartbeat");
        _time.Advance(Interval);
        await CaptureTesting.Until(() => _emitted == 3, "the third heartbeat");
    });

    [Fact]
    public Task Only_a_heartbeat_emitted_by_the_slot_s_active_walsender_marks_the_session_active()
    {
        _answers.Enqueue(() => new SlotObservation(false));
        return WhileRunningAsync(async () =>
        {
            Assert.Equal(0, _active);
            _time.Advance(Interval);
            await CaptureTesting.Until(() => _active == 1, "the active heartbeat");
        });
    }

    [Fact]
    public Task A_failed_heartbeat_only_skips_a_beat()
    {
        _answers.Enqueue(() => throw new NpgsqlException("connection refused"));
        return WhileRunningAsync(async () =>
        {
            _time.Advance(Interval);
            await CaptureTesting.Until(() => _active == 1, "the next heartbeat");
        });
    }

    /// <summary>Starts the emitter, waits for its first heartbeat, runs <paramref name="steps"/>, then stops it.</summary>
    private async Task WhileRunningAsync(Func<Task> steps)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = Run(stop.Token);
        await CaptureTesting.Until(() => _emitted == 1 && _time.TimersCreated == 1, "the first heartbeat");
        Assert.False(running.IsCompleted);

        await steps();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}

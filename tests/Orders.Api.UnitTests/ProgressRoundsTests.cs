using System.Collections.Concurrent;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class ProgressRoundsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly WatchedTimeProvider _time = new();
    private readonly ConcurrentQueue<(ulong Lsn, long TimeMs)> _rounds = new();

    [Fact]
    public Task Nothing_published_sends_no_round() => WhileRunningAsync(async rounds =>
    {
        await Task.Delay(50, TestContext.Current.CancellationToken);
        _time.Advance(Interval * 5);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(_rounds);
    });

    [Fact]
    public Task The_first_commit_after_a_quiet_spell_gets_its_round_at_once_and_a_burst_one_more_round_for_its_last_commit() =>
        WhileRunningAsync(async rounds =>
        {
            rounds.Published(100, 1_000);
            await CaptureTesting.Until(() => _rounds.Count == 1, "the round of the first commit, at once");
            Assert.Equal((100UL, 1_000L), _rounds.Single());

            // Within the interval: no round yet, then one, for the newest commit only.
            rounds.Published(200, 2_000);
            rounds.Published(300, 3_000);
            rounds.Published(250, 2_500); // never backwards
            await CaptureTesting.Until(() => _time.TimersCreated == 1, "the interval after the first round");
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Single(_rounds);
            _time.Advance(Interval);
            await CaptureTesting.Until(() => _rounds.Count == 2, "the round at the end of the interval");
            Assert.Equal((300UL, 3_000L), _rounds.Last());

            // Quiet again: the next commit goes at once after the interval has run out.
            _time.Advance(Interval);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(2, _rounds.Count);
            rounds.Published(400, 4_000);
            await CaptureTesting.Until(() => _rounds.Count == 3, "the round of the commit after the quiet spell");
            Assert.Equal((400UL, 4_000L), _rounds.Last());
        });

    private async Task WhileRunningAsync(Func<ProgressRounds, Task> steps)
    {
        var rounds = new ProgressRounds(Interval, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = rounds.RunAsync((lsn, timeMs, _) =>
        {
            _rounds.Enqueue((lsn, timeMs));
            return Task.CompletedTask;
        }, stop.Token);

        await steps(rounds);
        Assert.False(running.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}

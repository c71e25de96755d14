using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

public sealed class TopicPartitionsTests
{
    private readonly WatchedTimeProvider _time = new();
    private readonly Queue<Func<int[]>> _answers = new();
    private int _fetches;

    private TopicPartitions Partitions() => new(() =>
    {
        Interlocked.Increment(ref _fetches);
        return _answers.Dequeue()();
    }, CaptureTesting.Options(), _time, NullLogger.Instance);

    private static Func<int[]> Fails => () => throw new KafkaException(ErrorCode.BrokerNotAvailable);

    [Fact]
    public async Task Partitions_are_read_once_then_kept_for_the_refresh_interval()
    {
        _answers.Enqueue(() => [0, 1]);
        _answers.Enqueue(() => [0, 1, 2]);
        var partitions = Partitions();

        Assert.Equal(new[] { 0, 1 }, await partitions.GetAsync(TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        _time.Advance(TopicPartitions.RefreshInterval - TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { 0, 1 }, await partitions.GetAsync(TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(1, _fetches);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { 0, 1, 2 }, await partitions.GetAsync(TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_last_known_partitions()
    {
        _answers.Enqueue(() => [0, 1]);
        _answers.Enqueue(Fails);
        var partitions = Partitions();
        await partitions.GetAsync(TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        _time.Advance(TopicPartitions.RefreshInterval);

        Assert.Equal(new[] { 0, 1 }, await partitions.GetAsync(TestContext.Current.CancellationToken).WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task With_none_known_it_retries_after_a_backoff()
    {
        _answers.Enqueue(Fails);
        _answers.Enqueue(() => [3]);
        var getting = Partitions().GetAsync(TestContext.Current.CancellationToken);

        await CaptureTesting.Until(() => _time.TimersCreated == 1, "the relay waits before retrying");
        Assert.False(getting.IsCompleted);
        _time.Advance(CaptureTesting.Options().RetryMinBackoff * 1.2);
        Assert.Equal(new[] { 3 }, await getting.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(2, _fetches);
    }
}

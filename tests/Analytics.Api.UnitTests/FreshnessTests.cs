using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.UnitTests;

public sealed class FreshnessTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_weakest_partition_bounds_watermark_and_as_of()
    {
        PartitionWatermark[] partitions =
        [
            new(0, new ConsistencyToken(500), T0.AddSeconds(3)),
            new(1, new ConsistencyToken(300), T0.AddSeconds(5)),
            new(2, new ConsistencyToken(900), T0.AddSeconds(1)),
        ];

        var (watermark, asOf) = FreshnessSnapshot.Combine(partitions);

        Assert.Equal(new ConsistencyToken(300), watermark);
        Assert.Equal(T0.AddSeconds(1), asOf);
    }

    [Fact]
    public void Nothing_synchronised_has_no_as_of_and_no_lag()
    {
        var (watermark, asOf) = FreshnessSnapshot.Combine([]);
        Assert.Equal(default, watermark);
        Assert.Null(asOf);
        Assert.Equal((null, false), FreshnessSnapshot.Lag(asOf, T0, T0));
    }

    [Fact]
    public void A_partition_with_nothing_applied_yet_makes_the_whole_answer_unsynchronised()
    {
        PartitionWatermark[] partitions =
        [
            new(0, new ConsistencyToken(500), T0.AddSeconds(3)),
            new(1, default, DateTimeOffset.UnixEpoch), // the worker's zero row: owned, nothing applied
        ];

        Assert.Equal((default(ConsistencyToken), (DateTimeOffset?)null), FreshnessSnapshot.Combine(partitions));
    }

    [Fact]
    public void Lag_is_zero_when_nothing_committed_after_as_of_even_long_after()
    {
        Assert.Equal((0L, true), FreshnessSnapshot.Lag(T0, T0.AddHours(5), lastSourceCommit: T0.AddMilliseconds(-1)));
        Assert.Equal((0L, true), FreshnessSnapshot.Lag(T0, T0.AddHours(5), lastSourceCommit: T0));
    }

    [Fact]
    public void Lag_is_the_age_of_as_of_when_a_later_commit_is_missing()
    {
        Assert.Equal((1500L, false), FreshnessSnapshot.Lag(T0, T0.AddMilliseconds(1500), lastSourceCommit: T0.AddMilliseconds(10)));
    }

    [Fact]
    public void Without_the_source_last_commit_lag_is_the_clock_difference()
    {
        Assert.Equal((2000L, false), FreshnessSnapshot.Lag(T0, T0.AddSeconds(2), lastSourceCommit: null));
        Assert.Equal((0L, false), FreshnessSnapshot.Lag(T0, T0.AddSeconds(-1), lastSourceCommit: null));
    }
}

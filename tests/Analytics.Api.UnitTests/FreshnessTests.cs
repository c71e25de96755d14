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

    private static readonly SourcePosition Source = new(7_311_000_000_000_000_042, 1, new ConsistencyToken(10_000));

    private static PartitionWatermark Mark(int partition, ulong lsn, ulong systemId = 7_311_000_000_000_000_042, uint timeline = 1) =>
        new(partition, new ConsistencyToken(lsn), T0, systemId, timeline);

    [Fact]
    public void Watermarks_of_this_source_within_its_WAL_are_trusted_and_zero_rows_need_no_source()
    {
        Assert.Null(SourcePosition.Distrust([Mark(0, 10_000), Mark(1, 9_000), Mark(2, 0, systemId: 0, timeline: 0)], Source));
        Assert.Null(SourcePosition.Distrust([Mark(0, 0, systemId: 0, timeline: 0)], null)); // claims nothing: nothing to check
    }

    [Fact]
    public void A_watermark_ahead_of_the_source_s_WAL_is_not_trusted()
    {
        var why = SourcePosition.Distrust([Mark(0, 9_000), Mark(1, 10_001)], Source);
        Assert.Contains("partition 1", why, StringComparison.Ordinal);
        Assert.Contains("ahead of PostgreSQL's current WAL position 0/2710", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7_311_000_000_000_000_099UL, 1U, "another PostgreSQL")] // a wiped or replaced database
    [InlineData(7_311_000_000_000_000_042UL, 2U, "another PostgreSQL")] // a promoted standby, a point-in-time restore
    [InlineData(0UL, 0U, "records no source")]                            // from before sources were recorded
    public void A_watermark_of_another_source_is_not_trusted_even_below_the_WAL_position(ulong systemId, uint timeline, string reason)
    {
        var why = SourcePosition.Distrust([Mark(0, 9_000), Mark(3, 5, systemId, timeline)], Source);
        Assert.Contains("partition 3", why, StringComparison.Ordinal);
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_source_s_position_a_watermark_claiming_anything_is_not_trusted() =>
        Assert.Contains("cannot be checked", SourcePosition.Distrust([Mark(0, 1)], null), StringComparison.Ordinal);

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
    public void A_stale_observation_that_was_caught_up_claims_only_its_age_as_lag()
    {
        // Caught up when read 400 ms ago: commits since then may be missing, so neither "caught up" nor 0.
        Assert.Equal((400L, false), FreshnessSnapshot.Lag(T0, T0.AddHours(5), lastSourceCommit: T0, staleFor: TimeSpan.FromMilliseconds(400)));
        // Behind when read: the lag from as-of already counts the observation's age.
        Assert.Equal((1500L, false), FreshnessSnapshot.Lag(T0, T0.AddMilliseconds(1500), lastSourceCommit: T0.AddMilliseconds(10), staleFor: TimeSpan.FromMilliseconds(400)));
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

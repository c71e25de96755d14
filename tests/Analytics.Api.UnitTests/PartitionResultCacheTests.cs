using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// The cache's own rules: an entry is given out only while the partition's parts still hold its state (as it is, or to
/// be extended), and it stays within its entries and bytes, least recently used first out.
/// </summary>
public sealed class PartitionResultCacheTests
{
    private static readonly PartitionAggregate Rows = PartitionAggregate.From(
        [(new DateOnly(2026, 1, 2), new GroupTotal("eu-west", "EUR", 3, 10m)), (new DateOnly(2026, 1, 5), new GroupTotal("us-east", "USD", 1, 2m))]);

    private static readonly PartitionState X = new("uuid", 1, 1);

    private static readonly DateTime January = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A part of January holding blocks [<paramref name="min"/>, <paramref name="max"/>], created_at over the whole month unless said.</summary>
    private static PartBlocks Part(long min, long max, long rows = 1, long dataVersion = -1, DateTime? first = null, DateTime? last = null) =>
        new($"202601_{min}_{max}_0", min, max, dataVersion < 0 ? min : dataVersion, rows, first ?? January, last ?? January.AddMonths(1).AddSeconds(-1));

    /// <summary>A partition of one part per block range.</summary>
    private static PartitionParts Parts(params (long Min, long Max)[] parts) => new("uuid", [.. parts.Select(p => Part(p.Min, p.Max))]);

    private static readonly PartitionParts AsKept = Parts((1, 1));

    private static PartitionResultCache Cache(int entries = 100, long bytes = 1 << 20) => new(Options.Create(new AnalyticsOptions
    {
        PartitionCacheMaxEntries = entries,
        PartitionCacheMaxBytes = bytes,
        ExtendKeptPartitions = PartitionExtension.Always,
    }));

    [Fact]
    public void An_entry_is_given_out_while_the_parts_hold_its_state_and_dropped_once_they_do_not()
    {
        var cache = Cache();
        cache.Put("s", "202601", new PartitionState("uuid", 1, 4), Rows);

        Assert.True(cache.TryGet("s", "202601", Parts((1, 2), (3, 4)), out var rows, out var state)); // as kept
        Assert.Same(Rows, rows);
        Assert.Equal(4, state.LastBlock);
        Assert.True(cache.TryGet("s", "202601", Parts((1, 4), (5, 5), (6, 9)), out _, out _)); // newer blocks: to extend
        Assert.False(cache.TryGet("other", "202601", Parts((1, 4)), out _, out _));
        Assert.False(cache.TryGet("s", "202601", Parts((1, 5)), out _, out _)); // merged across block 4: gone for good
        Assert.False(cache.TryGet("s", "202601", Parts((1, 4)), out _, out _));
        Assert.Equal((1L, 1L, 3L, 0), (cache.Statistics.Hits, cache.Statistics.Extensions, cache.Statistics.Misses, cache.Statistics.Entries));
    }

    [Fact]
    public void Not_to_be_extended_an_entry_is_given_out_only_as_it_is()
    {
        var cache = new PartitionResultCache(Options.Create(new AnalyticsOptions { ExtendKeptPartitions = PartitionExtension.Never }));
        cache.Put("s", "202601", new PartitionState("uuid", 1, 4), Rows);

        Assert.True(cache.TryGet("s", "202601", Parts((1, 2), (3, 4)), out _, out _));
        Assert.False(cache.TryGet("s", "202601", Parts((1, 4), (5, 5)), out _, out _));
        Assert.Equal((1L, 0L, 1L), (cache.Statistics.Hits, cache.Statistics.Extensions, cache.Statistics.Misses));
    }

    [Theory]
    [InlineData(400_000, 12, true)] // ~49 granules, 12 newer rows: at most a quarter of them
    [InlineData(400_000, 13, false)]
    [InlineData(131_072, 4, true)] // 16 granules: the smallest partition extended
    [InlineData(131_070, 1, false)] // 131,071 rows in all: computed whole, whatever changed
    public void By_default_a_partition_is_extended_only_when_large_and_changed_by_few_rows(long keptRows, long newerRows, bool extended)
    {
        var cache = new PartitionResultCache(Options.Create(new AnalyticsOptions()));
        cache.Put("s", "202601", new PartitionState("uuid", 1, 4), Rows);
        var now = new PartitionParts("uuid", [Part(1, 4, keptRows), Part(5, 5, newerRows)]);

        Assert.Equal(extended, cache.TryGet("s", "202601", now, out _, out _));
    }

    [Theory]
    [InlineData(0, 0, 0.0)] // new orders after every kept row: no kept granule
    [InlineData(86_400, 90_000, 0.0)] // a day later: none either
    [InlineData(-1, 0, 1.0)] // from the kept part's last second on: its last granule
    [InlineData(-86_400, 0, 2.0)] // the kept part's last day: a 31st of its 49 granules, rounded up
    [InlineData(-2_678_399, 0, 12.0)] // the whole month: a granule per newer row (12 rows)
    public void The_granules_an_extension_reads_are_those_of_the_kept_rows_the_newer_parts_overlap_in_time(int fromSecond, int toSecond, double granules)
    {
        var end = January.AddMonths(1).AddSeconds(-1); // the kept part's last created_at
        var parts = new PartitionParts("uuid", [Part(1, 4, 400_000, last: end), Part(5, 5, 12, first: end.AddSeconds(fromSecond + 1), last: end.AddSeconds(toSecond + 1))]);

        Assert.Equal(granules, parts.GranulesToExtend(4));
    }

    [Fact]
    public void By_default_a_partition_changed_by_many_new_orders_only_is_extended()
    {
        var cache = new PartitionResultCache(Options.Create(new AnalyticsOptions()));
        cache.Put("s", "202601", new PartitionState("uuid", 1, 4), Rows);
        var end = January.AddDays(20); // the current month, 20 days in
        var now = new PartitionParts("uuid", [Part(1, 4, 400_000, last: end), Part(5, 5, 5_000, first: end.AddSeconds(1), last: end.AddMinutes(5))]);

        Assert.True(cache.TryGet("s", "202601", now, out _, out _));
    }

    [Theory]
    [InlineData("uuid", 1, 4, 5, 4, true)] // newer parts only
    [InlineData("uuid", 1, 4, 5, 5, false)] // a part across block 4
    [InlineData("uuid", 2, 4, 5, 4, false)] // the first block moved: parts were dropped
    [InlineData("other", 1, 4, 5, 4, false)] // another table (exchanged, recreated)
    [InlineData("uuid", 1, 4, 6, 4, true)] // newer parts after a gap in the block numbers (a deduplicated insert)
    public void Parts_still_hold_a_state_only_if_its_rows_are_unchanged(string table, long first, long keptMax, long newMin, long oldPartMax, bool holds)
    {
        var parts = new PartitionParts(table, [Part(first, oldPartMax), Part(newMin, 9)]);
        Assert.Equal(holds, parts.StillHolds(new PartitionState("uuid", 1, keptMax)));
    }

    [Fact]
    public void A_mutation_of_a_kept_part_means_the_state_no_longer_holds()
    {
        var mutated = new PartitionParts("uuid", [Part(1, 4, dataVersion: 7), Part(5, 6)]);
        Assert.False(mutated.StillHolds(new PartitionState("uuid", 1, 4)));
    }

    [Fact]
    public void Past_its_entries_the_least_recently_used_goes_first()
    {
        var cache = Cache(entries: 2);
        cache.Put("s", "1", X, Rows);
        cache.Put("s", "2", X, Rows);
        Assert.True(cache.TryGet("s", "1", AsKept, out _, out _)); // 1 is now the most recently used
        cache.Put("s", "3", X, Rows);

        Assert.True(cache.TryGet("s", "1", AsKept, out _, out _));
        Assert.False(cache.TryGet("s", "2", AsKept, out _, out _));
        Assert.True(cache.TryGet("s", "3", AsKept, out _, out _));
        Assert.Equal(1, cache.Statistics.Evictions);
    }

    [Fact]
    public void Past_its_bytes_entries_go_and_one_too_large_is_never_kept()
    {
        var size = PartitionResultCache.EstimateBytes(X, Rows);
        var cache = Cache(bytes: (2 * size) + 1);
        cache.Put("s", "1", X, Rows);
        cache.Put("s", "2", X, Rows);
        cache.Put("s", "3", X, Rows);
        Assert.Equal((2, 2 * size), (cache.Statistics.Entries, cache.Statistics.Bytes));
        Assert.False(cache.TryGet("s", "1", AsKept, out _, out _));

        var huge = PartitionAggregate.From(Enumerable.Range(0, 10_000).Select(i => (new DateOnly(2026, 1, 1), new GroupTotal($"k{i}", "EUR", 1, 1m))));
        cache.Put("s", "4", X, huge);
        Assert.False(cache.TryGet("s", "4", AsKept, out _, out _));
        Assert.True(cache.TryGet("s", "3", AsKept, out _, out _));
    }

    [Fact]
    public void Zero_entries_turns_it_off()
    {
        var cache = Cache(entries: 0);
        cache.Put("s", "1", X, Rows);
        Assert.False(cache.TryGet("s", "1", AsKept, out _, out _));
    }
}

using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>The cache's own rules: a hit needs the exact signature, and it stays within its entries and bytes, least recently used first out.</summary>
public sealed class PartitionResultCacheTests
{
    private static readonly PartitionAggregate Rows = PartitionAggregate.From(
        [(new DateOnly(2026, 1, 2), new GroupTotal("eu-west", "EUR", 3, 10m)), (new DateOnly(2026, 1, 5), new GroupTotal("us-east", "USD", 1, 2m))]);

    private static PartitionResultCache Cache(int entries = 100, long bytes = 1 << 20) =>
        new(Options.Create(new AnalyticsOptions { PartitionCacheMaxEntries = entries, PartitionCacheMaxBytes = bytes }));

    [Fact]
    public void Only_the_exact_signature_hits_and_a_changed_one_drops_the_entry()
    {
        var cache = Cache();
        cache.Put("s", "202601", "uuid a:1 b:2", Rows);

        Assert.True(cache.TryGet("s", "202601", "uuid a:1 b:2", out var rows));
        Assert.Same(Rows, rows);
        Assert.False(cache.TryGet("s", "202601", "uuid a:1 b:2 c:3", out _));
        Assert.False(cache.TryGet("s", "202601", "uuid a:1 b:2", out _)); // gone: that set of parts never comes back
        Assert.False(cache.TryGet("other", "202601", "uuid a:1 b:2", out _));
        Assert.Equal((1L, 3L, 0), (cache.Statistics.Hits, cache.Statistics.Misses, cache.Statistics.Entries));
    }

    [Fact]
    public void Past_its_entries_the_least_recently_used_goes_first()
    {
        var cache = Cache(entries: 2);
        cache.Put("s", "1", "x", Rows);
        cache.Put("s", "2", "x", Rows);
        Assert.True(cache.TryGet("s", "1", "x", out _)); // 1 is now the most recently used
        cache.Put("s", "3", "x", Rows);

        Assert.True(cache.TryGet("s", "1", "x", out _));
        Assert.False(cache.TryGet("s", "2", "x", out _));
        Assert.True(cache.TryGet("s", "3", "x", out _));
        Assert.Equal(1, cache.Statistics.Evictions);
    }

    [Fact]
    public void Past_its_bytes_entries_go_and_one_too_large_is_never_kept()
    {
        var size = PartitionResultCache.EstimateBytes("x", Rows);
        var cache = Cache(bytes: (2 * size) + 1);
        cache.Put("s", "1", "x", Rows);
        cache.Put("s", "2", "x", Rows);
        cache.Put("s", "3", "x", Rows);
        Assert.Equal((2, 2 * size), (cache.Statistics.Entries, cache.Statistics.Bytes));
        Assert.False(cache.TryGet("s", "1", "x", out _));

        var huge = PartitionAggregate.From(Enumerable.Range(0, 10_000).Select(i => (new DateOnly(2026, 1, 1), new GroupTotal($"k{i}", "EUR", 1, 1m))));
        cache.Put("s", "4", "x", huge);
        Assert.False(cache.TryGet("s", "4", "x", out _));
        Assert.True(cache.TryGet("s", "3", "x", out _));
    }

    [Fact]
    public void Zero_entries_turns_it_off()
    {
        var cache = Cache(entries: 0);
        cache.Put("s", "1", "x", Rows);
        Assert.False(cache.TryGet("s", "1", "x", out _));
    }
}

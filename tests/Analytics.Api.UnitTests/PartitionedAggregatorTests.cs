using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// Which partitions an aggregate reuses and which it computes: whole partitions in the range come from the cache
/// while their signature holds; changed ones, cut ones and ones that are not months are computed (in one call);
/// the answer is the sum over all of them.
/// </summary>
public sealed class PartitionedAggregatorTests
{
    private static readonly DateTime From = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime To = new(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly List<IReadOnlyList<string>?> _computed = [];
    private Dictionary<string, string> _parts = new() { ["202601"] = "a", ["202602"] = "b", ["202603"] = "c" };

    private PartitionedAggregator Aggregator(PartitionResultCache? cache = null) =>
        new(_ => Task.FromResult(_parts.Count == 0 ? PartsSnapshot.None : new PartsSnapshot(new Dictionary<string, string>(_parts))),
            cache ?? new PartitionResultCache(Options.Create(new AnalyticsOptions())));

    /// <summary>Each partition has one EUR row of 1 order worth its month number (0 if not a month), plus a USD row in March.</summary>
    private Task<IReadOnlyList<PartitionTotal>> Compute(IReadOnlyList<string>? partitions, CancellationToken _)
    {
        _computed.Add(partitions);
        var rows = (partitions ?? ["whole"]).Select(p => new PartitionTotal(p, new GroupTotal("eu", "EUR", 1, p.Length == 6 ? int.Parse(p[4..], System.Globalization.CultureInfo.InvariantCulture) : 0)))
            .Concat((partitions ?? []).Where(p => p == "202603").Select(p => new PartitionTotal(p, new GroupTotal("eu", "USD", 2, 7m))));
        return Task.FromResult<IReadOnlyList<PartitionTotal>>([.. rows]);
    }

    [Fact]
    public async Task Whole_partitions_are_computed_once_and_reused_while_their_parts_are_unchanged()
    {
        var aggregator = Aggregator();
        var first = await aggregator.AggregateAsync("shape", From, To, Compute, _ct);
        var second = await aggregator.AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([["202601", "202602", "202603"]], _computed);
        Assert.Equal(first.OrderBy(r => r.Currency), second.OrderBy(r => r.Currency));
        Assert.Equal([new GroupTotal("eu", "EUR", 3, 6m), new GroupTotal("eu", "USD", 2, 7m)], second.OrderBy(r => r.Currency));
    }

    [Fact]
    public async Task A_partition_whose_parts_changed_is_computed_again_and_only_it()
    {
        var aggregator = Aggregator();
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);
        _parts["202602"] = "b2";
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([["202601", "202602", "202603"], ["202602"]], _computed);
    }

    [Fact]
    public async Task Shapes_are_kept_apart()
    {
        var aggregator = Aggregator();
        await aggregator.AggregateAsync("by region", From, To, Compute, _ct);
        await aggregator.AggregateAsync("by status", From, To, Compute, _ct);

        Assert.Equal(2, _computed.Count);
    }

    [Fact]
    public async Task Partitions_the_range_cuts_are_always_computed_and_never_kept_and_those_outside_it_skipped()
    {
        _parts["202512"] = "z"; // before the range
        var aggregator = Aggregator();
        var cut = From.AddDays(10);
        await aggregator.AggregateAsync("shape", cut, To.AddDays(-3), Compute, _ct);
        await aggregator.AggregateAsync("shape", cut, To.AddDays(-3), Compute, _ct);

        Assert.Equal([["202601", "202602", "202603"], ["202601", "202603"]], _computed);
    }

    [Fact]
    public async Task A_partition_that_is_not_a_month_is_always_computed()
    {
        _parts = new() { ["all"] = "v1" }; // a version 1 table during a migration
        var aggregator = Aggregator();
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([["all"], ["all"]], _computed);
    }

    [Fact]
    public async Task Without_parts_the_whole_table_is_asked()
    {
        _parts.Clear(); // empty, or a Distributed table (no parts of its own)
        var rows = await Aggregator().AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([null], _computed);
        Assert.Equal([new GroupTotal("eu", "EUR", 1, 0m)], rows);
    }

    [Fact]
    public async Task A_partition_with_no_rows_left_is_kept_as_empty()
    {
        var aggregator = Aggregator();
        var none = new PartitionedAggregator.Compute((partitions, _) =>
        {
            _computed.Add(partitions);
            return Task.FromResult<IReadOnlyList<PartitionTotal>>([]);
        });
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));

        Assert.Single(_computed);
    }
}

using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// Which computations the largest groups of a range (top customers) come from: one aggregate kept over the whole
/// partitions of the range, reused, extended by the changed orders of newer blocks, or computed again; and that the
/// answer is always the one a full query gives, on a model of the table (<see cref="OrdersTableModel"/>).
/// </summary>
public sealed class RangeAggregatorTests
{
    private static readonly DateTime From = OrdersTableModel.QuarterStart;
    private static readonly DateTime To = OrdersTableModel.QuarterEnd;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersTableModel _table = new();

    public RangeAggregatorTests()
    {
        // Customer c{n} has an order worth n in each month on day n (n = 1..5), in EUR; c9 one in USD worth 7 in March.
        foreach (var month in new[] { 1, 2, 3 })
        {
            _table.Insert([.. Enumerable.Range(1, 5).Select(n => OrdersTableModel.Order(month, (month * 100) + n, new DateOnly(2026, month, n), "EUR", n, customer: $"c{n}"))]);
        }

        _table.Insert(OrdersTableModel.Order(3, 399, new DateOnly(2026, 3, 20), "USD", 7, customer: "c9"));
    }

    private RangeAggregator Aggregator(PartitionExtension extension = PartitionExtension.Always, int maxGroups = 1_000) =>
        new(_table.ReadParts, Options.Create(new AnalyticsOptions { ExtendKeptPartitions = extension, RangeCacheMaxGroups = maxGroups }));

    private readonly List<int?> _largest = []; // what each computation asked for: every group (null) or the largest n

    /// <summary>FINAL over what the scope reads, grouped by customer and currency; every group or the largest ones.</summary>
    private Task<IReadOnlyList<GroupTotal>> Compute(PartsScope? scope, DateTime from, DateTime to, int? largest, CancellationToken _)
    {
        _largest.Add(largest);
        IReadOnlyList<GroupTotal> groups = [.. _table.Current(scope, from, to)
            .GroupBy(r => (r.Customer, r.Currency))
            .Select(g => new GroupTotal(g.Key.Customer, g.Key.Currency, g.Count(), g.Sum(r => r.Amount)))];
        return Task.FromResult(largest is { } n ? GroupTotals.From(groups).Largest(n) : groups);
    }

    private Task<IReadOnlyList<GroupTotal>> AskAsync(RangeAggregator aggregator, int limit = 3, DateTime? from = null, DateTime? to = null) =>
        aggregator.LargestAsync("shape", from ?? From, to ?? To, limit, Compute, _ct);

    /// <summary>What a full query gives now (nothing kept).</summary>
    private async Task<IReadOnlyList<GroupTotal>> ExpectedAsync(int limit = 3, DateTime? from = null, DateTime? to = null)
    {
        var computed = _table.Computed.Count;
        var rows = await AskAsync(Aggregator(maxGroups: 0), limit, from, to);
        _table.ForgetFrom(computed);
        _largest.RemoveRange(computed, _largest.Count - computed);
        return rows;
    }

    private static string[] PartitionsOf(PartsScope? scope) => scope is null ? ["(whole table)"] : [.. scope.Partitions.Select(p => p.Partition)];

    [Fact]
    public async Task The_whole_range_is_computed_once_up_to_its_listed_blocks_and_reused_while_no_block_comes()
    {
        var aggregator = Aggregator();
        var first = await AskAsync(aggregator);
        var second = await AskAsync(aggregator, limit: 2);

        Assert.Equal([["202601", "202602", "202603"]], _table.Computed.Select(PartitionsOf));
        Assert.Equal([1L, 2L, 4L], _table.Computed[0]!.Partitions.Select(p => p.UpTo));
        Assert.Equal([new GroupTotal("c5", "EUR", 3, 15m), new GroupTotal("c4", "EUR", 3, 12m), new GroupTotal("c3", "EUR", 3, 9m)], first);
        Assert.Equal(first.Take(2), second);
        Assert.Equal((1L, 0L, 1L), (aggregator.Statistics.Hits, aggregator.Statistics.Extensions, aggregator.Statistics.Misses));
    }

    [Fact]
    public async Task Equal_amounts_are_ordered_by_key_then_currency()
    {
        _table.Insert(OrdersTableModel.Order(1, 190, new DateOnly(2026, 1, 9), "USD", 8, customer: "c9")); // c9 USD now 15, as c5 EUR
        _table.Insert(OrdersTableModel.Order(1, 191, new DateOnly(2026, 1, 9), "EUR", 15, customer: "c0")); // c0 EUR 15 too

        Assert.Equal(["c0/EUR", "c5/EUR", "c9/USD"], (await AskAsync(Aggregator())).Select(g => $"{g.Key}/{g.Currency}"));
    }

    [Fact]
    public async Task Newer_blocks_extend_the_kept_range_by_their_changed_orders_only_and_it_stays_exact()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 1), "EUR", 50, version: 2, customer: "c1"), // an update
            OrdersTableModel.Order(2, 205, new DateOnly(2026, 2, 5), "EUR", 5, version: 2, deleted: true, customer: "c5"), // a delete
            OrdersTableModel.Order(2, 204, new DateOnly(2026, 2, 4), "EUR", 99, version: 0, customer: "c4"), // a late older version: changes nothing
            OrdersTableModel.Order(2, 250, new DateOnly(2026, 2, 25), "EUR", 11, customer: "c7")); // a new customer
        _table.Insert(OrdersTableModel.Order(3, 301, new DateOnly(2026, 3, 1), "EUR", 1, version: 2, deleted: true, customer: "c1"),
            OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 1), "EUR", 50, version: 2, customer: "c1")); // redelivered
        _table.Merge("202602", 5, 6); // a merge of newer blocks only

        var answer = await AskAsync(aggregator, limit: 4);

        Assert.Equal(await ExpectedAsync(limit: 4), answer);
        Assert.Equal([new GroupTotal("c1", "EUR", 2, 1m + 50m), new GroupTotal("c4", "EUR", 3, 12m), new GroupTotal("c7", "EUR", 1, 11m), new GroupTotal("c5", "EUR", 2, 10m)], answer);
        // The two changed-orders computations, as of the kept blocks and as of the listed ones, of the changed partitions only.
        Assert.Equal([(true, "202602,202603", "2,4", "2,4", "6,6"), (true, "202602,202603", "6,6", "2,4", "6,6")],
            _table.Computed.Skip(1).Select(s => (s!.ChangedOrdersOnly, string.Join(',', PartitionsOf(s)), string.Join(',', s.Partitions.Select(p => p.UpTo)),
                string.Join(',', s.Partitions.Select(p => p.ChangedAfter)), string.Join(',', s.Partitions.Select(p => p.ChangedUpTo)))).Order());
        Assert.Equal((0L, 1L, 1L), (aggregator.Statistics.Hits, aggregator.Statistics.Extensions, aggregator.Statistics.Misses));

        // Kept as of the new blocks now: asked again, nothing is computed.
        Assert.Equal(answer, await AskAsync(aggregator, limit: 4));
        Assert.Equal(3, _table.Computed.Count);
    }

    [Theory]
    [InlineData("merge")]
    [InlineData("mutation")]
    [InlineData("table")]
    public async Task A_merge_across_a_kept_block_a_mutation_or_a_new_table_makes_the_range_computed_again(string change)
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        await AskAsync(aggregator); // reused: keeping it paid
        _table.Insert(OrdersTableModel.Order(1, 105, new DateOnly(2026, 1, 5), "EUR", 40, version: 2, customer: "c5"));
        Action apply = change switch
        {
            "merge" => () => _table.Merge("202601", 1, 5),
            "mutation" => () => _table.Parts["202602"][0] = _table.Parts["202602"][0] with { DataVersion = 5 },
            _ => () => _table.Table = "uuid-2",
        };
        apply();

        var answer = await AskAsync(aggregator);

        Assert.Equal(await ExpectedAsync(), answer);
        Assert.Equal(["202601", "202602", "202603"], PartitionsOf(_table.Computed[^1]));
        Assert.False(_table.Computed[^1]!.ChangedOrdersOnly);
        Assert.Equal([null, null], _largest); // every group, to keep
        Assert.Equal(2L, aggregator.Statistics.Misses);
    }

    [Fact]
    public async Task A_range_computed_and_kept_for_nothing_is_asked_for_its_largest_groups_only_for_a_while_then_kept_again()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator); // computed and kept
        for (var ask = 0; ask <= RangeAggregator.DirectAnswersAfterWaste; ask++)
        {
            // Before every ask: a merge across January's kept block, so nothing kept is ever exact at the next ask.
            _table.Insert(OrdersTableModel.Order(1, 110 + ask, new DateOnly(2026, 1, 10), "EUR", ask, customer: "c5"));
            _table.Merge("202601", 1, long.MaxValue);

            Assert.Equal(await ExpectedAsync(), await AskAsync(aggregator));
        }

        // The kept range was not used: the next answers ask for the largest 3 over every partition, as a query would;
        // then keeping is tried again.
        Assert.Equal([null, .. Enumerable.Repeat<int?>(3, RangeAggregator.DirectAnswersAfterWaste), null], _largest);
        Assert.All(_table.Computed.Skip(1).SkipLast(1), s => Assert.All(s!.Partitions, p => Assert.Equal(PartitionRead.Unbounded, p.UpTo)));
        Assert.Equal((2L, (long)RangeAggregator.DirectAnswersAfterWaste, 1), (aggregator.Statistics.Misses, aggregator.Statistics.Direct, aggregator.Statistics.Entries));
    }

    [Fact]
    public async Task A_merge_across_a_block_read_up_to_while_computing_makes_the_range_asked_again_unbounded_and_not_kept()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 1), "EUR", 50, version: 2, customer: "c1"));
        // Right after the listing, before the queries run: a newer insert, and a merge of it with February's kept part.
        _table.AfterRead.Enqueue(() =>
        {
            _table.Insert(OrdersTableModel.Order(2, 202, new DateOnly(2026, 2, 2), "EUR", 70, version: 2, customer: "c2"));
            _table.Merge("202602", 2, 6);
        });

        var answer = await AskAsync(aggregator);

        Assert.Equal(await ExpectedAsync(), answer); // both changes: the answer is as of the parts the last query read
        Assert.Equal(new GroupTotal("c2", "EUR", 3, 2m + 70m + 2m), answer[0]);
        Assert.All(_table.Computed[^1]!.Partitions, p => Assert.Equal(PartitionRead.Unbounded, p.UpTo));
        Assert.Equal(["202601", "202602", "202603"], PartitionsOf(_table.Computed[^1]));

        await AskAsync(aggregator);
        Assert.False(_table.Computed[^1]!.ChangedOrdersOnly); // not kept: computed again, then kept
        Assert.Equal(_table.Parts.Values.Select(p => p.Max(b => b.MaxBlock)).Order(), _table.Computed[^1]!.Partitions.Select(p => p.UpTo).Order());
    }

    [Fact]
    public async Task A_range_merged_across_while_it_is_computed_whole_is_asked_for_its_largest_groups_only_next_time()
    {
        var aggregator = Aggregator();
        _table.AfterRead.Enqueue(() =>
        {
            _table.Insert(OrdersTableModel.Order(1, 150, new DateOnly(2026, 1, 9), "EUR", 30, customer: "c8"));
            _table.Merge("202601", 1, long.MaxValue); // across the block January is being read up to
        });

        var first = await AskAsync(aggregator); // the merge happens right after this listing
        Assert.Equal(await ExpectedAsync(), first);
        var second = await AskAsync(aggregator);
        Assert.Equal(await ExpectedAsync(), second);

        Assert.Equal([null, 3, 3], _largest); // every group (to keep), then the largest only: once checked, once next
        Assert.Equal((1L, 1L, 0), (aggregator.Statistics.Misses, aggregator.Statistics.Direct, aggregator.Statistics.Entries));
    }

    [Fact]
    public async Task Partitions_the_range_cuts_are_computed_over_the_range_each_time_and_added_to_the_kept_ones()
    {
        var aggregator = Aggregator();
        var (from, to) = (From.AddDays(3), To.AddDays(-20).AddHours(1)); // January from its 4th, March up to its 11th
        var first = await AskAsync(aggregator, 10, from, to);
        var second = await AskAsync(aggregator, 10, from, to);

        Assert.Equal(first, second);
        Assert.Equal(await ExpectedAsync(10, from, to), first);
        Assert.Equal([["202601", "202603"], ["202602"], ["202601", "202603"]], _table.Computed.Select(PartitionsOf).Select(p => p.Order().ToArray()));
        Assert.All(_table.Computed[^1]!.Partitions, p => Assert.Equal(PartitionRead.Unbounded, p.UpTo));
        Assert.Equal([new GroupTotal("c5", "EUR", 3, 15m), new GroupTotal("c4", "EUR", 3, 12m), new GroupTotal("c3", "EUR", 2, 6m), new GroupTotal("c2", "EUR", 2, 4m), new GroupTotal("c1", "EUR", 2, 2m)], first);
    }

    [Theory]
    [InlineData(PartitionExtension.Never)]
    [InlineData(PartitionExtension.WhenCheaper)] // the model's range is far below 16 granules: computing it again is cheaper
    public async Task Without_extension_newer_blocks_make_the_range_computed_again(PartitionExtension extension)
    {
        var aggregator = Aggregator(extension);
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 1), "EUR", 50, version: 2, customer: "c1"));

        Assert.Equal(await ExpectedAsync(), await AskAsync(aggregator));
        Assert.Equal(2, _table.Computed.Count);
        Assert.False(_table.Computed[^1]!.ChangedOrdersOnly);
    }

    [Theory]
    [InlineData(73, true)] // 600,084 rows are 73 granules: at most a granule to read per granule of the range
    [InlineData(74, false)]
    public async Task By_default_the_range_is_extended_while_the_granules_to_read_are_at_most_its_own(int newerRows, bool extended)
    {
        var aggregator = Aggregator(PartitionExtension.WhenCheaper);
        var february = _table.Parts["202602"];
        february[0] = february[0] with { Rows = 600_000 }; // 74 granules, as the model's tiny table is kept

        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 1), "EUR", 50, version: 2, customer: "c1"));
        // Newer rows over all of February's kept span: each can be in a granule of its own.
        february[^1] = february[^1] with { Rows = newerRows, MinCreatedAt = february[0].MinCreatedAt, MaxCreatedAt = february[0].MaxCreatedAt };

        Assert.Equal(await ExpectedAsync(), await AskAsync(aggregator));
        Assert.Equal(extended, _table.Computed[^1]!.ChangedOrdersOnly);
    }

    [Fact]
    public async Task A_range_of_more_groups_than_the_bound_is_not_kept()
    {
        var aggregator = Aggregator(maxGroups: 5); // six groups
        await AskAsync(aggregator);
        await AskAsync(aggregator);

        Assert.Equal(2, _table.Computed.Count);
        Assert.Equal(0, aggregator.Statistics.Entries);
    }

    [Fact]
    public async Task Without_parts_the_whole_table_is_asked()
    {
        _table.Clear();
        Assert.Empty(await AskAsync(Aggregator()));
        Assert.Equal([null], _table.Computed);
    }
}

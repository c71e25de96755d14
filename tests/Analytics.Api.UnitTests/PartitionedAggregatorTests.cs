using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// Which partitions an aggregate reuses, extends by the changes of newer blocks, or computes; and that the answer is
/// always the one a full query gives, on a model of the table (<see cref="OrdersTableModel"/>).
/// </summary>
public sealed class PartitionedAggregatorTests
{
    private static readonly DateTime From = OrdersTableModel.QuarterStart;
    private static readonly DateTime To = OrdersTableModel.QuarterEnd;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersTableModel _table = new();

    public PartitionedAggregatorTests()
    {
        // Each month: one EUR order on each of its first ten days, each worth the month's number; March also has one
        // USD order worth 7 on its 20th. A partition that is not a month has one EUR order worth 0.
        foreach (var month in new[] { 1, 2, 3 })
        {
            _table.Insert([.. Enumerable.Range(0, 10).Select(d => OrdersTableModel.Order(month, (month * 100) + d, new DateOnly(2026, month, 1 + d), "EUR", month))]);
        }

        _table.Insert(OrdersTableModel.Order(3, 399, new DateOnly(2026, 3, 20), "USD", 7));
    }

    /// <summary>Extending always: the model's partitions are far too small for it to pay (that rule: PartitionResultCacheTests).</summary>
    private static PartitionResultCache Cache() => new(Options.Create(new AnalyticsOptions { ExtendKeptPartitions = PartitionExtension.Always }));

    private PartitionedAggregator Aggregator(PartitionResultCache? cache = null) => new(_table.ReadParts, cache ?? Cache());

    private static PartitionResultCache NoCache() => new(Options.Create(new AnalyticsOptions { PartitionCacheMaxEntries = 0 }));

    /// <summary>FINAL over what the scope reads, grouped by partition, day and currency, over the range's days.</summary>
    private Task<IReadOnlyList<PartitionTotal>> Compute(PartsScope? scope, DateTime from, DateTime to, CancellationToken _) =>
        Task.FromResult<IReadOnlyList<PartitionTotal>>([.. _table.Current(scope, from, to)
            .GroupBy(r => (Partition: scope is null ? "" : r.Partition, r.Day, r.Currency))
            .Select(g => new PartitionTotal(g.Key.Partition, g.Key.Day, new GroupTotal("eu", g.Key.Currency, g.Count(), g.Sum(r => r.Amount))))]);

    private async Task<List<GroupTotal>> AskAsync(PartitionedAggregator aggregator, DateTime? from = null, DateTime? to = null) =>
        [.. (await aggregator.AggregateAsync("shape", from ?? From, to ?? To, Compute, _ct)).OrderBy(r => r.Currency)];

    /// <summary>What a full query gives now (nothing kept).</summary>
    private async Task<List<GroupTotal>> ExpectedAsync(DateTime? from = null, DateTime? to = null)
    {
        var computed = _table.Computed.Count;
        var rows = await AskAsync(Aggregator(NoCache()), from, to);
        _table.ForgetFrom(computed);
        return rows;
    }

    private static string[] PartitionsOf(PartsScope? scope) => scope is null ? ["(whole table)"] : [.. scope.Partitions.Select(p => p.Partition)];

    [Fact]
    public async Task Whole_partitions_are_computed_once_and_reused_while_no_block_comes()
    {
        var aggregator = Aggregator();
        var first = await AskAsync(aggregator);
        var second = await AskAsync(aggregator);

        Assert.Equal([["202601", "202602", "202603"]], _table.Computed.Select(PartitionsOf));
        Assert.Equal(first, second);
        Assert.Equal([new GroupTotal("eu", "EUR", 30, 60m), new GroupTotal("eu", "USD", 1, 7m)], second);
    }

    [Fact]
    public async Task A_partition_with_newer_blocks_is_extended_by_its_changed_orders_only_and_stays_exact()
    {
        var cache = Cache();
        var aggregator = Aggregator(cache);
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 200, new DateOnly(2026, 2, 1), "EUR", 50, version: 2), // an update
            OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 2), "EUR", 2, version: 2, deleted: true), // a delete
            OrdersTableModel.Order(2, 202, new DateOnly(2026, 2, 3), "EUR", 99, version: 0), // a late older version: changes nothing
            OrdersTableModel.Order(2, 250, new DateOnly(2026, 2, 25), "USD", 4)); // a new order, in a currency the month had none of
        _table.Insert(OrdersTableModel.Order(2, 200, new DateOnly(2026, 2, 1), "EUR", 50, version: 2)); // redelivered
        _table.Merge("202602", 5, 6); // a merge of newer blocks only

        var answer = await AskAsync(aggregator);

        Assert.Equal(await ExpectedAsync(), answer);
        Assert.Equal([new GroupTotal("eu", "EUR", 29, 60m - 2m - 2m + 50m), new GroupTotal("eu", "USD", 2, 11m)], answer);
        // The two changed-orders computations, as of the kept block 2 and as of block 6; nothing else.
        Assert.Equal([(true, "202602", 2L, 2L, 6L), (true, "202602", 6L, 2L, 6L)],
            _table.Computed.Skip(1).Select(s => (s!.ChangedOrdersOnly, s.Partitions[0].Partition, s.Partitions[0].UpTo, s.Partitions[0].ChangedAfter, s.Partitions[0].ChangedUpTo)).Order());
        Assert.Equal((1L, 3L), (cache.Statistics.Extensions, cache.Statistics.Misses));

        // Kept as of block 6 now: asked again, nothing is computed.
        Assert.Equal(answer, await AskAsync(aggregator));
        Assert.Equal(3, _table.Computed.Count);
    }

    [Fact]
    public async Task A_merge_across_the_kept_block_or_a_mutation_or_a_new_table_makes_it_computed_whole_again()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(1, 100, new DateOnly(2026, 1, 1), "EUR", 9, version: 2), OrdersTableModel.Order(2, 200, new DateOnly(2026, 2, 1), "EUR", 9, version: 2),
            OrdersTableModel.Order(3, 300, new DateOnly(2026, 3, 1), "EUR", 9, version: 2));
        _table.Merge("202601", 1, 5); // January: its kept rows (block 1) and the new block in one part
        var parts = _table.Parts["202602"];
        parts[0] = parts[0] with { DataVersion = 5 }; // February: mutated after it was kept

        var answer = await AskAsync(aggregator);

        Assert.Equal(await ExpectedAsync(), answer);
        Assert.Equal(["202601", "202602"], PartitionsOf(_table.Computed[1])); // computed whole
        Assert.False(_table.Computed[1]!.ChangedOrdersOnly);
        Assert.Equal(["202603"], PartitionsOf(_table.Computed[2])); // March: extended

        _table.Table = "uuid-2"; // exchanged for a rebuilt table
        await AskAsync(aggregator);
        Assert.Equal(["202601", "202602", "202603"], PartitionsOf(_table.Computed[^1]));
    }

    [Fact]
    public async Task A_merge_across_a_block_read_up_to_while_computing_makes_the_partition_asked_again_unbounded_and_not_kept()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        _table.Insert(OrdersTableModel.Order(2, 200, new DateOnly(2026, 2, 1), "EUR", 50, version: 2));
        // Right after the listing, before the queries run: a newer insert, and a merge of it with February's kept part.
        _table.AfterRead.Enqueue(() =>
        {
            _table.Insert(OrdersTableModel.Order(2, 201, new DateOnly(2026, 2, 2), "EUR", 70, version: 2));
            _table.Merge("202602", 2, 6);
        });

        var answer = await AskAsync(aggregator);

        Assert.Equal(await ExpectedAsync(), answer); // both changes: the answer is as of the parts the last query read
        Assert.Equal([new GroupTotal("eu", "EUR", 30, 60m - 2m - 2m + 50m + 70m), new GroupTotal("eu", "USD", 1, 7m)], answer);
        var again = _table.Computed[^1]!;
        Assert.Equal([("202602", PartitionRead.Unbounded)], again.Partitions.Select(p => (p.Partition, p.UpTo)));

        await AskAsync(aggregator);
        Assert.Equal(["202602"], PartitionsOf(_table.Computed[^1])); // not kept: computed whole now
        Assert.False(_table.Computed[^1]!.ChangedOrdersOnly);
    }

    [Fact]
    public async Task Shapes_are_kept_apart()
    {
        var aggregator = Aggregator();
        await aggregator.AggregateAsync("by region", From, To, Compute, _ct);
        await aggregator.AggregateAsync("by status", From, To, Compute, _ct);

        Assert.Equal(2, _table.Computed.Count);
    }

    [Fact]
    public async Task Partitions_a_range_of_instants_cuts_are_computed_over_the_range_and_never_kept_and_those_outside_it_skipped()
    {
        _table.Insert(OrdersTableModel.Order(12, 1299, new DateOnly(2025, 12, 5), "EUR", 1) with { Partition = "202512" }); // before the range
        var aggregator = Aggregator();
        var (from, to) = (From.AddDays(5).AddHours(6), To.AddDays(-3).AddMinutes(1));
        var rows = await AskAsync(aggregator, from, to);
        await AskAsync(aggregator, from, to);

        // February is whole in the range: computed once, then kept; January and March are cut: computed each time.
        Assert.Equal([["202602", "202601", "202603"], ["202601", "202603"]], _table.Computed.Select(PartitionsOf));
        Assert.Equal((from, to), _table.Ranges[1]);
        Assert.All(_table.Computed[1]!.Partitions, p => Assert.Equal(PartitionRead.Unbounded, p.UpTo));
        // January from its 6th (the model counts whole days), February whole, March up to its 10th; the USD order of March 20th is in.
        Assert.Equal([new GroupTotal("eu", "EUR", 5 + 10 + 10, 5m + 20m + 30m), new GroupTotal("eu", "USD", 1, 7m)], rows);
    }

    [Fact]
    public async Task A_range_of_whole_days_takes_the_days_of_the_partitions_it_cuts_from_the_cache()
    {
        var aggregator = Aggregator();
        await AskAsync(aggregator); // warm: every month whole
        var lastDays = await AskAsync(aggregator, From.AddDays(8), To.AddDays(-12));
        var firstDays = await AskAsync(aggregator, From, From.AddDays(3));

        Assert.Single(_table.Computed); // nothing asked again: cut months come from their days
        Assert.Equal([new GroupTotal("eu", "EUR", 2 + 10 + 10, 2m + 20m + 30m)], lastDays); // Jan 9–10, February, March 1–10; not March 20th
        Assert.Equal([new GroupTotal("eu", "EUR", 3, 3m)], firstDays);
    }

    [Fact]
    public async Task A_cut_partition_not_yet_kept_is_computed_whole_then_kept()
    {
        var aggregator = Aggregator();
        var rows = await AskAsync(aggregator, From.AddDays(8), To.AddDays(-12));
        await AskAsync(aggregator);

        Assert.Equal([(From, To)], _table.Ranges); // the months whole, once; the second question reuses them all
        Assert.Equal([new GroupTotal("eu", "EUR", 22, 52m)], rows);
    }

    [Fact]
    public async Task A_partition_that_is_not_a_month_is_always_computed()
    {
        _table.Clear();
        _table.Insert(OrdersTableModel.Order(1, 1, new DateOnly(2026, 1, 1), "EUR", 0) with { Partition = "all" }); // a version 1 table during a migration
        var aggregator = Aggregator();
        await AskAsync(aggregator);
        await AskAsync(aggregator);

        Assert.Equal([["all"], ["all"]], _table.Computed.Select(PartitionsOf));
    }

    [Fact]
    public async Task Without_parts_the_whole_table_is_asked()
    {
        _table.Clear(); // empty, or a Distributed table (no parts of its own)
        var rows = await AskAsync(Aggregator());

        Assert.Equal([null], _table.Computed);
        Assert.Empty(rows);
    }

    [Fact]
    public async Task A_partition_with_no_rows_left_is_kept_as_empty()
    {
        var aggregator = Aggregator();
        var none = new PartitionedAggregator.Compute((scope, _, _, _) =>
        {
            _table.Computed.Add(scope);
            return Task.FromResult<IReadOnlyList<PartitionTotal>>([]);
        });
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));

        Assert.Single(_table.Computed);
    }
}

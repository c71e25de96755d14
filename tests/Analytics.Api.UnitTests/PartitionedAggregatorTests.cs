using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// Which partitions an aggregate reuses and which it computes: whole partitions in the range, and partitions a range
/// of whole days cuts, come from the cache while their signature holds; changed ones, ones cut by a range that is not
/// whole days, and ones that are not months are computed (in one call); the answer is the sum over all of them.
/// </summary>
public sealed class PartitionedAggregatorTests
{
    private static readonly DateTime From = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime To = new(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly List<IReadOnlyList<string>?> _computed = [];
    private readonly List<(DateTime From, DateTime To)> _ranges = [];
    private Dictionary<string, string> _parts = new() { ["202601"] = "a", ["202602"] = "b", ["202603"] = "c" };

    private PartitionedAggregator Aggregator(PartitionResultCache? cache = null) =>
        new(_ => Task.FromResult(_parts.Count == 0 ? PartsSnapshot.None : new PartsSnapshot(new Dictionary<string, string>(_parts))),
            cache ?? new PartitionResultCache(Options.Create(new AnalyticsOptions())));

    /// <summary>
    /// Each month has one EUR order on each of its first ten days, each worth the month's number, plus two USD orders
    /// worth 7 on March 20th; a partition that is not a month has one EUR order worth 0. Only days in the range count.
    /// </summary>
    private Task<IReadOnlyList<PartitionTotal>> Compute(IReadOnlyList<string>? partitions, DateTime from, DateTime to, CancellationToken _)
    {
        _computed.Add(partitions);
        _ranges.Add((from, to));
        var rows = new List<PartitionTotal>();
        foreach (var p in partitions ?? ["whole"])
        {
            if (p.Length != 6)
            {
                rows.Add(new PartitionTotal(p, new DateOnly(2026, 1, 1), new GroupTotal("eu", "EUR", 1, 0m)));
                continue;
            }

            var month = new DateOnly(int.Parse(p[..4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(p[4..], System.Globalization.CultureInfo.InvariantCulture), 1);
            rows.AddRange(Enumerable.Range(0, 10).Select(d => month.AddDays(d)).Select(day => new PartitionTotal(p, day, new GroupTotal("eu", "EUR", 1, month.Month))));
            if (month.Month == 3)
            {
                rows.Add(new PartitionTotal(p, month.AddDays(19), new GroupTotal("eu", "USD", 2, 7m)));
            }
        }

        var (first, end) = (DateOnly.FromDateTime(from), DateOnly.FromDateTime(to.AddTicks(-1)));
        return Task.FromResult<IReadOnlyList<PartitionTotal>>([.. rows.Where(r => r.Day >= first && r.Day <= end)]);
    }

    [Fact]
    public async Task Whole_partitions_are_computed_once_and_reused_while_their_parts_are_unchanged()
    {
        var aggregator = Aggregator();
        var first = await aggregator.AggregateAsync("shape", From, To, Compute, _ct);
        var second = await aggregator.AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([["202601", "202602", "202603"]], _computed);
        Assert.Equal(first.OrderBy(r => r.Currency), second.OrderBy(r => r.Currency));
        Assert.Equal([new GroupTotal("eu", "EUR", 30, 60m), new GroupTotal("eu", "USD", 2, 7m)], second.OrderBy(r => r.Currency));
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
    public async Task Partitions_a_range_of_instants_cuts_are_computed_over_the_range_and_never_kept_and_those_outside_it_skipped()
    {
        _parts["202512"] = "z"; // before the range
        var aggregator = Aggregator();
        var (from, to) = (From.AddDays(5).AddHours(6), To.AddDays(-3).AddMinutes(1));
        var rows = await aggregator.AggregateAsync("shape", from, to, Compute, _ct);
        await aggregator.AggregateAsync("shape", from, to, Compute, _ct);

        // February is whole in the range: computed once, then kept; January and March are cut: computed each time.
        Assert.Equal([["202602", "202601", "202603"], ["202601", "202603"]], _computed);
        Assert.Equal((from, to), _ranges[1]);
        // January from its 6th (the fake counts whole days), February whole, March up to its 10th; the USD order of March 20th is in.
        Assert.Equal([new GroupTotal("eu", "EUR", 5 + 10 + 10, 5m + 20m + 30m), new GroupTotal("eu", "USD", 2, 7m)], rows.OrderBy(r => r.Currency));
    }

    [Fact]
    public async Task A_range_of_whole_days_takes_the_days_of_the_partitions_it_cuts_from_the_cache()
    {
        var aggregator = Aggregator();
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct); // warm: every month whole
        var lastDays = await aggregator.AggregateAsync("shape", From.AddDays(8), To.AddDays(-12), Compute, _ct);
        var firstDays = await aggregator.AggregateAsync("shape", From, From.AddDays(3), Compute, _ct);

        Assert.Single(_computed); // nothing asked again: cut months come from their days
        Assert.Equal([new GroupTotal("eu", "EUR", 2 + 10 + 10, 2m + 20m + 30m)], lastDays); // Jan 9–10, February, March 1–10; not March 20th
        Assert.Equal([new GroupTotal("eu", "EUR", 3, 3m)], firstDays);
    }

    [Fact]
    public async Task A_cut_partition_not_yet_kept_is_computed_whole_then_kept()
    {
        var aggregator = Aggregator();
        var rows = await aggregator.AggregateAsync("shape", From.AddDays(8), To.AddDays(-12), Compute, _ct);
        await aggregator.AggregateAsync("shape", From, To, Compute, _ct);

        Assert.Equal([(From, To)], _ranges); // the months whole, once; the second question reuses them all
        Assert.Equal([new GroupTotal("eu", "EUR", 22, 52m)], rows);
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
        var none = new PartitionedAggregator.Compute((partitions, _, _, _) =>
        {
            _computed.Add(partitions);
            return Task.FromResult<IReadOnlyList<PartitionTotal>>([]);
        });
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));
        Assert.Empty(await aggregator.AggregateAsync("shape", From, To, none, _ct));

        Assert.Single(_computed);
    }
}

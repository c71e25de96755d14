using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>Swapping some orders' contribution: what a query over the changed rows would return, nothing more.</summary>
public sealed class PartitionAggregateTests
{
    private static readonly DateOnly Day1 = new(2026, 1, 1);
    private static readonly DateOnly Day2 = new(2026, 1, 2);

    [Fact]
    public void A_changed_order_moves_between_groups_and_a_group_left_empty_is_gone()
    {
        var kept = PartitionAggregate.From([(Day1, new GroupTotal("eu", "EUR", 2, 30m)), (Day2, new GroupTotal("us", "USD", 1, 5m))]);

        // One EUR order of day 1 worth 10 is now worth 12; the USD order of day 2 was deleted; a new GBP order came.
        var now = kept.With(
            before: [(Day1, new GroupTotal("eu", "EUR", 1, 10m)), (Day2, new GroupTotal("us", "USD", 1, 5m))],
            after: [(Day1, new GroupTotal("eu", "EUR", 1, 12m)), (Day2, new GroupTotal("eu", "GBP", 1, 7m))]);

        Assert.Equal([(Day1, new GroupTotal("eu", "EUR", 2, 32m)), (Day2, new GroupTotal("eu", "GBP", 1, 7m))], now.Days.OrderBy(d => d.Day));
        Assert.Equal([new GroupTotal("eu", "EUR", 2, 32m), new GroupTotal("eu", "GBP", 1, 7m)], now.Totals.OrderBy(t => t.Currency));
    }
}

using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>An aggregate of many groups: a change is a new aggregate, an emptied group is gone, the largest come first.</summary>
public sealed class GroupTotalsTests
{
    private static readonly GroupTotal C1 = new("c1", "EUR", 2, 30m);
    private static readonly GroupTotal C2 = new("c2", "EUR", 1, 10m);

    [Fact]
    public void A_group_whose_orders_all_left_is_gone_and_the_original_is_unchanged()
    {
        var totals = GroupTotals.From([C1, C2]);
        var changed = totals.With(before: [C2], after: [C1 with { Orders = 1, Amount = 5m }]);

        Assert.Equal([new GroupTotal("c1", "EUR", 3, 35m)], changed.Largest(10));
        Assert.Equal([C1, C2], totals.Largest(10));
    }

    [Fact]
    public void The_largest_are_by_amount_then_key_then_currency()
    {
        var totals = GroupTotals.From([C2, C1, new("c0", "USD", 1, 10m), new("c0", "EUR", 1, 10m)]);

        Assert.Equal([C1, new("c0", "EUR", 1, 10m), new("c0", "USD", 1, 10m)], totals.Largest(3));
        Assert.Empty(totals.Largest(0));
    }
}

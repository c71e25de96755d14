using PolyglotAspire.Analytics.Queries;

namespace PolyglotAspire.Analytics.UnitTests;

public sealed class SummaryTests
{
    [Fact]
    public void Revenue_counts_only_paid_shipped_and_delivered()
    {
        var summary = Summary.From(
        [
            new StatusRow("new", "EUR", 4, 400m),
            new StatusRow("paid", "EUR", 2, 30.10m),
            new StatusRow("shipped", "EUR", 1, 9.90m),
            new StatusRow("delivered", "EUR", 1, 20m),
            new StatusRow("cancelled", "EUR", 3, 300m),
        ]);

        Assert.Equal(11, summary.Orders);
        var eur = Assert.Single(summary.ByCurrency);
        Assert.Equal(("EUR", 11L, 60.00m, 4L, 15.00m), (eur.Currency, eur.Orders, eur.Revenue, eur.RevenueOrders, eur.AverageOrderValue));
        Assert.Equal(["cancelled", "delivered", "new", "paid", "shipped"], eur.ByStatus.Select(s => s.Status));
    }

    [Fact]
    public void Money_is_never_added_across_currencies()
    {
        var summary = Summary.From(
        [
            new StatusRow("paid", "USD", 1, 100m),
            new StatusRow("paid", "EUR", 2, 30m),
            new StatusRow("new", "GBP", 5, 7m),
            new StatusRow("delivered", "EUR", 1, 3m),
        ]);

        Assert.Equal(9, summary.Orders); // counts add up; amounts stay per currency
        Assert.Equal(["EUR", "GBP", "USD"], summary.ByCurrency.Select(c => c.Currency));
        Assert.Equal([33m, 0m, 100m], summary.ByCurrency.Select(c => c.Revenue));
        Assert.Equal([11m, 0m, 100m], summary.ByCurrency.Select(c => c.AverageOrderValue));
        Assert.Equal([3L, 5L, 1L], summary.ByCurrency.Select(c => c.Orders));
    }

    [Fact]
    public void No_revenue_orders_means_an_average_of_zero_and_no_rows_means_no_currencies()
    {
        var eur = Assert.Single(Summary.From([new StatusRow("new", "EUR", 2, 10m)]).ByCurrency);
        Assert.Equal((0m, 0m), (eur.Revenue, eur.AverageOrderValue));

        var empty = Summary.From([]);
        Assert.Equal(0, empty.Orders);
        Assert.Empty(empty.ByCurrency);
    }
}

namespace PolyglotAspire.Analytics.Queries;

/// <summary>One currency's totals over a range: every amount in <see cref="Currency"/>.</summary>
public sealed record CurrencySummary(
    string Currency, long Orders, decimal Revenue, long RevenueOrders, decimal AverageOrderValue, IReadOnlyList<StatusTotal> ByStatus)
{
    /// <summary>The totals of one currency's per-status rows, with <see cref="AnalyticsDefinitions"/>.</summary>
    public static CurrencySummary From(string currency, IEnumerable<StatusRow> rows)
    {
        var byStatus = rows.Select(r => new StatusTotal(r.Status, r.Orders, r.Total)).OrderBy(s => s.Status, StringComparer.Ordinal).ToList();
        var revenueRows = byStatus.Where(s => AnalyticsDefinitions.RevenueStatuses.Contains(s.Status)).ToList();
        var revenue = revenueRows.Sum(s => s.Total);
        var revenueOrders = revenueRows.Sum(s => s.Orders);
        return new CurrencySummary(
            currency,
            byStatus.Sum(s => s.Orders),
            revenue,
            revenueOrders,
            revenueOrders == 0 ? 0m : decimal.Round(revenue / revenueOrders, 2, MidpointRounding.ToEven),
            byStatus);
    }
}

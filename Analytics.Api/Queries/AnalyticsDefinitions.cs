namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// The definitions users rely on (DESIGN.md), in one place for both stores: orders = non-deleted orders;
/// revenue = sum of totals of non-deleted orders whose current status is one of <see cref="RevenueStatuses"/>;
/// time buckets use created_at in UTC; ranges are [from, to).
/// </summary>
public static class AnalyticsDefinitions
{
    public static readonly string[] RevenueStatuses = ["paid", "shipped", "delivered"];

    /// <summary>Earliest and latest instants a range may name (ClickHouse DateTime64(3) covers 1900–2299).</summary>
    public static readonly DateTime MinTime = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime MaxTime = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);
}

/// <summary>How revenue rows are bucketed. Keys: region name, status, <c>yyyy-MM-dd</c> (day), <c>yyyy-MM</c> (month).</summary>
public enum GroupBy
{
    Region,
    Status,
    Day,
    Month,
}

/// <summary>A half-open UTC time range on created_at.</summary>
public readonly record struct TimeRange(DateTime From, DateTime To)
{
    public static readonly TimeRange All = new(AnalyticsDefinitions.MinTime, AnalyticsDefinitions.MaxTime);
}

public sealed record RevenueRow(string Key, long Orders, decimal Revenue);

public sealed record CustomerRow(string CustomerId, long Orders, decimal Revenue);

public sealed record StatusRow(string Status, long Orders, decimal Total);

/// <summary>Totals over a range; computed from per-status rows with <see cref="AnalyticsDefinitions"/>.</summary>
public sealed record Summary(long Orders, decimal Revenue, long RevenueOrders, decimal AverageOrderValue, IReadOnlyList<StatusRow> ByStatus)
{
    public static Summary From(IReadOnlyList<StatusRow> byStatus)
    {
        var revenueRows = byStatus.Where(s => AnalyticsDefinitions.RevenueStatuses.Contains(s.Status)).ToList();
        var revenue = revenueRows.Sum(s => s.Total);
        var revenueOrders = revenueRows.Sum(s => s.Orders);
        return new Summary(
            byStatus.Sum(s => s.Orders),
            revenue,
            revenueOrders,
            revenueOrders == 0 ? 0m : decimal.Round(revenue / revenueOrders, 2, MidpointRounding.ToEven),
            [.. byStatus.OrderBy(s => s.Status, StringComparer.Ordinal)]);
    }
}

namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// The definitions users rely on (DESIGN.md), in one place for both stores: orders = non-deleted orders;
/// revenue = sum of totals of non-deleted orders whose current status is one of <see cref="RevenueStatuses"/>;
/// time buckets use created_at in UTC; ranges are [from, to). Money is never added across currencies: every
/// amount belongs to one currency, and answers have one row per (key, currency).
/// </summary>
public static class AnalyticsDefinitions
{
    public static readonly string[] RevenueStatuses = ["paid", "shipped", "delivered"];

    /// <summary>Earliest and latest instants a range may name (ClickHouse DateTime64(3) covers 1900–2299).</summary>
    public static readonly DateTime MinTime = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime MaxTime = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>How rows are ordered in every answer of both stores: by key, then currency, ordinally (PostgreSQL's <c>"C"</c>).</summary>
    public static int Compare(string key1, string currency1, string key2, string currency2)
    {
        var byKey = string.CompareOrdinal(key1, key2);
        return byKey != 0 ? byKey : string.CompareOrdinal(currency1, currency2);
    }
}

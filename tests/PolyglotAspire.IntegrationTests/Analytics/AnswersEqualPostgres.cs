using System.Globalization;
using System.Text.Json;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Asks Analytics.Api every question — revenue by region, status, day and month, top customers, the summary — for all
/// currencies and for each currency alone, over a range, and asserts every answer is ClickHouse's and equals what
/// PostgreSQL says (<see cref="ExpectedFromPostgres"/>): the exactness check the cache and migration tests share.
/// </summary>
internal static class AnswersEqualPostgres
{
    private static readonly (string GroupBy, string Bucket)[] Buckets =
    [
        ("region", ExpectedFromPostgres.ByRegion), ("status", ExpectedFromPostgres.ByStatus),
        ("day", ExpectedFromPostgres.ByDay), ("month", ExpectedFromPostgres.ByMonth),
    ];

    public static async Task AssertAsync(AnalyticsClient analytics, ExpectedFromPostgres expected, CancellationToken ct, DateTime? from = null, DateTime? to = null)
    {
        var range = (from is { } f ? $"&from={Instant(f)}" : "") + (to is { } t ? $"&to={Instant(t)}" : "");
        foreach (var currency in (await expected.CurrenciesAsync(ct)).Prepend(null))
        {
            var filter = (currency is null ? "" : $"&currency={currency}") + range;
            foreach (var (groupBy, bucket) in Buckets)
            {
                var answer = await analytics.GetAsync($"/api/analytics/revenue?groupBy={groupBy}{filter}", ct);
                Assert.Equal("olap", answer.Source);
                Assert.Equal(await expected.RevenueAsync(bucket, currency, ct, from, to), Rows(answer.Data, "key"));
            }

            var top = await analytics.GetAsync($"/api/analytics/top-customers?limit=15{filter}", ct);
            Assert.Equal(await expected.TopCustomersAsync(15, currency, ct, from, to), Rows(top.Data, "customerId"));

            var summary = (await analytics.GetAsync($"/api/analytics/summary?{filter.TrimStart('&')}", ct)).Data;
            var totals = await expected.TotalsAsync(currency, ct, from, to);
            Assert.Equal(totals.Sum(t => t.Orders), summary.GetProperty("orders").GetInt64());
            Assert.Equal(totals, [.. summary.GetProperty("byCurrency").EnumerateArray().Select(c =>
                (c.GetProperty("currency").GetString()!, c.GetProperty("orders").GetInt64(), c.GetProperty("revenue").GetDecimal()))]);
        }
    }

    /// <summary>Rows of (key, currency, orders, revenue) as an answer has them.</summary>
    public static List<(string Key, string Currency, long Orders, decimal Revenue)> Rows(JsonElement data, string keyName) =>
        [.. data.EnumerateArray().Select(r => (r.GetProperty(keyName).GetString()!, r.GetProperty("currency").GetString()!,
            r.GetProperty("orders").GetInt64(), r.GetProperty("revenue").GetDecimal()))];

    private static string Instant(DateTime time) => Uri.EscapeDataString(time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}

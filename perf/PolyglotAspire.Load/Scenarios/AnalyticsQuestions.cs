using PolyglotAspire.Analytics.Queries;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// One question the dashboard asks: its name, its Analytics.Api path (with query string), and the same question
/// asked of a store directly (the very code Analytics.Api runs for it).
/// </summary>
internal sealed record AnalyticsQuestion(string Name, string Path, Func<IAnalyticsStore, CancellationToken, Task> Ask)
{
    /// <summary>The API path with one more query parameter, e.g. <c>consistency=eventual</c>.</summary>
    public string PathWith(string parameter) => Path + (Path.Contains('?', StringComparison.Ordinal) ? '&' : '?') + parameter;
}

/// <summary>
/// The revenue, top-customers and summary questions every analytics scenario asks, all time and last 30 days, in one
/// currency as the dashboard asks them (money is never added across currencies).
/// </summary>
internal static class AnalyticsQuestions
{
    public const string Currency = "EUR";

    public static AnalyticsQuestion[] All(DateTime today)
    {
        var last30 = new TimeRange(today.AddDays(-29), today.AddDays(1));
        const string c = "currency=" + Currency;
        var last30Query = $"from={last30.From:yyyy-MM-dd}&to={today:yyyy-MM-dd}&{c}";
        return
        [
            new("revenue by region, all time", $"revenue?groupBy=region&{c}", (s, ct) => s.RevenueAsync(GroupBy.Region, TimeRange.All, null, Currency, ct)),
            new("revenue by month, all time", $"revenue?groupBy=month&{c}", (s, ct) => s.RevenueAsync(GroupBy.Month, TimeRange.All, null, Currency, ct)),
            new("revenue by status, all time", $"revenue?groupBy=status&{c}", (s, ct) => s.RevenueAsync(GroupBy.Status, TimeRange.All, null, Currency, ct)),
            new("revenue by day, last 30 days", $"revenue?groupBy=day&{last30Query}", (s, ct) => s.RevenueAsync(GroupBy.Day, last30, null, Currency, ct)),
            new("revenue by day, one region, last 30 days", $"revenue?groupBy=day&region=eu-west&{last30Query}", (s, ct) => s.RevenueAsync(GroupBy.Day, last30, "eu-west", Currency, ct)),
            new("top 10 customers, all time", $"top-customers?limit=10&{c}", (s, ct) => s.TopCustomersAsync(TimeRange.All, 10, Currency, ct)),
            new("summary, all time", $"summary?{c}", (s, ct) => s.ByStatusAsync(TimeRange.All, Currency, ct)),
            new("summary, last 30 days", $"summary?{last30Query}", (s, ct) => s.ByStatusAsync(last30, Currency, ct)),
        ];
    }
}

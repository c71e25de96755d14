namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// One place answers analytics questions: ClickHouse (OLAP) or PostgreSQL (OLTP, read-only fallback). Both
/// implement the same definitions (<see cref="AnalyticsDefinitions"/>) and must give identical answers on the same
/// data. <c>currency</c> (an ISO 4217 code, or null for all) keeps only that currency's orders; rows are per
/// (key, currency) either way, ordered by key then currency (top customers: by revenue, highest first).
/// </summary>
public interface IAnalyticsStore
{
    /// <summary><c>olap</c> or <c>oltp</c>: what answers say in their <c>source</c> field.</summary>
    string Source { get; }

    Task<IReadOnlyList<RevenueRow>> RevenueAsync(GroupBy groupBy, TimeRange range, string? region, string? currency, CancellationToken cancellationToken);

    Task<IReadOnlyList<CustomerRow>> TopCustomersAsync(TimeRange range, int limit, string? currency, CancellationToken cancellationToken);

    Task<IReadOnlyList<StatusRow>> ByStatusAsync(TimeRange range, string? currency, CancellationToken cancellationToken);
}

namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// One place answers analytics questions: ClickHouse (OLAP) or PostgreSQL (OLTP, read-only fallback). Both
/// implement the same definitions (<see cref="AnalyticsDefinitions"/>) and must give identical answers on the same data.
/// </summary>
public interface IAnalyticsStore
{
    /// <summary><c>olap</c> or <c>oltp</c>: what answers say in their <c>source</c> field.</summary>
    string Source { get; }

    Task<IReadOnlyList<RevenueRow>> RevenueAsync(GroupBy groupBy, TimeRange range, string? region, CancellationToken cancellationToken);

    Task<IReadOnlyList<CustomerRow>> TopCustomersAsync(TimeRange range, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<StatusRow>> ByStatusAsync(TimeRange range, CancellationToken cancellationToken);
}

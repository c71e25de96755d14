using System.Collections.Frozen;
using Npgsql;

namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// The same answers from the source of truth, for reads ClickHouse cannot serve fresh enough. Runs on a read-only
/// data source (<c>default_transaction_read_only</c>); in production point it at a replica.
/// </summary>
public sealed class PostgresAnalyticsStore(NpgsqlDataSource dataSource) : IAnalyticsStore
{
    private const string CurrentOrders = """
        FROM orders
        WHERE created_at >= $1 AND created_at < $2
        """;

    private const string RevenueTemplate = """
        SELECT @key AS key, count(*) AS orders, coalesce(sum(total) FILTER (WHERE status = ANY($3)), 0) AS revenue
        """ + "\n" + CurrentOrders + """

          AND ($4::text IS NULL OR region = $4)
        GROUP BY 1
        ORDER BY (@key) COLLATE "C"
        """;

    private static readonly FrozenDictionary<GroupBy, string> RevenueSql = new Dictionary<GroupBy, string>
    {
        [GroupBy.Region] = RevenueTemplate.Replace("@key", "region", StringComparison.Ordinal),
        [GroupBy.Status] = RevenueTemplate.Replace("@key", "status", StringComparison.Ordinal),
        [GroupBy.Day] = RevenueTemplate.Replace("@key", "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", StringComparison.Ordinal),
        [GroupBy.Month] = RevenueTemplate.Replace("@key", "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')", StringComparison.Ordinal),
    }.ToFrozenDictionary();

    private const string TopCustomersSql = """
        SELECT customer_id, count(*) AS orders, coalesce(sum(total) FILTER (WHERE status = ANY($3)), 0) AS revenue
        """ + "\n" + CurrentOrders + """

        GROUP BY customer_id
        ORDER BY revenue DESC, customer_id COLLATE "C" ASC
        LIMIT $4
        """;

    private const string ByStatusSql = "SELECT status, count(*) AS orders, sum(total) AS total\n" + CurrentOrders + """

        GROUP BY status
        """;

    public string Source => "oltp";

    public Task<IReadOnlyList<RevenueRow>> RevenueAsync(GroupBy groupBy, TimeRange range, string? region, CancellationToken cancellationToken) =>
        QueryAsync(RevenueSql[groupBy], [range.From, range.To, AnalyticsDefinitions.RevenueStatuses, (object?)region ?? DBNull.Value],
            r => new RevenueRow(r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), cancellationToken);

    public Task<IReadOnlyList<CustomerRow>> TopCustomersAsync(TimeRange range, int limit, CancellationToken cancellationToken) =>
        QueryAsync(TopCustomersSql, [range.From, range.To, AnalyticsDefinitions.RevenueStatuses, limit],
            r => new CustomerRow(r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), cancellationToken);

    public Task<IReadOnlyList<StatusRow>> ByStatusAsync(TimeRange range, CancellationToken cancellationToken) =>
        QueryAsync(ByStatusSql, [range.From, range.To],
            r => new StatusRow(r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), cancellationToken);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object[] parameters, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

using System.Collections.Frozen;
using Npgsql;

namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// The same answers from the source of truth, for reads ClickHouse cannot serve fresh enough. Runs on a read-only
/// data source (<c>default_transaction_read_only</c>); in production point it at a replica.
/// </summary>
public sealed class PostgresAnalyticsStore(NpgsqlDataSource dataSource) : IAnalyticsStore
{
    // $1, $2: the range; $3: the revenue statuses; $4: the currency or null.
    private const string CurrentOrders = """
        FROM orders
        WHERE created_at >= $1 AND created_at < $2
          AND ($4::text IS NULL OR currency = $4)
        """;

    private const string Revenue = "coalesce(sum(total) FILTER (WHERE status = ANY($3)), 0)";

    private const string RevenueTemplate = "SELECT @key AS key, currency, count(*) AS orders, " + Revenue + " AS revenue\n" + CurrentOrders + """

          AND ($5::text IS NULL OR region = $5)
        GROUP BY 1, 2
        ORDER BY (@key) COLLATE "C", currency COLLATE "C"
        """;

    private static readonly FrozenDictionary<GroupBy, string> RevenueSql = new Dictionary<GroupBy, string>
    {
        [GroupBy.Region] = RevenueTemplate.Replace("@key", "region", StringComparison.Ordinal),
        [GroupBy.Status] = RevenueTemplate.Replace("@key", "status", StringComparison.Ordinal),
        [GroupBy.Day] = RevenueTemplate.Replace("@key", "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", StringComparison.Ordinal),
        [GroupBy.Month] = RevenueTemplate.Replace("@key", "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')", StringComparison.Ordinal),
    }.ToFrozenDictionary();

    private const string TopCustomersSql = "SELECT customer_id, currency, count(*) AS orders, " + Revenue + " AS revenue\n" + CurrentOrders + """

        GROUP BY 1, 2
        ORDER BY revenue DESC, customer_id COLLATE "C", currency COLLATE "C"
        LIMIT $5
        """;

    private const string ByStatusSql = "SELECT status, currency, count(*) AS orders, sum(total) AS total\n" + CurrentOrders + """

        GROUP BY 1, 2
        ORDER BY status COLLATE "C", currency COLLATE "C"
        """;

    public string Source => "oltp";

    public Task<IReadOnlyList<RevenueRow>> RevenueAsync(GroupBy groupBy, TimeRange range, string? region, string? currency, CancellationToken cancellationToken) =>
        QueryAsync(RevenueSql[groupBy], [.. Common(range, currency), (object?)region ?? DBNull.Value],
            r => new RevenueRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDecimal(3)), cancellationToken);

    public Task<IReadOnlyList<CustomerRow>> TopCustomersAsync(TimeRange range, int limit, string? currency, CancellationToken cancellationToken) =>
        QueryAsync(TopCustomersSql, [.. Common(range, currency), limit],
            r => new CustomerRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDecimal(3)), cancellationToken);

    public Task<IReadOnlyList<StatusRow>> ByStatusAsync(TimeRange range, string? currency, CancellationToken cancellationToken) =>
        QueryAsync(ByStatusSql, Common(range, currency),
            r => new StatusRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDecimal(3)), cancellationToken);

    /// <summary>$1–$4 of every query ($3 is unused by the status query's sum but keeps the numbering one).</summary>
    private static object[] Common(TimeRange range, string? currency) =>
        [range.From, range.To, AnalyticsDefinitions.RevenueStatuses, (object?)currency ?? DBNull.Value];

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

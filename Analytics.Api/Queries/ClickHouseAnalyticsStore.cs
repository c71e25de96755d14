using System.Collections.Frozen;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// The OLAP answers, from the <c>orders</c> table the sync worker maintains (ReplacingMergeTree(version, is_deleted)).
/// <c>FINAL</c> collapses every order to its latest version, so redeliveries and older versions never count, and
/// deleted orders drop out. Every value is a typed parameter; the only SQL chosen at run time is one of four
/// fixed bucket expressions picked by an enum. It connects as a read-only user whose server-side profile
/// (<c>readonly=1</c>, <c>max_execution_time</c>) it cannot change: no query it sends could write.
/// </summary>
public sealed class ClickHouseAnalyticsStore(IClickHouseClient client) : IAnalyticsStore
{
    private const string CurrentOrders = """
        FROM orders FINAL
        WHERE is_deleted = 0
          AND created_at >= {from:DateTime64(3, 'UTC')} AND created_at < {to:DateTime64(3, 'UTC')}
        """;

    private const string RevenueTemplate = """
        SELECT toString(@key) AS key, count() AS orders, sumIf(total, has({revenueStatuses:Array(String)}, status)) AS revenue
        """ + "\n" + CurrentOrders + """

          AND ({region:Nullable(String)} IS NULL OR region = {region:Nullable(String)})
        GROUP BY key
        ORDER BY key
        """;

    private static readonly FrozenDictionary<GroupBy, string> RevenueSql = new Dictionary<GroupBy, string>
    {
        [GroupBy.Region] = RevenueTemplate.Replace("@key", "region", StringComparison.Ordinal),
        [GroupBy.Status] = RevenueTemplate.Replace("@key", "status", StringComparison.Ordinal),
        [GroupBy.Day] = RevenueTemplate.Replace("@key", "formatDateTime(created_at, '%Y-%m-%d')", StringComparison.Ordinal),
        [GroupBy.Month] = RevenueTemplate.Replace("@key", "formatDateTime(created_at, '%Y-%m')", StringComparison.Ordinal),
    }.ToFrozenDictionary();

    private const string TopCustomersSql = """
        SELECT customer_id, count() AS orders, sumIf(total, has({revenueStatuses:Array(String)}, status)) AS revenue
        """ + "\n" + CurrentOrders + """

        GROUP BY customer_id
        ORDER BY revenue DESC, customer_id ASC
        LIMIT {limit:UInt32}
        """;

    private const string ByStatusSql = "SELECT toString(status) AS status, count() AS orders, sum(total) AS total\n" + CurrentOrders + """

        GROUP BY status
        """;

    public string Source => "olap";

    public async Task<IReadOnlyList<RevenueRow>> RevenueAsync(GroupBy groupBy, TimeRange range, string? region, CancellationToken cancellationToken)
    {
        var parameters = RangeParameters(range);
        parameters.AddParameter("region", region!);
        parameters.AddParameter("revenueStatuses", AnalyticsDefinitions.RevenueStatuses);
        using var reader = await client.ExecuteReaderAsync(RevenueSql[groupBy], parameters, cancellationToken: cancellationToken);
        var rows = new List<RevenueRow>();
        while (reader.Read())
        {
            rows.Add(new RevenueRow(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetDecimal(2)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<CustomerRow>> TopCustomersAsync(TimeRange range, int limit, CancellationToken cancellationToken)
    {
        var parameters = RangeParameters(range);
        parameters.AddParameter("revenueStatuses", AnalyticsDefinitions.RevenueStatuses);
        parameters.AddParameter("limit", (uint)limit);
        using var reader = await client.ExecuteReaderAsync(TopCustomersSql, parameters, cancellationToken: cancellationToken);
        var rows = new List<CustomerRow>();
        while (reader.Read())
        {
            rows.Add(new CustomerRow(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetDecimal(2)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<StatusRow>> ByStatusAsync(TimeRange range, CancellationToken cancellationToken)
    {
        using var reader = await client.ExecuteReaderAsync(ByStatusSql, RangeParameters(range), cancellationToken: cancellationToken);
        var rows = new List<StatusRow>();
        while (reader.Read())
        {
            rows.Add(new StatusRow(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetDecimal(2)));
        }

        return rows;
    }

    private static ClickHouseParameterCollection RangeParameters(TimeRange range)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("from", range.From);
        parameters.AddParameter("to", range.To);
        return parameters;
    }
}

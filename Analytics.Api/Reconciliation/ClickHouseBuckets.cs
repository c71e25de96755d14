using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// ClickHouse's side of a reconciliation at a snapshot LSN <c>L</c>, in one query: the orders with any row after
/// <c>L</c> (raw rows, not <c>FINAL</c>: a change after <c>L</c> in any version, a delete included), and every other
/// order's current state (<c>FINAL … is_deleted = 0</c>) aggregated per bucket. Their latest version is at or before
/// <c>L</c>, so that state is their state at <c>L</c> once the watermark has passed <c>L</c>.
/// <para>
/// Both parts read the same data parts: <c>enable_shared_storage_snapshot_in_query</c> (on by default in 26.7, and set in
/// the reader's profile) makes every reference to <c>orders</c> in a query share one storage snapshot. Without it a
/// row after <c>L</c> inserted between the two reads could be counted by one and not left out by the other.
/// </para>
/// </summary>
internal static class ClickHouseBuckets
{
    private const string Range = "created_at >= {from:DateTime64(3, 'UTC')} AND created_at < {to:DateTime64(3, 'UTC')}";

    private const string Sql = $$"""
        WITH changed AS (SELECT order_id FROM {{OrdersTable.Name}} WHERE commit_lsn > {lsn:UInt64} AND {{Range}})
        SELECT 0 AS kind, toDate(created_at) AS day, toString(region) AS region, toString(currency) AS currency, count() AS orders,
               sumIf(total, status IN {revenueStatuses:Array(String)}) AS revenue, CAST(NULL, 'Nullable(UUID)') AS changed_id
        FROM {{OrdersTable.Name}} FINAL
        WHERE is_deleted = 0 AND {{Range}} AND order_id NOT IN (SELECT order_id FROM changed)
        GROUP BY day, region, currency
        UNION ALL
        SELECT DISTINCT 1, toDate(0), '', '', toUInt64(0), toDecimal128(0, 2), order_id FROM changed
        """;

    public sealed record Result(Dictionary<BucketKey, BucketTotals> Buckets, HashSet<Guid> Changed);

    public static async Task<Result> ReadAsync(IClickHouseClient client, ulong lsn, TimeRange range, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("lsn", lsn);
        parameters.AddParameter("from", range.From);
        parameters.AddParameter("to", range.To);
        parameters.AddParameter("revenueStatuses", AnalyticsDefinitions.RevenueStatuses);
        using var reader = await client.ExecuteReaderAsync(Sql, parameters, cancellationToken: cancellationToken);
        var result = new Result([], []);
        while (reader.Read())
        {
            if (Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture) == 1)
            {
                result.Changed.Add(reader.GetGuid(6));
                continue;
            }

            var day = reader.GetValue(1) is DateOnly d ? d : DateOnly.FromDateTime((DateTime)reader.GetValue(1));
            result.Buckets[new BucketKey(day, reader.GetString(2), reader.GetString(3))] =
                new BucketTotals(Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture), reader.GetDecimal(5));
        }

        return result;
    }
}

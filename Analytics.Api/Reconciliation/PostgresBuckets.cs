using Npgsql;
using NpgsqlTypes;
using PolyglotAspire.Analytics.Queries;

namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// PostgreSQL's side of a reconciliation, read inside the snapshot (<see cref="PostgresSnapshot"/>): every order's
/// current row at the snapshot's LSN, aggregated per bucket by the analytics definitions, minus the orders left out.
/// </summary>
internal static class PostgresBuckets
{
    // $1, $2: the created_at range; $3: the revenue statuses.
    private const string Aggregate = """
        SELECT (created_at AT TIME ZONE 'UTC')::date, region, currency, count(*), coalesce(sum(total) FILTER (WHERE status = ANY($3)), 0)
        FROM orders
        WHERE created_at >= $1 AND created_at < $2
        """;

    private const string AllSql = Aggregate + " GROUP BY 1, 2, 3";

    // $4: the orders to leave out (a few: those ClickHouse holds a later change of).
    private const string SubsetSql = Aggregate + " AND id = ANY($4) GROUP BY 1, 2, 3";

    /// <summary>Every bucket over the range.</summary>
    public static Task<Dictionary<BucketKey, BucketTotals>> AllAsync(PostgresSnapshot snapshot, TimeRange range, CancellationToken cancellationToken) =>
        QueryAsync(snapshot, AllSql, range, null, cancellationToken);

    /// <summary>The same aggregate over <paramref name="orders"/> only (orders created after the snapshot simply are not there).</summary>
    public static Task<Dictionary<BucketKey, BucketTotals>> OfAsync(PostgresSnapshot snapshot, TimeRange range, IReadOnlyCollection<Guid> orders, CancellationToken cancellationToken) =>
        orders.Count == 0
            ? Task.FromResult(new Dictionary<BucketKey, BucketTotals>())
            : QueryAsync(snapshot, SubsetSql, range, orders, cancellationToken);

    private static async Task<Dictionary<BucketKey, BucketTotals>> QueryAsync(
        PostgresSnapshot snapshot, string sql, TimeRange range, IReadOnlyCollection<Guid>? orders, CancellationToken cancellationToken)
    {
        await using var command = snapshot.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = range.From, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = range.To, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = AnalyticsDefinitions.RevenueStatuses });
        if (orders is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = orders.ToArray() });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var buckets = new Dictionary<BucketKey, BucketTotals>();
        while (await reader.ReadAsync(cancellationToken))
        {
            buckets[new BucketKey(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2))] =
                new BucketTotals(reader.GetInt64(3), reader.GetDecimal(4));
        }

        return buckets;
    }
}

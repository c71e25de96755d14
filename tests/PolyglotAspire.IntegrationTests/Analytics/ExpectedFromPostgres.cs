using Npgsql;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// The definitions of DESIGN.md computed straight from PostgreSQL by the test itself (independently of
/// Analytics.Api's code): the answers the API must give. Money is never added across currencies: every amount is per
/// currency, and <c>currency</c> (or null for all) keeps only that currency's orders.
/// </summary>
internal sealed class ExpectedFromPostgres(string connectionString)
{
    private const string Revenue = "coalesce(sum(total) FILTER (WHERE status IN ('paid', 'shipped', 'delivered')), 0)";
    // $1: the currency or null; [$2, $3): the created_at range.
    private const string Filter = "($1::text IS NULL OR currency = $1) AND created_at >= $2 AND created_at < $3";

    private static readonly DateTime AllFrom = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime AllTo = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public const string ByRegion = "region";
    public const string ByStatus = "status";
    public const string ByDay = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
    public const string ByMonth = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')";

    /// <summary>Rows of (key, currency, orders, revenue), by key then currency.</summary>
    public Task<List<(string Key, string Currency, long Orders, decimal Revenue)>> RevenueAsync(string bucket, string? currency, CancellationToken ct, DateTime? from = null, DateTime? to = null) =>
        QueryAsync($"SELECT {bucket} AS key, currency, count(*), {Revenue} FROM orders WHERE {Filter} GROUP BY 1, 2 ORDER BY ({bucket}) COLLATE \"C\", currency COLLATE \"C\"",
            (currency, from, to), r => (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDecimal(3)), ct);

    /// <summary>Rows of (customer, currency, orders, revenue), by revenue (highest first), customer, currency.</summary>
    public Task<List<(string Key, string Currency, long Orders, decimal Revenue)>> TopCustomersAsync(int limit, string? currency, CancellationToken ct, DateTime? from = null, DateTime? to = null) =>
        QueryAsync($"SELECT customer_id, currency, count(*), {Revenue} AS revenue FROM orders WHERE {Filter} GROUP BY 1, 2 " +
            $"ORDER BY revenue DESC, customer_id COLLATE \"C\", currency COLLATE \"C\" LIMIT {limit}",
            (currency, from, to), r => (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDecimal(3)), ct);

    /// <summary>Per currency: orders and revenue, by currency.</summary>
    public Task<List<(string Currency, long Orders, decimal Revenue)>> TotalsAsync(string? currency, CancellationToken ct, DateTime? from = null, DateTime? to = null) =>
        QueryAsync($"SELECT currency, count(*), {Revenue} FROM orders WHERE {Filter} GROUP BY 1 ORDER BY currency COLLATE \"C\"",
            (currency, from, to), r => (r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), ct);

    /// <summary>The currencies there are orders in.</summary>
    public async Task<List<string>> CurrenciesAsync(CancellationToken ct) => [.. (await TotalsAsync(null, ct)).Select(t => t.Currency)];

    private async Task<List<T>> QueryAsync<T>(string sql, (string? Currency, DateTime? From, DateTime? To) filter, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Currency ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = filter.From ?? AllFrom });
        command.Parameters.Add(new NpgsqlParameter { Value = filter.To ?? AllTo });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

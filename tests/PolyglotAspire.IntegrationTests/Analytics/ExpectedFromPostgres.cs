using Npgsql;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// The definitions of DESIGN.md computed straight from PostgreSQL by the test itself (independently of
/// Analytics.Api's code): the answers the API must give.
/// </summary>
internal sealed class ExpectedFromPostgres(string connectionString)
{
    private const string Revenue = "coalesce(sum(total) FILTER (WHERE status IN ('paid', 'shipped', 'delivered')), 0)";

    public Task<List<(string Key, long Orders, decimal Revenue)>> RevenueAsync(string bucket, CancellationToken ct) =>
        QueryAsync($"SELECT {bucket} AS key, count(*), {Revenue} FROM orders GROUP BY 1 ORDER BY ({bucket}) COLLATE \"C\"",
            r => (r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), ct);

    public Task<List<(string Key, long Orders, decimal Revenue)>> TopCustomersAsync(int limit, CancellationToken ct) =>
        QueryAsync($"SELECT customer_id, count(*), {Revenue} AS revenue FROM orders GROUP BY 1 ORDER BY revenue DESC, customer_id COLLATE \"C\" LIMIT {limit}",
            r => (r.GetString(0), r.GetInt64(1), r.GetDecimal(2)), ct);

    public async Task<(long Orders, decimal Revenue)> TotalsAsync(CancellationToken ct) =>
        (await QueryAsync($"SELECT count(*), {Revenue} FROM orders", r => (r.GetInt64(0), r.GetDecimal(1)), ct)).Single();

    public const string ByRegion = "region";
    public const string ByStatus = "status";
    public const string ByDay = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
    public const string ByMonth = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')";

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

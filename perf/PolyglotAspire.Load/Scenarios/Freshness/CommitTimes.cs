using Npgsql;

namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// When PostgreSQL committed each order of a phase: <c>pg_xact_commit_timestamp(xmin)</c> (the AppHost runs it with
/// <c>track_commit_timestamp=on</c>), the instant every peer's commit→visible starts from. Read once after the phase,
/// so it costs the measured load nothing.
/// </summary>
internal static class CommitTimes
{
    /// <summary>Customer id → commit time (unix microseconds) of every order whose customer id starts with <paramref name="prefix"/>.</summary>
    public static async Task<Dictionary<string, long>> ReadAsync(NpgsqlDataSource pg, string prefix, CancellationToken cancellationToken)
    {
        await using var command = pg.CreateCommand(
            "SELECT customer_id, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint FROM orders WHERE starts_with(customer_id, $1)");
        command.Parameters.AddWithValue(prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var commits = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            commits[reader.GetString(0)] = reader.GetInt64(1);
        }

        return commits;
    }
}

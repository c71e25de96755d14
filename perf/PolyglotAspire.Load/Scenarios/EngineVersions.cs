using ClickHouse.Driver;
using Npgsql;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>The engine versions a result was measured on, as the engines report them.</summary>
internal static class EngineVersions
{
    public static async Task<string> DescribeAsync(NpgsqlDataSource pg, ClickHouseClient clickhouse, CancellationToken cancellationToken)
    {
        await using var command = pg.CreateCommand("SHOW server_version");
        var postgres = await command.ExecuteScalarAsync(cancellationToken);
        var clickHouse = await clickhouse.ExecuteScalarAsync("SELECT version()", cancellationToken: cancellationToken);
        return $"engines: PostgreSQL {postgres}, ClickHouse {clickHouse} (chDB behind ClickHouse.Emulator), Kafka 0.9.0.1 (local mode)";
    }
}

using ClickHouse.Driver;
using Npgsql;
using PolyglotAspire.AppHost.Infrastructure;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>The app's stores and Analytics.Api, for a scenario that loads, probes or asks them directly.</summary>
internal sealed class AppClients : IAsyncDisposable
{
    private AppClients(string postgresConnectionString, ClickHouseClient clickHouse, HttpClient analytics)
    {
        PostgresConnectionString = postgresConnectionString;
        Postgres = NpgsqlDataSource.Create(postgresConnectionString);
        ClickHouse = clickHouse;
        Analytics = analytics;
    }

    /// <summary>The <c>ordersdb</c> connection string, password included (a data source hides it).</summary>
    public string PostgresConnectionString { get; }

    public NpgsqlDataSource Postgres { get; }

    public ClickHouseClient ClickHouse { get; }

    public HttpClient Analytics { get; }

    public static async Task<AppClients> OpenAsync(LocalApp app) => new(
        await app.ConnectionStringAsync(EnginesExtensions.OrdersDbName),
        new ClickHouseClient(await app.ConnectionStringAsync(ClickHouseAccess.AdminName)),
        app.CreateHttpClient("analytics-api"));

    /// <summary>The engine versions a result was measured on, as the engines report them.</summary>
    public async Task<string> EngineVersionsAsync(CancellationToken cancellationToken)
    {
        await using var command = Postgres.CreateCommand("SHOW server_version");
        var postgres = await command.ExecuteScalarAsync(cancellationToken);
        var clickHouse = await ClickHouse.ExecuteScalarAsync("SELECT version()", cancellationToken: cancellationToken);
        return $"engines: PostgreSQL {postgres}, ClickHouse {clickHouse} (its own HTTP server, from chDB), Kafka 0.9.0.1 (local mode)";
    }

    public async ValueTask DisposeAsync()
    {
        Analytics.Dispose();
        ClickHouse.Dispose();
        await Postgres.DisposeAsync();
    }
}

using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests;

/// <summary>The app and its three real engines come up, in local mode, and each engine really works.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class FoundationTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Every_resource_of_the_model_is_healthy()
    {
        string[] expected = ["postgres", "ordersdb", "kafka", "clickhouse", "clickhouse-writer", "clickhouse-reader", "clickhouse-admin", "orders-api", "sync-worker", "analytics-api"];
        var names = fixture.Resources.Select(r => r.Name).ToList();
        Assert.All(expected, name => Assert.Contains(name, names));

        foreach (var resource in fixture.Resources)
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state), resource.Name);
            Assert.Equal(HealthStatus.Healthy, state.Snapshot.HealthStatus);
        }
    }

    [Fact]
    public async Task PostgreSQL_runs_with_logical_replication_enabled()
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand("SELECT current_database(), current_setting('wal_level')", connection);
        await using var reader = await command.ExecuteReaderAsync(_ct);
        Assert.True(await reader.ReadAsync(_ct));
        Assert.Equal("ordersdb", reader.GetString(0));
        Assert.Equal("logical", reader.GetString(1));
    }

    [Fact]
    public async Task A_message_produced_to_Kafka_is_consumed_back()
    {
        // The dead-letter topic: nothing in the app consumes it, so the probe disturbs nothing.
        var key = $"foundation-probe-{Guid.NewGuid():N}";
        using var producer = new ProducerBuilder<string, string>(await fixture.KafkaConfigAsync<ProducerConfig>()).Build();
        var delivered = await producer.ProduceAsync(Topics.OrderEventsDeadLetter, new Message<string, string> { Key = key, Value = "hello" }, _ct);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);

        var config = await fixture.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = key;
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(delivered.TopicPartitionOffset);
        var consumed = consumer.Consume(TimeSpan.FromSeconds(30));

        Assert.NotNull(consumed);
        Assert.Equal(key, consumed.Message.Key);
        Assert.Equal("hello", consumed.Message.Value);
    }

    [Fact]
    public async Task ClickHouse_is_version_26_and_binds_typed_parameters()
    {
        using var client = new ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        var version = (string?)await client.ExecuteScalarAsync("SELECT version()", cancellationToken: _ct);
        Assert.StartsWith("26.", version);

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("region", "eu-west");
        parameters.AddParameter("total", 1234.56m);
        using var reader = await client.ExecuteReaderAsync(
            "SELECT {region:String} AS region, {total:Decimal(18,2)} * 2 AS doubled", parameters, cancellationToken: _ct);
        Assert.True(reader.Read());
        Assert.Equal("eu-west", reader.GetString(0));
        Assert.Equal(2469.12m, reader.GetDecimal(1));
    }

    [Theory]
    [InlineData("orders-api")]
    [InlineData("sync-worker")]
    [InlineData("analytics-api")]
    public async Task Each_service_answers_its_health_endpoint(string service)
    {
        using var http = fixture.App.CreateHttpClient(service);
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), _ct);
        Assert.True(response.IsSuccessStatusCode, $"{service} /health answered {(int)response.StatusCode}");
        var health = await response.Content.ReadAsStringAsync(_ct);
        Assert.True(health == "Healthy", $"{service} /health answered {health}; its last logs:{Environment.NewLine}{fixture.RecentLogs(service, 300)}");
    }
}

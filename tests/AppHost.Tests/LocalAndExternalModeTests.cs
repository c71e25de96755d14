using Microsoft.Extensions.Configuration;
using Aspire.Hosting.ApplicationModel;

namespace PolyglotAspire.AppHost.Tests;

public sealed class LocalAndExternalModeTests
{
    [Fact]
    public async Task Local_mode_runs_engines_as_processes_and_passes_the_0_9_client_settings()
    {
        await using var app = await AppModel.BuildAsync("Infrastructure:Mode=local");

        Assert.IsAssignableFrom<ExecutableResource>(app.Resource<IResource>("postgres"));
        Assert.IsAssignableFrom<ExecutableResource>(app.Resource<IResource>("kafka"));
        Assert.IsAssignableFrom<ProjectResource>(app.Resource<IResource>("clickhouse")); // eng/local/ClickHouseServer
        Assert.All(["clickhouse-writer", "clickhouse-reader", "clickhouse-admin"], name =>
            Assert.Equal("clickhouse", Assert.IsAssignableFrom<IResourceWithParent>(app.Resource<IResourceWithConnectionString>(name)).Parent.Name));

        var orders = await app.Resource<ProjectResource>("orders-api").PublishedEnvironmentAsync();
        Assert.Equal("false", orders["Aspire__Confluent__Kafka__Producer__Config__ApiVersionRequest"]);
        Assert.Equal("0.9.0", orders["Aspire__Confluent__Kafka__Consumer__Config__BrokerVersionFallback"]);
        var analytics = await app.Resource<ProjectResource>("analytics-api").PublishedEnvironmentAsync();
        Assert.DoesNotContain(analytics.Keys, k => k.StartsWith("Aspire__Confluent__Kafka", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Local_PostgreSQL_bounds_the_WAL_the_capture_slot_may_retain_as_configured()
    {
        await using var defaults = await AppModel.BuildAsync("Infrastructure:Mode=local");
        Assert.Equal("4GB", (await ((IResourceWithArgs)defaults.Resource<IResource>("postgres")).PublishedArgumentsAsync())[^1]);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("Infrastructure:Mode=local", "Postgres:MaxSlotWalKeepSize=lots"));
        Assert.Contains("Postgres:MaxSlotWalKeepSize", error.GetBaseException().Message, StringComparison.Ordinal);
        var configured = new ConfigurationBuilder().AddInMemoryCollection([new("Postgres:MaxSlotWalKeepSize", "512MB")]).Build();
        Assert.Equal("512MB", PolyglotAspire.AppHost.Infrastructure.WalRetention.MaxSlotWalKeepSize(configured));
    }

    [Fact]
    public async Task Local_mode_without_installed_engines_fails_with_how_to_install_them()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync(
            "Infrastructure:Mode=local", $"Infrastructure:EnginesPath={Path.Combine(Path.GetTempPath(), "no-engines-here")}"));

        var message = error.GetBaseException().Message;
        Assert.Contains("Kafka 0.9.0.1", message, StringComparison.Ordinal);
        Assert.Contains("./run.sh", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task External_mode_takes_connection_strings_and_kafka_client_settings_from_configuration()
    {
        await using var app = await AppModel.BuildAsync(
            "Infrastructure:Mode=external",
            "ConnectionStrings:ordersdb=Host=pg.example;Database=ordersdb",
            "ConnectionStrings:ordersdb-reader=Host=pg.example;Database=ordersdb;Username=analytics_reader",
            "ConnectionStrings:kafka=broker.example:9093",
            "ConnectionStrings:clickhouse-writer=Host=ch.example;Port=8443;Protocol=https;Username=sync_writer",
            "ConnectionStrings:clickhouse-reader=Host=ch.example;Port=8443;Protocol=https;Username=analytics_reader",
            "Infrastructure:External:KafkaClientConfig:SecurityProtocol=SaslSsl");

        Assert.All(["ordersdb", "kafka", "clickhouse-writer", "clickhouse-reader"], name => Assert.IsAssignableFrom<ParameterResource>(app.Resource<IResourceWithConnectionString>(name)));
        Assert.DoesNotContain(app.App.Services.GetRequiredService<DistributedApplicationModel>().Resources, r => r.Name == "postgres");
        var orders = await app.Resource<ProjectResource>("orders-api").PublishedEnvironmentAsync();
        Assert.Equal("SaslSsl", orders["Aspire__Confluent__Kafka__Producer__Config__SecurityProtocol"]);
        Assert.Equal("{ordersdb.connectionString}", orders["ConnectionStrings__ordersdb"]);
        var analytics = await app.Resource<ProjectResource>("analytics-api").PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse-reader.connectionString}", analytics["ConnectionStrings__clickhouse"]);
        Assert.Equal("{ordersdb-reader.connectionString}", analytics["ConnectionStrings__ordersdb"]); // the operator's read-only role
    }

    [Fact]
    public async Task An_unknown_mode_is_a_clear_error()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync( "Infrastructure:Mode=kubernetes"));
        Assert.Contains("auto, containers, local, external", error.GetBaseException().Message, StringComparison.Ordinal);
    }
}

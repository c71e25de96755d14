using Aspire.Hosting.ApplicationModel;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// Containers mode (also what publishing uses) cannot run on a machine without a container runtime: its model is
/// checked here, as publishing builds it.
/// </summary>
public sealed class ContainersModeTests
{
    [Fact]
    public async Task Engines_are_containers_with_pinned_images()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        AssertImage(app.Resource<ContainerResource>("postgres"), "postgres");
        AssertImage(app.Resource<ContainerResource>("kafka"), "apache/kafka", "4.1.0");
        AssertImage(app.Resource<ContainerResource>("clickhouse"), "clickhouse/clickhouse-server", "25.8");
    }

    [Fact]
    public async Task PostgreSQL_runs_with_logical_wal_and_commit_timestamps_and_holds_ordersdb()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var postgres = app.Resource<ContainerResource>("postgres");

        var args = await postgres.PublishedArgumentsAsync();
        Assert.Contains("wal_level=logical", args);
        Assert.Contains("track_commit_timestamp=on", args);
        Assert.Same(postgres, Assert.IsAssignableFrom<IResourceWithParent>(app.Resource<IResourceWithConnectionString>("ordersdb")).Parent);
    }

    [Fact]
    public async Task Kafka_is_a_single_node_KRaft_broker_with_host_and_container_listeners()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var kafka = app.Resource<ContainerResource>("kafka");

        var endpoints = kafka.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name, e => e.TargetPort);
        Assert.Equal(9092, endpoints["tcp"]);
        Assert.Equal(9093, endpoints["internal"]);
        var env = await kafka.PublishedEnvironmentAsync();
        Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
        Assert.Equal("4", env["KAFKA_NUM_PARTITIONS"]);
        Assert.Contains("INTERNAL://", env["KAFKA_ADVERTISED_LISTENERS"], StringComparison.Ordinal);
        Assert.Contains(kafka.Annotations, a => a is HealthCheckAnnotation);
    }

    [Fact]
    public async Task ClickHouse_exposes_its_HTTP_interface_with_a_ping_health_check_and_a_secret_password()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var clickhouse = app.Resource<ContainerResource>("clickhouse");

        Assert.Contains(clickhouse.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http" && e.TargetPort == 8123);
        Assert.Contains(clickhouse.Annotations, a => a is HealthCheckAnnotation);
        var env = await clickhouse.PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse-password.value}", env["CLICKHOUSE_PASSWORD"]);
    }

    [Fact]
    public async Task Services_get_connection_strings_and_no_broker_compatibility_settings()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        var orders = await app.Resource<ProjectResource>("orders-api").PublishedEnvironmentAsync();
        Assert.Equal("{ordersdb.connectionString}", orders["ConnectionStrings__ordersdb"]);
        Assert.Equal("{kafka.connectionString}", orders["ConnectionStrings__kafka"]);
        Assert.DoesNotContain(orders.Keys, k => k.StartsWith("Aspire__Confluent__Kafka", StringComparison.Ordinal));

        var worker = await app.Resource<ProjectResource>("sync-worker").PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse.connectionString}", worker["ConnectionStrings__clickhouse"]);

        var analytics = await app.Resource<ProjectResource>("analytics-api").PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse.connectionString}", analytics["ConnectionStrings__clickhouse"]);
        Assert.Equal("{ordersdb.connectionString}", analytics["ConnectionStrings__ordersdb"]);
    }

    private static void AssertImage(ContainerResource resource, string image, string? tag = null)
    {
        var annotation = Assert.Single(resource.Annotations.OfType<ContainerImageAnnotation>());
        Assert.EndsWith(image, annotation.Image, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(annotation.Tag));
        Assert.NotEqual("latest", annotation.Tag);
        if (tag is not null)
        {
            Assert.Equal(tag, annotation.Tag);
        }
    }
}

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
        AssertImage(app.Resource<ContainerResource>("clickhouse"), "clickhouse/clickhouse-server", "26.7");
    }

    [Fact]
    public async Task PostgreSQL_runs_with_logical_wal_and_commit_timestamps_and_holds_ordersdb()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var postgres = app.Resource<ContainerResource>("postgres");

        var args = await postgres.PublishedArgumentsAsync();
        Assert.Contains("wal_level=logical", args);
        Assert.Contains("track_commit_timestamp=on", args);
        Assert.Contains("max_slot_wal_keep_size=4GB", args); // WAL retention bounded (issue 13 item 6)
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
    public async Task ClickHouse_exposes_its_HTTP_interface_with_a_ping_health_check_and_the_app_users_with_secret_passwords()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var clickhouse = app.Resource<ContainerResource>("clickhouse");

        Assert.Contains(clickhouse.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http" && e.TargetPort == 8123);
        Assert.Contains(clickhouse.Annotations, a => a is HealthCheckAnnotation);
        var env = await clickhouse.PublishedEnvironmentAsync();
        Assert.Equal("admin", env["CLICKHOUSE_USER"]); // the image then removes the password-less default user
        Assert.Equal("{clickhouse-admin-password.value}", env["CLICKHOUSE_PASSWORD"]);
        Assert.Equal("analytics", env["CLICKHOUSE_DB"]);
        Assert.Equal("{clickhouse-writer-password.value}", env["CLICKHOUSE_WRITER_PASSWORD"]);
        Assert.Equal("{clickhouse-reader-password.value}", env["CLICKHOUSE_READER_PASSWORD"]);
        // The app's users (AppHost/ClickHouse/users.xml) join the image's: copied in at run, a bind mount when published.
        Assert.Contains(clickhouse.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/etc/clickhouse-server/users.d" && m.IsReadOnly);

        var writer = app.Resource<IResourceWithConnectionString>("clickhouse-writer");
        Assert.Same(clickhouse, Assert.IsAssignableFrom<IResourceWithParent>(writer).Parent);
        Assert.Same(clickhouse, Assert.IsAssignableFrom<IResourceWithParent>(app.Resource<IResourceWithConnectionString>("clickhouse-reader")).Parent);
    }

    [Fact]
    public async Task Services_get_connection_strings_and_no_broker_compatibility_settings()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        var orders = await app.Resource<ProjectResource>("orders-api").PublishedEnvironmentAsync();
        Assert.Equal("{ordersdb.connectionString}", orders["ConnectionStrings__ordersdb"]);
        Assert.Equal("{kafka.connectionString}", orders["ConnectionStrings__kafka"]);
        Assert.DoesNotContain(orders.Keys, k => k.StartsWith("Aspire__Confluent__Kafka", StringComparison.Ordinal));

        // Each service gets its own ClickHouse user, under the connection name it reads ("clickhouse"), and no other.
        var worker = await app.Resource<ProjectResource>("sync-worker").PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse-writer.connectionString}", worker["ConnectionStrings__clickhouse"]);
        Assert.DoesNotContain(worker.Values, v => v.Contains("clickhouse-reader", StringComparison.Ordinal) || v.Contains("clickhouse-admin", StringComparison.Ordinal));

        var analytics = await app.Resource<ProjectResource>("analytics-api").PublishedEnvironmentAsync();
        Assert.Equal("{clickhouse-reader.connectionString}", analytics["ConnectionStrings__clickhouse"]);
        Assert.DoesNotContain(analytics.Values, v => v.Contains("clickhouse-writer", StringComparison.Ordinal) || v.Contains("clickhouse-admin", StringComparison.Ordinal));
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

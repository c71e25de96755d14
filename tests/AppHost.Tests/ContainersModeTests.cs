using Aspire.Hosting.ApplicationModel;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.AppHost.Infrastructure.Containers;

namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// Containers mode (<c>auto</c> on a machine with Docker or Podman, and every publish) cannot run on a machine without
/// a container runtime: its whole graph is checked here instead — every resource, image, reference, wait, health
/// check and service environment — as publishing builds it and as <c>Infrastructure:Mode=containers</c> runs it.
/// </summary>
public sealed class ContainersModeTests
{
    private static readonly string[] Engines = ["postgres", "ordersdb", "kafka", "clickhouse", "clickhouse-admin", "clickhouse-writer", "clickhouse-reader"];
    private static readonly string[] Services = ["orders-api", "sync-worker", "analytics-api"];

    /// <summary>The ordersdb variables Aspire adds beside the connection string for every reference to it.</summary>
    private static readonly Dictionary<string, string> OrdersDbParts = new()
    {
        ["ConnectionStrings__ordersdb"] = "{ordersdb.connectionString}",
        ["ORDERSDB_HOST"] = "{postgres.bindings.tcp.host}",
        ["ORDERSDB_PORT"] = "{postgres.bindings.tcp.port}",
        ["ORDERSDB_USERNAME"] = "postgres",
        ["ORDERSDB_PASSWORD"] = "{postgres-password.value}",
        // The manifest writes the password here URI-encoded (an annotated.string over postgres-password).
        ["ORDERSDB_URI"] = "postgresql://postgres:{postgres-password.value}@{postgres.bindings.tcp.host}:{postgres.bindings.tcp.port}/ordersdb",
        ["ORDERSDB_JDBCCONNECTIONSTRING"] = "jdbc:postgresql://{postgres.bindings.tcp.host}:{postgres.bindings.tcp.port}/ordersdb",
        ["ORDERSDB_DATABASENAME"] = "ordersdb",
    };

    [Fact]
    public async Task The_graph_is_three_engine_containers_their_connections_and_the_three_services()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        AssertResources(app);
    }

    private static void AssertResources(AppModel app)
    {
        var names = app.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => !r.Name.EndsWith("-rebuilder", StringComparison.Ordinal)) // run mode's rebuild helper per project
            .Where(r => r is not ParameterResource) // the security parameters: AuthenticationModelTests, PublishManifestTests
            .Select(r => r.Name);
        Assert.Equal([.. Engines, .. Services], names);
        Assert.IsType<PostgresServerResource>(app.Resource<IResource>("postgres"));
        Assert.IsType<KafkaContainerResource>(app.Resource<IResource>("kafka"));
        Assert.IsType<ClickHouseServerResource>(app.Resource<IResource>("clickhouse"));
        Assert.All(["clickhouse-admin", "clickhouse-writer", "clickhouse-reader"], name =>
            Assert.Equal("clickhouse", Assert.IsType<ClickHouseConnectionResource>(app.Resource<IResource>(name)).Parent.Name));
        Assert.All(Services, name => Assert.IsType<ProjectResource>(app.Resource<IResource>(name)));
    }

    [Fact]
    public async Task Engines_run_pinned_images_postgres_the_release_local_mode_runs()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        AssertImages(app);
    }

    private static void AssertImages(AppModel app)
    {
        // Local mode runs Debian 12's PostgreSQL 15; Aspire's default would be 18.
        AssertImage(app.Resource<ContainerResource>("postgres"), "library/postgres", "15.18");
        // Kafka differs from local mode's 0.9.0.1 on purpose: 0.9 is what machines without containers can run, not a
        // target; the clients get no compatibility settings against 4.1 (checked below).
        AssertImage(app.Resource<ContainerResource>("kafka"), "apache/kafka", "4.1.0");
        // ClickHouse 26.7, the release local mode's chDB embeds.
        AssertImage(app.Resource<ContainerResource>("clickhouse"), "clickhouse/clickhouse-server", "26.7");
    }

    [Fact]
    public async Task PostgreSQL_runs_with_logical_wal_and_commit_timestamps_and_holds_ordersdb()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var postgres = app.Resource<ContainerResource>("postgres");

        var args = await postgres.PublishedArgumentsAsync();
        Assert.Equal(["-c", "wal_level=logical", "-c", "max_wal_senders=10", "-c", "max_replication_slots=10", "-c", "track_commit_timestamp=on", "-c", "max_slot_wal_keep_size=4GB"], args);
        Assert.Same(postgres, Assert.IsAssignableFrom<IResourceWithParent>(app.Resource<IResourceWithConnectionString>("ordersdb")).Parent);
        Assert.Contains(postgres.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp" && e.TargetPort == 5432);
    }

    [Fact]
    public async Task Kafka_is_a_single_node_KRaft_broker_with_host_and_container_listeners()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var kafka = app.Resource<ContainerResource>("kafka");

        var endpoints = kafka.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name, e => e.TargetPort);
        Assert.Equal(new Dictionary<string, int?> { ["tcp"] = 9092, ["internal"] = 9093 }, endpoints);
        var env = await kafka.PublishedEnvironmentAsync();
        Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
        Assert.Equal("4", env["KAFKA_NUM_PARTITIONS"]);
        Assert.Equal("HOST://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port},INTERNAL://{kafka.bindings.internal.host}:{kafka.bindings.internal.port}",
            env["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Equal("/var/lib/kafka/data", env["KAFKA_LOG_DIRS"]);
    }

    [Fact]
    public async Task ClickHouse_exposes_its_HTTP_interface_and_the_app_users_with_secret_passwords()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var clickhouse = app.Resource<ContainerResource>("clickhouse");

        Assert.Equal(8123, Assert.Single(clickhouse.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http").TargetPort);
        var env = await clickhouse.PublishedEnvironmentAsync();
        Assert.Equal(new Dictionary<string, string>
        {
            ["CLICKHOUSE_USER"] = "admin", // the image then removes the password-less default user
            ["CLICKHOUSE_PASSWORD"] = "{clickhouse-admin-password.value}",
            ["CLICKHOUSE_DB"] = "analytics",
            ["CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT"] = "1",
            ["CLICKHOUSE_WRITER_PASSWORD"] = "{clickhouse-writer-password.value}",
            ["CLICKHOUSE_READER_PASSWORD"] = "{clickhouse-reader-password.value}",
        }, env);
    }

    [Fact]
    public async Task Published_ClickHouse_is_built_from_the_pinned_image_with_the_app_users_baked_in()
    {
        await using var app = await AppModel.BuildForPublishAsync();
        var clickhouse = app.Resource<ContainerResource>("clickhouse");

        // No bind mount (azd would need an Azure Files share for it): an image built from AppHost/ClickHouse/Dockerfile.
        Assert.Empty(clickhouse.Annotations.OfType<ContainerMountAnnotation>());
        var build = Assert.Single(clickhouse.Annotations.OfType<DockerfileBuildAnnotation>());
        var dockerfile = await File.ReadAllLinesAsync(build.DockerfilePath, TestContext.Current.CancellationToken);
        var image = Assert.Single(clickhouse.Annotations.OfType<ContainerImageAnnotation>());
        var from = Assert.Single(dockerfile, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        Assert.Equal($"FROM {ClickHouseServerResource.Image}:{ClickHouseServerResource.Tag}", from.Replace("docker.io/", "", StringComparison.Ordinal));
        Assert.Contains($"COPY users.xml {ClickHouseServerResource.UsersDirectory}/users.xml", dockerfile);
        Assert.True(File.Exists(Path.Combine(build.ContextPath, "users.xml")));
        Assert.Equal("docker.io", image.Registry);
    }

    /// <summary>
    /// Run mode in one test: disposing a run-mode model with containers takes ~30 s on a machine without a container
    /// runtime (Aspire's, measured; publish and local models dispose at once).
    /// </summary>
    [Fact]
    public async Task Run_mode_runs_the_same_graph_keeps_data_in_volumes_and_copies_the_ClickHouse_users_in()
    {
        await using var app = await AppModel.BuildAsync("Infrastructure:Mode=containers");
        AssertResources(app);
        AssertImages(app);

        // PostgreSQL 15's data directory (18 moved it to /var/lib/postgresql).
        Assert.Equal("/var/lib/postgresql/data", VolumeTarget(app.Resource<ContainerResource>("postgres")));
        Assert.Equal("/var/lib/kafka/data", VolumeTarget(app.Resource<ContainerResource>("kafka")));
        var clickhouse = app.Resource<ContainerResource>("clickhouse");
        Assert.Equal("/var/lib/clickhouse", VolumeTarget(clickhouse));
        Assert.Empty(clickhouse.Annotations.OfType<DockerfileBuildAnnotation>());

        // Only users.xml goes into users.d (not the Dockerfile beside it).
        var files = Assert.Single(clickhouse.Annotations.OfType<ContainerFileSystemCallbackAnnotation>());
        Assert.Equal(ClickHouseServerResource.UsersDirectory, files.DestinationPath);
        var items = await files.Callback(null!, TestContext.Current.CancellationToken);
        Assert.Equal("users.xml", Assert.Single(items).Name);
    }

    [Fact]
    public async Task Each_service_references_and_waits_for_exactly_the_engines_it_uses()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        // Strong writes ask analytics-api, without waiting for it: writes never depend on analytics being up.
        AssertGraph(app, "orders-api", references: ["ordersdb", "kafka", "analytics-api"], waits: ["postgres", "ordersdb", "kafka"]);
        // ClickHouse through its user's connection, and its server, whose health check says when it answers.
        // PostgreSQL for backfills only, without waiting for it: the pipeline never depends on it.
        AssertGraph(app, "sync-worker", references: ["kafka", "clickhouse-writer", "ordersdb"], waits: ["kafka", "clickhouse-writer", "clickhouse"]);
        // PostgreSQL as the fallback's read-only role (a connection to the server), and ordersdb for reconciliation's snapshot.
        AssertGraph(app, "analytics-api", references: ["clickhouse-reader", "postgres", "ordersdb"], waits: ["clickhouse-reader", "clickhouse", "postgres", "ordersdb"]);
    }

    [Fact]
    public async Task Every_engine_and_service_has_a_health_check()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        Assert.All(["postgres", "ordersdb", "kafka", "clickhouse"], name =>
            Assert.Single(app.Resource<IResource>(name).Annotations.OfType<HealthCheckAnnotation>()));
        Assert.Contains("/ping", Assert.Single(app.Resource<IResource>("clickhouse").Annotations.OfType<HealthCheckAnnotation>()).Key, StringComparison.Ordinal);
        Assert.All(Services, name =>
            Assert.Contains("/health", Assert.Single(app.Resource<IResource>(name).Annotations.OfType<HealthCheckAnnotation>()).Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_service_gets_exactly_its_connection_strings_and_no_broker_compatibility_settings()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        Assert.Equal(new Dictionary<string, string>(OrdersDbParts)
        {
            ["ConnectionStrings__kafka"] = "{kafka.connectionString}",
            ["ANALYTICS_API_HTTP"] = "{analytics-api.bindings.http.url}",
            ["services__analytics-api__http__0"] = "{analytics-api.bindings.http.url}",
            ["ANALYTICS_API_HTTPS"] = "{analytics-api.bindings.https.url}",
            ["services__analytics-api__https__0"] = "{analytics-api.bindings.https.url}",
            ["AllowedHosts"] = "{api-allowed-hosts.value}",
            ["Authentication__Authority"] = "{auth-authority.value}",
            ["Authentication__Audience"] = "{auth-audience.value}",
            // Its own token for analytics (strong writes), from the identity provider's client credentials grant.
            ["Authentication__Client__TokenEndpoint"] = "{auth-token-endpoint.value}",
            ["Authentication__Client__ClientId"] = "{orders-api-client-id.value}",
            ["Authentication__Client__ClientSecret"] = "{orders-api-client-secret.value}",
            ["Authentication__Client__Scope"] = "{auth-audience.value}/.default",
        }, await AppEnvironmentAsync(app, "orders-api"));

        // Each service gets its own ClickHouse user, under the connection name it reads ("clickhouse"), and no other.
        Assert.Equal(new Dictionary<string, string>(OrdersDbParts)
        {
            ["ConnectionStrings__kafka"] = "{kafka.connectionString}",
            ["ConnectionStrings__clickhouse"] = "{clickhouse-writer.connectionString}",
            ["Authentication__Authority"] = "{auth-authority.value}",
            ["Authentication__Audience"] = "{auth-audience.value}",
        }, await AppEnvironmentAsync(app, "sync-worker"));

        // The PostgreSQL fallback as its read-only role (PostgresRoles), not as the owner the other references carry.
        Assert.Equal(new Dictionary<string, string>
        {
            ["ConnectionStrings__ordersdb"] = "Host={postgres.bindings.tcp.host};Port={postgres.bindings.tcp.port};Username=analytics_reader;Password={ordersdb-reader-password.value};Database=ordersdb",
            ["ConnectionStrings__clickhouse"] = "{clickhouse-reader.connectionString}",
            // Reconciliation's exported snapshot needs a REPLICATION role: the owner's connection, for that alone.
            ["ConnectionStrings__ordersdb-replication"] = "{ordersdb.connectionString}",
            ["AllowedHosts"] = "{api-allowed-hosts.value}",
            ["Authentication__Authority"] = "{auth-authority.value}",
            ["Authentication__Audience"] = "{auth-audience.value}",
        }, await AppEnvironmentAsync(app, "analytics-api"));
    }

    [Fact]
    public async Task ClickHouse_users_connect_over_HTTP_to_the_analytics_database_with_their_own_secret_password()
    {
        await using var app = await AppModel.BuildForPublishAsync();

        foreach (var (name, user) in new[] { ("clickhouse-writer", "sync_writer"), ("clickhouse-reader", "analytics_reader"), ("clickhouse-admin", "admin") })
        {
            var connection = app.Resource<IResourceWithConnectionString>(name);
            Assert.Equal(
                $"Host={{clickhouse.bindings.http.host}};Port={{clickhouse.bindings.http.port}};Protocol=http;Username={user};Password={{{name}-password.value}};Database=analytics",
                connection.ConnectionStringExpression.ValueExpression);
        }
    }

    /// <summary>The service's environment without what Aspire sets on every project (OTLP, ASP.NET Core, ports).</summary>
    private static async Task<Dictionary<string, string>> AppEnvironmentAsync(AppModel app, string service) =>
        (await app.Resource<ProjectResource>(service).PublishedEnvironmentAsync())
            .Where(e => !e.Key.StartsWith("OTEL_", StringComparison.Ordinal)
                && !e.Key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                && e.Key != "HTTP_PORTS")
            .ToDictionary();

    private static void AssertGraph(AppModel app, string service, string[] references, string[] waits)
    {
        var resource = app.Resource<ProjectResource>(service);
        Assert.Equal(references.Order(), resource.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(r => r.Type == "Reference" && r.Resource is not ParameterResource).Select(r => r.Resource.Name).Order());
        Assert.Equal(waits.Order(), resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct().Order());
        Assert.All(resource.Annotations.OfType<WaitAnnotation>(), w => Assert.Equal(WaitType.WaitUntilHealthy, w.WaitType));
    }

    private static string VolumeTarget(ContainerResource resource) =>
        Assert.Single(resource.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume).Target;

    private static void AssertImage(ContainerResource resource, string image, string tag)
    {
        var annotation = Assert.Single(resource.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(image, annotation.Image);
        Assert.Equal(tag, annotation.Tag);
    }
}

using Microsoft.Extensions.DependencyInjection;
using PolyglotAspire.AppHost.Infrastructure.Containers;
using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// Containers mode (a machine with Docker/Podman, and every publish but an external one): Aspire's PostgreSQL
/// container with logical WAL, a KRaft Kafka broker and the ClickHouse server, all with pinned tags and health checks,
/// and data volumes when run (not when published: see <see cref="WithRunModeVolume{T}"/>).
/// </summary>
internal static class ContainerEngines
{
    /// <summary>
    /// The PostgreSQL release local mode runs (Debian 12's postgresql-15), instead of Aspire's default (18): the
    /// capture relay's logical replication is proven on 15.
    /// </summary>
    public const string PostgresTag = "15.18";

    public static Engines Add(IDistributedApplicationBuilder builder)
    {
        var walRetention = WalRetention.MaxSlotWalKeepSize(builder.Configuration);
        var postgres = builder.AddPostgres(PostgresName)
            // Before WithDataVolume: Aspire picks the data path from the tag (15 keeps /var/lib/postgresql/data).
            .WithImageTag(PostgresTag)
            .WithArgs("-c", "wal_level=logical", "-c", "max_wal_senders=10", "-c", "max_replication_slots=10",
                "-c", "track_commit_timestamp=on", "-c", $"max_slot_wal_keep_size={walRetention}");
        if (builder.ExecutionContext.IsRunMode)
        {
            postgres.WithDataVolume(); // run mode only: WithRunModeVolume says why
        }

        var ordersDb = postgres.AddDatabase(OrdersDbName);
        var readerPassword = PostgresRoles.AddAnalyticsReaderPassword(builder);
        PostgresRoles.CreateWhenReady(builder, ordersDb.Resource, readerPassword);
        var endpoint = postgres.Resource.PrimaryEndpoint;
        return new Engines(
            ordersDb,
            ReferenceExpression.Create(
                $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username={PostgresRoles.AnalyticsReader};Password={readerPassword};Database={OrdersDbName}"),
            AddKafka(builder, KafkaTopology.From(builder.Configuration)),
            AddClickHouse(builder));
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddKafka(IDistributedApplicationBuilder builder, KafkaTopology topology)
    {
        var kafka = new KafkaContainerResource(KafkaName);
        IReadOnlyDictionary<string, string> noSettings = new Dictionary<string, string>();

        string? bootstrap = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            bootstrap = await kafka.ConnectionStringExpression.GetValueAsync(ct));
        builder.Eventing.Subscribe<ResourceReadyEvent>(kafka, (_, ct) =>
            KafkaBroker.EnsureTopicsAsync(bootstrap!, noSettings, topology.Topics, topology.Partitions, create: true, ct));
        builder.Services.AddHealthChecks().Add(KafkaBroker.HealthCheck($"{KafkaName}_check", () => bootstrap, noSettings));

        return builder.AddResource(kafka)
            .WithImage(KafkaContainerResource.Image, KafkaContainerResource.Tag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: KafkaContainerResource.BrokerPort, name: KafkaContainerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: KafkaContainerResource.InternalPort, name: KafkaContainerResource.InternalEndpointName)
            .WithEnvironment(context =>
            {
                var primary = kafka.PrimaryEndpoint;
                var internalPort = KafkaContainerResource.InternalPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var vars = context.EnvironmentVariables;
                vars["KAFKA_NODE_ID"] = "1";
                vars["KAFKA_PROCESS_ROLES"] = "broker,controller";
                vars["KAFKA_CONTROLLER_QUORUM_VOTERS"] = $"1@localhost:{KafkaContainerResource.ControllerPort}";
                vars["KAFKA_CONTROLLER_LISTENER_NAMES"] = "CONTROLLER";
                vars["KAFKA_INTER_BROKER_LISTENER_NAME"] = "INTERNAL";
                vars["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = "CONTROLLER:PLAINTEXT,HOST:PLAINTEXT,INTERNAL:PLAINTEXT";
                vars["KAFKA_LISTENERS"] =
                    $"HOST://0.0.0.0:{KafkaContainerResource.BrokerPort},INTERNAL://0.0.0.0:{KafkaContainerResource.InternalPort},CONTROLLER://localhost:{KafkaContainerResource.ControllerPort}";
                // Clients on the host reach the published port; containers reach the broker by resource name.
                vars["KAFKA_ADVERTISED_LISTENERS"] = context.ExecutionContext.IsRunMode
                    ? ReferenceExpression.Create(
                        $"HOST://localhost:{primary.Property(EndpointProperty.Port)},INTERNAL://{kafka.Name}:{internalPort}")
                    : ReferenceExpression.Create(
                        $"HOST://{primary.Property(EndpointProperty.HostAndPort)},INTERNAL://{kafka.InternalEndpoint.Property(EndpointProperty.HostAndPort)}");
                vars["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] = "1";
                vars["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] = "1";
                vars["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] = "1";
                vars["KAFKA_NUM_PARTITIONS"] = topology.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture);
                vars["KAFKA_LOG_DIRS"] = "/var/lib/kafka/data";
            })
            .WithRunModeVolume("/var/lib/kafka/data")
            .WithIconName("MailMultiple")
            .WithHealthCheck($"{KafkaName}_check");
    }

    private static ClickHouseConnections AddClickHouse(IDistributedApplicationBuilder builder)
    {
        var passwords = ClickHouseAccess.Passwords.Add(builder);
        var clickhouse = builder.AddResource(new ClickHouseServerResource(ClickHouseName));
        clickhouse
            .WithImage(ClickHouseServerResource.Image, ClickHouseServerResource.Tag)
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: ClickHouseServerResource.HttpPort, name: ClickHouseServerResource.HttpEndpointName)
            // The image replaces the password-less default user with this one, and creates the database.
            .WithEnvironment("CLICKHOUSE_USER", "admin")
            .WithEnvironment("CLICKHOUSE_PASSWORD", passwords.Admin)
            .WithEnvironment("CLICKHOUSE_DB", ClickHouseAccess.Database)
            .WithEnvironment("CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "1")
            .WithAppUserPasswords(passwords)
            .WithRunModeVolume("/var/lib/clickhouse")
            .WithIconName("DatabaseLightning")
            .WithHttpHealthCheck("/ping");
        if (builder.ExecutionContext.IsRunMode)
        {
            // Copied into the container at start.
            clickhouse.WithContainerFiles(ClickHouseServerResource.UsersDirectory, ClickHouseAccess.UsersFile(builder));
        }
        else
        {
            // Published, WithContainerFiles would be a bind mount of this machine's folder, which azd can only
            // emulate with an Azure Files share: an image with the file in it (ClickHouse/Dockerfile) needs nothing.
            clickhouse.WithDockerfile(ClickHouseAccess.UsersDirectory(builder));
        }

        var (writer, reader) = ClickHouseAccess.AddConnections(builder, clickhouse.Resource, ClickHouseServerResource.HttpEndpointName, passwords);
        return new ClickHouseConnections(writer, reader);
    }

    /// <summary>
    /// A named data volume at <paramref name="target"/>, in run mode only: published to Container Apps a volume is an
    /// Azure Files (SMB) share, which neither PostgreSQL's initdb nor ClickHouse (hard links) work on.
    /// </summary>
    private static IResourceBuilder<T> WithRunModeVolume<T>(this IResourceBuilder<T> container, string target)
        where T : ContainerResource =>
        container.ApplicationBuilder.ExecutionContext.IsRunMode
            ? container.WithVolume(VolumeNameGenerator.Generate(container, "data"), target)
            : container;
}

using Microsoft.Extensions.DependencyInjection;
using PolyglotAspire.AppHost.Infrastructure.Local;
using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// Local mode: the engines as processes on this machine (no container runtime needed). PostgreSQL 15 and
/// Kafka 0.9 run from <c>eng/local/*.sh</c>, ClickHouse 26.7's own HTTP server runs from chDB's library in the
/// <c>eng/local/ClickHouseServer</c> host. Data lives under <c>Infrastructure:DataPath</c> (default <c>.data/</c>) and is kept.
/// </summary>
internal static class LocalEngines
{
    /// <summary>Every client of the 0.9 broker needs these: it cannot answer ApiVersionRequest.</summary>
    private static readonly Dictionary<string, string> Kafka09ClientSettings = new()
    {
        ["ApiVersionRequest"] = "false",
        ["BrokerVersionFallback"] = "0.9.0",
    };

    public static Engines Add(IDistributedApplicationBuilder builder)
    {
        var paths = LocalEnginePaths.Resolve(builder);
        var ordersDb = AddPostgres(builder, paths);
        var readerPassword = PostgresRoles.AddAnalyticsReaderPassword(builder);
        PostgresRoles.CreateWhenReady(builder, ordersDb.Resource, readerPassword);
        var server = (LocalPostgresServerResource)((IResourceWithParent)ordersDb.Resource).Parent;
        return new Engines(
            ordersDb,
            ReferenceExpression.Create(
                $"Host=127.0.0.1;Port={server.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={PostgresRoles.AnalyticsReader};Password={readerPassword};Database={OrdersDbName}"),
            AddKafka(builder, paths, KafkaTopology.From(builder.Configuration)),
            AddClickHouse(builder, paths));
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddPostgres(IDistributedApplicationBuilder builder, LocalEnginePaths paths)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{PostgresName}-password", special: false);
        var walRetention = WalRetention.MaxSlotWalKeepSize(builder.Configuration);
        var server = new LocalPostgresServerResource(PostgresName, paths.Scripts, password);
        var database = new LocalPostgresDatabaseResource(OrdersDbName, OrdersDbName, server);

        string? serverConnection = null, databaseConnection = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, ct) =>
            serverConnection = await server.ConnectionStringExpression.GetValueAsync(ct));
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, ct) =>
            databaseConnection = await database.ConnectionStringExpression.GetValueAsync(ct));
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, (_, ct) =>
            PostgresDatabases.EnsureCreatedAsync(Available(serverConnection), database.DatabaseName, ct));

        builder.Services.AddHealthChecks()
            .AddNpgSql(_ => Available(serverConnection) + ";Database=postgres", name: $"{PostgresName}_check")
            .AddNpgSql(_ => Available(databaseConnection), name: $"{OrdersDbName}_check");

        builder.AddResource(server)
            .WithEndpoint(name: LocalPostgresServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Path.Combine(paths.Scripts, "postgres.sh"));
                context.Args.Add(Path.Combine(paths.Data, "postgres"));
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(walRetention);
            })
            .WithEnvironment("PGPASSWORD", password)
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck($"{PostgresName}_check");

        return builder.AddResource(database)
            .FollowParentLifecycle(server, "PostgresDatabaseResource")
            .WithIconName("Database")
            .WithHealthCheck($"{OrdersDbName}_check");
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddKafka(IDistributedApplicationBuilder builder, LocalEnginePaths paths, KafkaTopology topology)
    {
        var kafka = new LocalKafkaResource(KafkaName, paths.Scripts);

        string? bootstrap = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            bootstrap = await kafka.ConnectionStringExpression.GetValueAsync(ct));
        // kafka.sh creates the topics (0.9 has no CreateTopics API): dependants start once they are led.
        builder.Eventing.Subscribe<ResourceReadyEvent>(kafka, (_, ct) =>
            KafkaBroker.EnsureTopicsAsync(Available(bootstrap), Kafka09ClientSettings, topology.Topics, topology.Partitions, create: false, ct));
        builder.Services.AddHealthChecks().Add(KafkaBroker.HealthCheck($"{KafkaName}_check", () => bootstrap, Kafka09ClientSettings));

        return builder.AddResource(kafka)
            .WithEndpoint(name: LocalKafkaResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithEndpoint(name: LocalKafkaResource.ZooKeeperEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Path.Combine(paths.Scripts, "kafka.sh"));
                context.Args.Add(Path.Combine(paths.Data, "kafka"));
                context.Args.Add(kafka.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(kafka.ZooKeeperEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(topology.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var topic in topology.Topics)
                {
                    context.Args.Add(topic);
                }
            })
            .WithEnvironment("POLYGLOT_ENGINES", paths.Engines)
            .WithAnnotation(new KafkaClientConfigAnnotation(Kafka09ClientSettings))
            .WithIconName("MailMultiple")
            .WithHealthCheck($"{KafkaName}_check");
    }

    private static ClickHouseConnections AddClickHouse(IDistributedApplicationBuilder builder, LocalEnginePaths paths)
    {
        var passwords = ClickHouseAccess.Passwords.Add(builder);
        // ClickHouse 26.7's own HTTP server from chDB (eng/local/ClickHouseServer); not proxied: inserts go straight to it.
        var server = builder.AddProject<Projects.ClickHouseServer>(ClickHouseName, launchProfileName: null)
            .WithHttpEndpoint(name: "http", isProxied: false);
        var http = server.GetEndpoint("http");
        server
            .WithArgs(context =>
            {
                context.Args.Add("--data");
                context.Args.Add(Path.Combine(paths.Data, "clickhouse"));
                context.Args.Add("--http-port");
                context.Args.Add(http.Property(EndpointProperty.TargetPort));
                context.Args.Add("--library");
                context.Args.Add(paths.ChDbLibrary);
            })
            .WithEnvironment("CLICKHOUSE_ADMIN_PASSWORD", passwords.Admin)
            .WithAppUserPasswords(passwords)
            .WithIconName("DatabaseLightning")
            .WithHttpHealthCheck("/ping");

        var (writer, reader) = ClickHouseAccess.AddConnections(builder, server.Resource, "http", passwords);
        return new ClickHouseConnections(writer, reader);
    }

    private static string Available(string? connectionString) =>
        connectionString ?? throw new InvalidOperationException("The connection string is not available yet.");
}

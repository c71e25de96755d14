namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// The three engines, whatever the <see cref="InfrastructureMode"/>: each is something services reference by
/// connection string (<c>ordersdb</c>, <c>kafka</c>, ClickHouse as the user the service needs) and wait for; and
/// ordersdb as the analytics fallback's read-only role (<see cref="PostgresRoles"/>), <c>AnalyticsOrdersDb</c>.
/// </summary>
public sealed record Engines(
    IResourceBuilder<IResourceWithConnectionString> OrdersDb,
    ReferenceExpression AnalyticsOrdersDb,
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    ClickHouseConnections ClickHouse);

/// <summary>ClickHouse as the sync worker's writer and as Analytics.Api's read-only user (<c>ClickHouse/users.xml</c>).</summary>
public sealed record ClickHouseConnections(
    IResourceBuilder<IResourceWithConnectionString> Writer,
    IResourceBuilder<IResourceWithConnectionString> Reader);

public static class EnginesExtensions
{
    public const string PostgresName = "postgres";
    public const string OrdersDbName = "ordersdb";
    public const string KafkaName = "kafka";
    public const string ClickHouseName = "clickhouse";

    /// <summary>Adds PostgreSQL (database <c>ordersdb</c>), Kafka and ClickHouse in the configured mode.</summary>
    public static Engines AddEngines(this IDistributedApplicationBuilder builder)
    {
        var mode = InfrastructureModeResolver.Resolve(builder.Configuration, builder.ExecutionContext);
        return mode switch
        {
            InfrastructureMode.Containers => ContainerEngines.Add(builder),
            InfrastructureMode.Local => LocalEngines.Add(builder),
            InfrastructureMode.External => ExternalEngines.Add(builder),
            _ => throw new InvalidOperationException($"Unresolved infrastructure mode {mode}."),
        };
    }

    /// <summary>
    /// References ClickHouse as <paramref name="user"/> under the connection name services use, <c>clickhouse</c>, and
    /// waits for it — and for its server, whose health check (<c>/ping</c>) says when it answers.
    /// </summary>
    public static IResourceBuilder<T> WithClickHouse<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> user)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        builder.WithReference(user, connectionName: ClickHouseName).WaitFor(user);
        if (user.Resource is IResourceWithParent { Parent: var server })
        {
            builder.WaitFor(user.ApplicationBuilder.CreateResourceBuilder(server));
        }

        return builder;
    }

    /// <summary>
    /// References Kafka and waits for it, and passes the broker's client settings (e.g. the 0.9 compatibility
    /// options) as configuration of the service's producers and consumers, in the Aspire.Confluent.Kafka shape.
    /// </summary>
    public static IResourceBuilder<T> WithKafka<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> kafka)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        builder.WithReference(kafka).WaitFor(kafka);
        foreach (var annotation in kafka.Resource.Annotations.OfType<KafkaClientConfigAnnotation>())
        {
            foreach (var (name, value) in annotation.Settings)
            {
                builder.WithEnvironment($"Aspire__Confluent__Kafka__Producer__Config__{name}", value);
                builder.WithEnvironment($"Aspire__Confluent__Kafka__Consumer__Config__{name}", value);
            }

            foreach (var (name, secret) in annotation.Secrets)
            {
                builder.WithEnvironment($"Aspire__Confluent__Kafka__Producer__Config__{name}", secret);
                builder.WithEnvironment($"Aspire__Confluent__Kafka__Consumer__Config__{name}", secret);
            }
        }

        return builder;
    }
}

/// <summary>
/// Client settings every Kafka client of this broker needs, by <c>Confluent.Kafka.ClientConfig</c> property name
/// (e.g. <c>ApiVersionRequest=false</c>), and those that are secrets (e.g. a published <c>SaslPassword</c>) as
/// parameters. Tests read <see cref="Settings"/> to build their own clients.
/// </summary>
public sealed class KafkaClientConfigAnnotation(
    IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, ParameterResource>? secrets = null) : IResourceAnnotation
{
    public IReadOnlyDictionary<string, string> Settings { get; } = settings;

    public IReadOnlyDictionary<string, ParameterResource> Secrets { get; } = secrets ?? new Dictionary<string, ParameterResource>();
}

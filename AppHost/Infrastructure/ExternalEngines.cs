using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// External mode: managed services or clusters. Connection strings come from the AppHost's configuration
/// (<c>ConnectionStrings:ordersdb</c>, <c>:ordersdb-reader</c> (the analytics fallback's read-only role), <c>:kafka</c>, <c>:clickhouse-writer</c>, <c>:clickhouse-reader</c>; user secrets or
/// environment), Kafka client settings such as SASL for Event Hubs from <c>Infrastructure:External:KafkaClientConfig</c>
/// (ClientConfig property names, e.g. <c>SecurityProtocol</c>, <c>SaslMechanism</c>). The ClickHouse users are the
/// operator's to create, with the rights <c>ClickHouse/users.xml</c> gives them. Published (docs/deploying.md), the
/// connection strings are secret parameters, and so is every <c>…Password</c> client setting: a manifest holds no secret.
/// </summary>
internal static class ExternalEngines
{
    public static Engines Add(IDistributedApplicationBuilder builder)
    {
        var kafkaSettings = builder.Configuration.GetSection("Infrastructure:External:KafkaClientConfig")
            .GetChildren()
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => s.Value!);

        // Published, a password setting (Event Hubs' SaslPassword is its connection string) becomes a secret parameter
        // that azd asks for, e.g. kafka-saslpassword, instead of a value written into the manifest.
        var secrets = new Dictionary<string, ParameterResource>();
        if (builder.ExecutionContext.IsPublishMode)
        {
            foreach (var name in kafkaSettings.Keys.Where(k => k.EndsWith("Password", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                secrets[name] = builder.AddParameter($"{KafkaName}-{name.ToLowerInvariant()}", secret: true).Resource;
                kafkaSettings.Remove(name);
            }
        }

        var reader = builder.AddConnectionString(PostgresRoles.AnalyticsReaderConnectionName);
        return new Engines(
            builder.AddConnectionString(OrdersDbName),
            ReferenceExpression.Create($"{reader.Resource}"),
            builder.AddConnectionString(KafkaName).WithAnnotation(new KafkaClientConfigAnnotation(kafkaSettings, secrets)),
            new ClickHouseConnections(
                builder.AddConnectionString(ClickHouseAccess.WriterName),
                builder.AddConnectionString(ClickHouseAccess.ReaderName)));
    }
}

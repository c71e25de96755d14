using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// External mode: managed services or clusters. Connection strings come from the AppHost's configuration
/// (<c>ConnectionStrings:ordersdb</c>, <c>:kafka</c>, <c>:clickhouse-writer</c>, <c>:clickhouse-reader</c>; user secrets or
/// environment), Kafka client settings such as SASL for Event Hubs from <c>Infrastructure:External:KafkaClientConfig</c>
/// (ClientConfig property names, e.g. <c>SecurityProtocol</c>, <c>SaslMechanism</c>). The ClickHouse users are the
/// operator's to create, with the rights <c>ClickHouse/users.xml</c> gives them.
/// </summary>
internal static class ExternalEngines
{
    public static Engines Add(IDistributedApplicationBuilder builder)
    {
        var kafkaSettings = builder.Configuration.GetSection("Infrastructure:External:KafkaClientConfig")
            .GetChildren()
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => s.Value!);

        return new Engines(
            builder.AddConnectionString(OrdersDbName),
            builder.AddConnectionString(KafkaName).WithAnnotation(new KafkaClientConfigAnnotation(kafkaSettings)),
            new ClickHouseConnections(
                builder.AddConnectionString(ClickHouseAccess.WriterName),
                builder.AddConnectionString(ClickHouseAccess.ReaderName)));
    }
}

using Confluent.Kafka;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Settings of a Kafka producer, bound from <c>Aspire:Confluent:Kafka:Producer</c> (shape of Aspire.Confluent.Kafka,
/// which our registry does not have, so it can be swapped in later without touching the services).
/// </summary>
public sealed class KafkaProducerSettings
{
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka settings. Broker-specific ones (e.g. the 0.9 compatibility options) come from configuration.</summary>
    public ProducerConfig Config { get; } = new();

    public bool DisableHealthChecks { get; set; }

    public bool DisableMetrics { get; set; }
}

/// <summary>Settings of a Kafka consumer, bound from <c>Aspire:Confluent:Kafka:Consumer</c>.</summary>
public sealed class KafkaConsumerSettings
{
    public string? ConnectionString { get; set; }

    public ConsumerConfig Config { get; } = new();

    public bool DisableHealthChecks { get; set; }

    public bool DisableMetrics { get; set; }
}

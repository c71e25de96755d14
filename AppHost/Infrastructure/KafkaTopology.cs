using Microsoft.Extensions.Configuration;


namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>The topics the app needs and their partition count (<c>Kafka:Partitions</c>, default 4).</summary>
internal sealed record KafkaTopology(IReadOnlyList<string> Topics, int Partitions)
{
    public static KafkaTopology From(IConfiguration configuration)
    {
        var partitions = configuration.GetValue("Kafka:Partitions", 4);
        if (partitions is < 1 or > 256)
        {
            throw new InvalidOperationException($"Kafka:Partitions is {partitions}; expected 1 to 256.");
        }

        return new KafkaTopology([Contracts.Topics.OrderEvents, Contracts.Topics.OrderEventsDeadLetter], partitions);
    }
}

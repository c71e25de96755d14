using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>AppHost-side Kafka operations: the broker health check and making sure the topics exist.</summary>
internal static class KafkaBroker
{
    /// <summary>Builds an admin client config the way services bind theirs (ClientConfig property names).</summary>
    private static AdminClientConfig AdminConfig(string bootstrapServers, IReadOnlyDictionary<string, string> settings)
    {
        var config = new AdminClientConfig();
        new ConfigurationBuilder().AddInMemoryCollection(settings!).Build().Bind(config);
        config.BootstrapServers = bootstrapServers;
        config.SocketTimeoutMs = 5000;
        return config;
    }

    /// <summary>An admin client whose librdkafka logs are dropped: these are probes, their outcome is the signal.</summary>
    public static IAdminClient CreateAdminClient(string bootstrapServers, IReadOnlyDictionary<string, string> settings) =>
        new AdminClientBuilder(AdminConfig(bootstrapServers, settings)).SetLogHandler((_, _) => { }).Build();

    /// <summary>Healthy when the broker answers a metadata request.</summary>
    public static HealthCheckRegistration HealthCheck(string name, Func<string?> bootstrapServers, IReadOnlyDictionary<string, string> settings) =>
        new(name, _ => new DelegateHealthCheck(async ct =>
        {
            var servers = bootstrapServers() ?? throw new InvalidOperationException("The Kafka connection string is not available yet.");
            var metadata = await Task.Run(() =>
            {
                using var admin = CreateAdminClient(servers, settings);
                return admin.GetMetadata(TimeSpan.FromSeconds(3));
            }, ct);
            return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no broker");
        }), failureStatus: null, tags: null);

    /// <summary>
    /// Creates the topics when the broker supports it (<paramref name="create"/>; 0.9 does not, its start script
    /// creates them), then waits until every topic has all its partitions led.
    /// </summary>
    public static async Task EnsureTopicsAsync(string bootstrapServers, IReadOnlyDictionary<string, string> settings,
        IReadOnlyList<string> topics, int partitions, bool create, CancellationToken cancellationToken)
    {
        using var admin = CreateAdminClient(bootstrapServers, settings);
        if (create)
        {
            try
            {
                await admin.CreateTopicsAsync(topics.Select(t => new Confluent.Kafka.Admin.TopicSpecification
                {
                    Name = t,
                    NumPartitions = partitions,
                    ReplicationFactor = 1,
                }));
            }
            catch (Confluent.Kafka.Admin.CreateTopicsException ex)
                when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
            var ready = topics.All(name => metadata.Topics.Any(t =>
                t.Topic == name && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0 && t.Partitions.All(p => p.Leader >= 0)));
            if (ready)
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private sealed class DelegateHealthCheck(Func<CancellationToken, Task<HealthCheckResult>> check) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await check(cancellationToken);
            }
            catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}

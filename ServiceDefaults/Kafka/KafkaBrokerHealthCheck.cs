using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Healthy when the broker answers a metadata request through the client's own connection. Metadata works on
/// every broker version we support (0.9 has no AdminClient CreateTopics, and producing a probe message would
/// create a topic), and reusing the client's handle proves that client's settings, not a copy of them.
/// </summary>
internal sealed class KafkaBrokerHealthCheck(Handle handle) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetMetadata blocks; keep it off the request thread.
            var metadata = await Task.Run(() =>
            {
                using var admin = new DependentAdminClientBuilder(handle).Build();
                return admin.GetMetadata(Timeout);
            }, cancellationToken);

            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s)")
                : HealthCheckResult.Unhealthy("No broker in the metadata answer.");
        }
        catch (KafkaException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, ex.Error.Reason, ex);
        }
    }
}

using ClickHouse.Driver;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>Ready when ClickHouse answers <c>/ping</c> through the service's own client (its user, its settings).</summary>
internal sealed class ClickHouseHealthCheck(IClickHouseClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await client.PingAsync(cancellationToken: cancellationToken)
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, "ClickHouse did not answer /ping.");
}

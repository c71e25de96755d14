using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The relay's state in <c>/health</c>. Kafka being down makes it <b>degraded</b>, never unhealthy: writes do not
/// need Kafka and keep succeeding (the slot keeps the WAL until the relay catches up). Unhealthy means the relay
/// itself is broken: its loop ended, or it has been unable to stream (and is not a standby) for a long time.
/// </summary>
internal sealed class CaptureRelayHealthCheck(CaptureRelay relay, IOptions<CaptureRelayOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (relay.ExecuteTask is { IsCompleted: true } ended && relay.Status.State is not (RelayState.Disabled or RelayState.Stopped))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The capture relay stopped.", ended.Exception?.GetBaseException()));
        }

        var status = relay.Status;
        var inState = time.GetUtcNow() - status.Since;
        var data = new Dictionary<string, object>
        {
            ["state"] = status.State.ToString(),
            ["since"] = status.Since,
            ["inFlight"] = status.InFlight,
            ["confirmedLsn"] = new ConsistencyToken(status.ConfirmedLsn).ToString(),
        };
        if (status.Detail is not null)
        {
            data["detail"] = status.Detail;
        }

        var result = status.State switch
        {
            RelayState.Streaming when status.WaitingForAck > settings.StalledAfter => new HealthCheckResult(HealthStatus.Degraded,
                $"Kafka has acknowledged nothing for {status.WaitingForAck.TotalSeconds:F0} s ({status.InFlight} events waiting). Writes continue; the relay catches up when Kafka is back.",
                data: data),
            RelayState.Streaming or RelayState.Disabled => HealthCheckResult.Healthy(status.State.ToString(), data),
            RelayState.Standby => HealthCheckResult.Healthy("Standby: another instance holds the replication slot.", data: data),
            RelayState.Starting or RelayState.Connecting or RelayState.Retrying when inState <= settings.UnhealthyAfter =>
                new HealthCheckResult(HealthStatus.Degraded, $"{status.State}: {status.Detail}", data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus,
                $"The capture relay has not streamed for {inState.TotalSeconds:F0} s: {status.Detail}", data: data),
        };
        return Task.FromResult(result);
    }
}

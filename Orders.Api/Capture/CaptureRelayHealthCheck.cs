using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The relay's state in <c>/health</c>. Kafka being down makes it <b>degraded</b>, not unhealthy: writes do not need
/// Kafka and keep succeeding (the slot keeps the WAL until the relay catches up) — and so does a slot that retains
/// more than <see cref="CaptureRelayOptions.SlotLagDegradedBytes"/> of WAL or that PostgreSQL marks at risk, the road
/// to invalidation at <c>max_slot_wal_keep_size</c>. Unhealthy means the relay itself is broken or needs an operator:
/// its loop ended; its slot is lost (<see cref="RelayState.SlotLost"/>, with the way back); it fails for a reason
/// retrying cannot cure (<see cref="RelayFailures"/>); or it has not streamed (and is not a standby) for
/// <see cref="CaptureRelayOptions.UnhealthyAfter"/>, counted from when it last streamed — retries do not restart it.
/// </summary>
internal sealed class CaptureRelayHealthCheck(CaptureRelay relay, ReplicationSlotMonitor slot, IOptions<CaptureRelayOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (relay.ExecuteTask is { IsCompleted: true } ended && relay.Status.State is not (RelayState.Disabled or RelayState.Stopped or RelayState.SlotLost))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The capture relay stopped.", ended.Exception?.GetBaseException()));
        }

        var status = relay.Status;
        var now = time.GetUtcNow();
        var notStreaming = status.NotStreamingSince is { } since ? now - since : TimeSpan.Zero;
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

        var reading = slot.Latest?.State;
        if (reading is not null)
        {
            data["slotWalStatus"] = reading.WalStatus ?? "";
            data["slotLagBytes"] = reading.LagBytes ?? 0;
            if (reading.SafeWalSizeBytes is { } safe)
            {
                data["slotSafeWalSizeBytes"] = safe;
            }
        }

        var unhealthy = context.Registration.FailureStatus;
        var result = status.State switch
        {
            RelayState.SlotLost => new HealthCheckResult(unhealthy, status.Detail, data: data),
            not RelayState.Disabled when slot.Latest?.Loss is { } loss => new HealthCheckResult(unhealthy, loss.Describe(), data: data),
            RelayState.Retrying when status.Permanent is not null => new HealthCheckResult(unhealthy,
                $"The capture relay fails for a reason that needs an operator ({status.Permanent}); it keeps retrying. Last error: {status.Detail}", data: data),
            RelayState.Starting or RelayState.Connecting or RelayState.Retrying when notStreaming > settings.UnhealthyAfter => new HealthCheckResult(unhealthy,
                $"The capture relay has not streamed for {notStreaming.TotalSeconds:F0} s: {status.Detail}", data: data),
            RelayState.Starting or RelayState.Connecting or RelayState.Retrying =>
                new HealthCheckResult(HealthStatus.Degraded, $"{status.State} (not streaming for {notStreaming.TotalSeconds:F0} s): {status.Detail}", data: data),
            RelayState.Streaming when status.WaitingForAck > settings.StalledAfter => new HealthCheckResult(HealthStatus.Degraded,
                $"Kafka has acknowledged nothing for {status.WaitingForAck.TotalSeconds:F0} s ({status.InFlight} events waiting). Writes continue; the relay catches up when Kafka is back.",
                data: data),
            RelayState.Standby => HealthCheckResult.Healthy("Standby: another instance holds the replication slot.", data: data),
            _ => HealthCheckResult.Healthy(status.State.ToString(), data),
        };

        if (result.Status == HealthStatus.Healthy && status.State != RelayState.Disabled && reading is not null
            && (reading.IsAtRisk || reading.LagBytes >= settings.SlotLagDegradedBytes))
        {
            result = new HealthCheckResult(HealthStatus.Degraded,
                $"The replication slot retains {reading.LagBytes / (1 << 20)} MiB of WAL (WAL status '{reading.WalStatus}'). Writes continue; if it reaches " +
                "max_slot_wal_keep_size PostgreSQL invalidates the slot and capture stops until a backfill (docs/contracts.md §6).", data: data);
        }

        return Task.FromResult(result);
    }
}

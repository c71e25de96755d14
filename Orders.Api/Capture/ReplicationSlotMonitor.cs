using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Reads the replication slot every <see cref="CaptureRelayOptions.SlotCheckInterval"/>, streaming or not (a relay
/// that cannot stream is exactly when the slot grows): its lag and WAL status for health and metrics
/// (<c>polyglot.orders.capture.slot_lag</c>, <c>slot_safe_wal_size</c>), and its confirmed position into
/// <c>capture_slots</c> — where a gap would start should the slot be lost (issue 13 items 2 and 6). A slot found
/// gone or invalidated is recorded as lost at once, even while the relay, blocked on Kafka, has not noticed yet.
/// </summary>
public sealed partial class ReplicationSlotMonitor(
    ReplicationSlotGuard guard, IOptions<CaptureRelayOptions> options, OrdersTelemetry telemetry, TimeProvider time, ILogger<ReplicationSlotMonitor> logger)
    : BackgroundService
{
    private volatile SlotReading? _latest;

    /// <summary>The last reading, or null before the first. <see cref="SlotReading.State"/> is null when there is no slot.</summary>
    public SlotReading? Latest
    {
        get => _latest;
        internal set => _latest = value;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SlotCheckInterval, time);
        do
        {
            try
            {
                var state = await guard.ObserveAsync(stoppingToken);
                var loss = state is null || state.IsInvalidated ? await guard.FindLossAsync(stoppingToken) : null;
                _latest = new SlotReading(state, time.GetUtcNow(), loss);
                if (state?.LagBytes is { } lag)
                {
                    telemetry.SetSlotLag(lag);
                }

                telemetry.SetSlotSafeWalSize(state?.SafeWalSizeBytes);
            }
            catch (Exception ex) when ((ex is NpgsqlException or TimeoutException) && !stoppingToken.IsCancellationRequested)
            {
                LogUnavailable(logger, ex.Message); // the relay's own state says PostgreSQL is unreachable
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The replication slot could not be read: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}

using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Confirms the replication slot up to what Kafka acknowledged: the longest prefix of checkpoints (transactions and
/// heartbeats, in WAL order) whose every message is acknowledged (<see cref="AckTracker.TryAdvance"/>). PostgreSQL
/// may then recycle the WAL before it; a crash replays from there, so nothing is lost and a suffix may be sent twice.
/// <paramref name="confirm"/> sets the replication connection's applied and flushed position and sends a status update.
/// </summary>
internal sealed class SlotConfirmer(AckTracker tracker, Func<ulong, CancellationToken, Task> confirm, OrdersTelemetry telemetry, TimeProvider time)
{
    /// <summary>Confirms every <paramref name="interval"/> and records the relay's progress metrics.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await ConfirmAsync(cancellationToken);
            telemetry.SetInFlight(tracker.InFlight);
            if (tracker.ConfirmedCommitTimeMs > 0)
            {
                telemetry.SetWatermarkAge(Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - tracker.ConfirmedCommitTimeMs));
            }
        }
    }

    /// <summary>Pushes the confirmable position to the slot, if it moved.</summary>
    public async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        if (!tracker.TryAdvance())
        {
            return;
        }

        try
        {
            await confirm(tracker.ConfirmedLsn, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // Not streaming (any more): the position is kept and sent with the next status update, if any.
        }
    }
}

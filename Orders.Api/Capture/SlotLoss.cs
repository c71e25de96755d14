namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The replication slot is gone (dropped, or invalidated by <c>max_slot_wal_keep_size</c>) after it had been in use:
/// changes committed after <see cref="CapturedThroughLsn"/> may never have been published. Recorded in
/// <c>capture_slots</c>, so it survives restarts.
/// </summary>
public sealed record SlotLoss(string SlotName, DateTimeOffset Since, string Reason, ulong? CapturedThroughLsn)
{
    /// <summary>What to say in logs and health: what happened, what it means for analytics, and the way back.</summary>
    public string Describe() =>
        $"Replication slot '{SlotName}' was lost at {Since:O}: {Reason}. Changes committed after " +
        (CapturedThroughLsn is { } lsn ? $"LSN {new Contracts.ConsistencyToken(lsn)}" : "the last confirmed position") +
        " are not captured, so capture is stopped rather than restarted at the current position: analytics keeps what it has and " +
        "claims no freshness past it (reads that need newer data go to PostgreSQL). Recovery: a backfill from PostgreSQL " +
        "(issue 14, not built yet), then `UPDATE capture_slots SET recreate_after_loss = true WHERE slot_name = '" + SlotName +
        "'` and restart Orders.Api to capture from a new slot (or do that without the backfill, accepting the gap in analytics).";

    public override string ToString() => Describe();
}

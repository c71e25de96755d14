namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The replication slot as <c>pg_replication_slots</c> shows it: <see cref="WalStatus"/> is PostgreSQL's
/// (<c>reserved</c>, <c>extended</c>, <c>unreserved</c> — invalidated at the next checkpoint unless it catches up —
/// or <c>lost</c>); <see cref="LagBytes"/> the WAL it retains (current position minus confirmed); <see cref="SafeWalSizeBytes"/>
/// how much more WAL may be written before it is at risk (null without <c>max_slot_wal_keep_size</c>).
/// </summary>
public sealed record SlotState(string Plugin, string? WalStatus, ulong ConfirmedLsn, long? LagBytes, long? SafeWalSizeBytes, bool Active)
{
    public bool IsInvalidated => WalStatus == "lost";

    /// <summary>Past <c>max_wal_size</c> and beyond what <c>max_slot_wal_keep_size</c> keeps: lost at the next checkpoint.</summary>
    public bool IsAtRisk => WalStatus == "unreserved";
}

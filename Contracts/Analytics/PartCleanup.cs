namespace PolyglotAspire.Contracts.Analytics;

/// <summary>
/// How ClickHouse removes the parts that inserts and merges leave behind, for both tables the worker writes
/// (<see cref="OrdersTable"/>, <see cref="SyncStateTable"/>; schema version 5). Each batch adds a part to each of them,
/// so at 500 orders/s about 60 parts a second become outdated. With the defaults the server removed them every 30–40 s,
/// ~1,000 at a time on a thread pool (past <c>concurrent_part_removal_threshold</c>, 100), holding the parts lock:
/// inserts waited 0.3–0.7 s, which was the whole tail of commit → visible (measured per second with
/// <c>system.events</c>: <c>SharedPartsLockWaitMicroseconds</c> 15× and pool busy time 30–100× normal in exactly the
/// seconds the outdated-part count fell to zero). Now a round runs every 1–2 s and removes its few dozen parts on the
/// cleanup thread alone; a backlog of thousands (after a restart) still uses the pool. Measured in
/// docs/decisions.md (issue 18): commit → insert p99 155 ms against 338–652 ms, row visible p99 230 against 581–929.
/// </summary>
public static class PartCleanup
{
    /// <summary>The MergeTree settings, as <c>SETTINGS</c> and <c>MODIFY SETTING</c> take them.</summary>
    public const string Settings =
        "cleanup_delay_period = 1, cleanup_delay_period_random_add = 1, concurrent_part_removal_threshold = 10000";
}

using System.Globalization;

namespace PolyglotAspire.Contracts.Analytics;

/// <summary>
/// The ClickHouse <c>orders</c> table (contracts.md §4), its one definition: name, columns, the RowBinary insert
/// order, the current DDL and its partitions. The sync worker creates and migrates it and writes it; Analytics.Api
/// reads it. A change here is a schema change: the worker gets a migration for it (Sync.Worker/README.md).
/// <para>
/// Version 2 is partitioned by the month of <c>created_at</c> and sorted by <c>(created_at, order_id)</c>. An
/// order's <c>created_at</c> never changes (contracts.md §3, key 12), so every version of an order lands in the same
/// partition and under the same sorting key: <c>ReplacingMergeTree</c> collapses them exactly as before, and
/// <c>FINAL</c> never needs to merge across partitions (<c>do_not_merge_across_partitions_select_final</c>), which is
/// also what makes a partition's answer a function of that partition's parts alone (Analytics.Api's per-partition
/// cache relies on it). The sink checks nothing new for this: it is the envelope's promise, not the table's.
/// </para>
/// <para>
/// Version 4 (3 was <c>sync_state</c>'s) lets ClickHouse merge a quiet partition into one part
/// (<see cref="MergeSettings"/>): <c>FINAL</c> over a partition of one part merges nothing. Version 5 removes
/// outdated parts in small, frequent rounds (<see cref="PartCleanup"/>).
/// </para>
/// </summary>
public static class OrdersTable
{
    public const string Name = "orders";

    /// <summary>The version of the shape below; the worker's migrations bring an older table to it.</summary>
    public const int Version = 5;

    /// <summary>The column definitions, in table order.</summary>
    public const string ColumnDefinitions = """
        order_id UUID, version UInt32, is_deleted UInt8,
        customer_id String, region LowCardinality(String), currency LowCardinality(String), status LowCardinality(String),
        total Decimal(18, 2), created_at DateTime64(3, 'UTC'), line_count UInt16,
        commit_lsn UInt64, commit_time DateTime64(3, 'UTC'), event_id UUID,
        _synced_at DateTime64(3, 'UTC') DEFAULT now64(3)
        """;

    /// <summary>Every column, in table order (a copy between two shapes names them all).</summary>
    public static readonly IReadOnlyList<string> AllColumns =
    [
        "order_id", "version", "is_deleted", "customer_id", "region", "currency", "status", "total", "created_at",
        "line_count", "commit_lsn", "commit_time", "event_id", "_synced_at",
    ];

    /// <summary>
    /// The columns a sink row carries, in RowBinary order: the envelope's field order (contracts.md §3), so the
    /// worker's transcoder writes each field as soon as it reads it. <c>_synced_at</c> takes its default.
    /// </summary>
    public static readonly IReadOnlyList<string> InsertColumns =
    [
        "event_id", "is_deleted", "order_id", "version", "commit_lsn", "commit_time",
        "customer_id", "region", "currency", "status", "total", "created_at", "line_count",
    ];

    /// <summary>The partition key, as <c>system.tables.partition_key</c> prints it.</summary>
    public const string PartitionKey = "toYYYYMM(created_at)";

    /// <summary>The sorting (and deduplication) key, as <c>system.tables.sorting_key</c> prints it.</summary>
    public const string SortingKey = "created_at, order_id";

    /// <summary>
    /// A partition whose parts are all at least this old is merged into one part by ClickHouse itself. Measured on 10 M
    /// orders with 60 parts in 25 partitions (as a bulk load leaves them), top customers took 1.25 s with <c>FINAL</c>
    /// and 0.27 s once each partition was one part — the same as without <c>FINAL</c>. Rewriting a partition costs about
    /// 0.2 CPU-s per 400k rows, at most once per this age after its last write; a partition that keeps being written
    /// (the current month) is left to the normal merges.
    /// </summary>
    public const int ForceMergeAfterSeconds = 300;

    /// <summary>The MergeTree settings of <see cref="ForceMergeAfterSeconds"/>, as <c>SETTINGS</c> and <c>MODIFY SETTING</c> take them.</summary>
    public static readonly string MergeSettings =
        $"min_age_to_force_merge_seconds = {ForceMergeAfterSeconds}, min_age_to_force_merge_on_partition_only = 1";

    /// <summary>Blocks remembered for insert deduplication (a retried batch is found among the last 1000 inserts).</summary>
    public const int DeduplicationWindow = 1000;

    /// <summary>
    /// The current DDL, idempotent. <paramref name="onCluster"/> (<c>ON CLUSTER `name`</c>) and
    /// <paramref name="replicated"/> make the per-node table of a cluster.
    /// </summary>
    public static string CreateStatement(string table, string onCluster = "", bool replicated = false) =>
        $"""
        CREATE TABLE IF NOT EXISTS {table} {onCluster}({ColumnDefinitions})
        ENGINE = {(replicated ? "Replicated" : "")}ReplacingMergeTree(version, is_deleted)
        PARTITION BY {PartitionKey} ORDER BY ({SortingKey})
        SETTINGS {(replicated ? "replicated" : "non_replicated")}_deduplication_window = {DeduplicationWindow}, {MergeSettings}, {PartCleanup.Settings}
        """;

    /// <summary>The partition an order created at <paramref name="createdAt"/> (UTC) lives in: <c>yyyyMM</c>.</summary>
    public static string PartitionOf(DateTime createdAt) => createdAt.ToString("yyyyMM", CultureInfo.InvariantCulture);

    /// <summary>
    /// The created_at range [<paramref name="from"/>, <paramref name="to"/>) a partition holds, from its id
    /// (<c>yyyyMM</c>); false for an id this shape does not make (e.g. <c>all</c>, an unpartitioned version 1 table).
    /// </summary>
    public static bool TryGetPartitionRange(string partitionId, out DateTime from, out DateTime to)
    {
        if (partitionId.Length == 6
            && DateTime.TryParseExact(partitionId, "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out from))
        {
            from = DateTime.SpecifyKind(from, DateTimeKind.Utc);
            to = from.AddMonths(1);
            return true;
        }

        (from, to) = (default, default);
        return false;
    }
}

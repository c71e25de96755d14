namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>
/// The ClickHouse schema the worker owns (contracts.md §4), as idempotent DDL. On one server: the two tables as
/// agreed. On a cluster (<c>SyncWorker:ClickHouseCluster</c>): each table becomes a <c>Replicated*</c> local table
/// on every node (<c>ON CLUSTER</c>, the server's default replica path and name) plus a <c>Distributed</c> table
/// under the agreed name, sharded so that every version of an order (and every row of a partition's state) lands
/// on one shard — which is what makes <c>FINAL</c> exact per shard. Readers and the worker use the agreed names
/// either way.
/// </summary>
internal static class ClickHouseSchema
{
    public const string Orders = "orders";
    public const string SyncState = "sync_state";
    public const string LocalSuffix = "_local";

    /// <summary>Blocks remembered for insert deduplication (a retried batch is found among the last 1000 inserts).</summary>
    public const int DeduplicationWindow = 1000;

    private const string OrdersColumns = """
        (
          order_id UUID, version UInt32, is_deleted UInt8,
          customer_id String, region LowCardinality(String), currency LowCardinality(String), status LowCardinality(String),
          total Decimal(18, 2), created_at DateTime64(3, 'UTC'), line_count UInt16,
          commit_lsn UInt64, commit_time DateTime64(3, 'UTC'), event_id UUID,
          _synced_at DateTime64(3, 'UTC') DEFAULT now64(3)
        )
        """;

    private const string SyncStateColumns = """
        (
          topic LowCardinality(String), partition UInt32,
          next_offset Int64,
          lsn UInt64,
          as_of DateTime64(3, 'UTC'),
          updated_at DateTime64(3, 'UTC')
        )
        """;

    /// <summary>The statements, in order. <paramref name="database"/> only matters on a cluster (the Distributed tables name it).</summary>
    public static IReadOnlyList<string> Statements(string? cluster, string? database)
    {
        if (string.IsNullOrWhiteSpace(cluster))
        {
            return
            [
                $"""
                CREATE TABLE IF NOT EXISTS {Orders} {OrdersColumns}
                ENGINE = ReplacingMergeTree(version, is_deleted) ORDER BY order_id
                SETTINGS non_replicated_deduplication_window = {DeduplicationWindow}
                """,
                $"""
                CREATE TABLE IF NOT EXISTS {SyncState} {SyncStateColumns}
                ENGINE = ReplacingMergeTree(updated_at) ORDER BY (topic, partition)
                """,
            ];
        }

        var on = $"ON CLUSTER {Quote(cluster)}";
        var db = string.IsNullOrWhiteSpace(database) ? "currentDatabase()" : Quote(database);
        return
        [
            $"""
            CREATE TABLE IF NOT EXISTS {Orders}{LocalSuffix} {on} {OrdersColumns}
            ENGINE = ReplicatedReplacingMergeTree(version, is_deleted) ORDER BY order_id
            SETTINGS replicated_deduplication_window = {DeduplicationWindow}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {Orders} {on} AS {Orders}{LocalSuffix}
            ENGINE = Distributed({Quote(cluster)}, {db}, {Orders}{LocalSuffix}, cityHash64(order_id))
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {SyncState}{LocalSuffix} {on} {SyncStateColumns}
            ENGINE = ReplicatedReplacingMergeTree(updated_at) ORDER BY (topic, partition)
            """,
            $"""
            CREATE TABLE IF NOT EXISTS {SyncState} {on} AS {SyncState}{LocalSuffix}
            ENGINE = Distributed({Quote(cluster)}, {db}, {SyncState}{LocalSuffix}, partition)
            """,
        ];
    }

    /// <summary>
    /// Settings of every insert on a cluster: a Distributed insert returns only once the shards have the rows
    /// (so a commit never runs ahead of them), and passes the deduplication token on to the shards' inserts.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, object>> ClusterInsertSettings =>
        [new("distributed_foreground_insert", 1)];

    /// <summary>A backquoted identifier (the cluster name is configuration, not input, but quote it anyway).</summary>
    public static string Quote(string identifier) => "`" + identifier.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
}

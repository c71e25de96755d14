namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Where the worker's tables live. On one server: the tables under their contract names. On a cluster
/// (<c>SyncWorker:ClickHouseCluster</c>): each table is a <c>Replicated*</c> table <c>&lt;name&gt;_local</c> on every
/// node (<c>ON CLUSTER</c>, the server's default replica path and name) behind a <c>Distributed</c> table under the
/// contract name, sharded so that every version of an order (and every row of a partition's state) lands on one
/// shard — which is what makes <c>FINAL</c> exact per shard. Readers and the worker use the contract names either way.
/// </summary>
internal sealed record SchemaLayout(string? Cluster, string? Database)
{
    public const string LocalSuffix = "_local";

    public bool IsCluster => !string.IsNullOrWhiteSpace(Cluster);

    /// <summary><c>ON CLUSTER `name` </c>, or nothing on one server.</summary>
    public string OnCluster => IsCluster ? $"ON CLUSTER {Quote(Cluster!)} " : "";

    /// <summary>The table that holds the rows of <paramref name="table"/>: itself, or its per-node table on a cluster.</summary>
    public string Local(string table) => IsCluster ? table + LocalSuffix : table;

    /// <summary>On a cluster, the <c>Distributed</c> table named <paramref name="table"/> over its per-node table; nothing on one server.</summary>
    public IEnumerable<string> DistributedOver(string table, string shardingKey)
    {
        if (IsCluster)
        {
            var database = string.IsNullOrWhiteSpace(Database) ? "currentDatabase()" : Quote(Database);
            yield return $"""
                CREATE TABLE IF NOT EXISTS {table} {OnCluster}AS {Local(table)}
                ENGINE = Distributed({Quote(Cluster!)}, {database}, {Local(table)}, {shardingKey})
                """;
        }
    }

    /// <summary>A backquoted identifier (the cluster name is configuration, not input, but quote it anyway).</summary>
    public static string Quote(string identifier) =>
        "`" + identifier.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
}

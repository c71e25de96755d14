using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Version 1, as the worker created it before migrations existed: <c>orders</c> unpartitioned and sorted by
/// <c>order_id</c>, and <c>sync_state</c>. <c>IF NOT EXISTS</c> throughout, so on a system from before migrations it
/// changes nothing and is only recorded. Its <c>orders</c> and <c>sync_state</c> DDL is frozen here; the <c>orders</c>
/// columns have not changed since, so they come from the contract (a migration that changes them freezes them here first).
/// </summary>
internal sealed class Migration0001Initial : ISchemaMigration
{
    public int Version => 1;

    public string Name => "initial: orders (unpartitioned, by order_id), sync_state";

    public Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken) =>
        context.ExecuteAsync(Statements(context.Layout), cancellationToken);

    /// <summary><c>sync_state</c>'s columns in version 1 (version 3 appended the source).</summary>
    private const string SyncStateVersion1Columns = """
        topic LowCardinality(String), partition UInt32,
        next_offset Int64,
        lsn UInt64,
        as_of DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC')
        """;

    public static IEnumerable<string> Statements(SchemaLayout layout)
    {
        var replicated = layout.IsCluster;
        yield return $"""
            CREATE TABLE IF NOT EXISTS {layout.Local(OrdersTable.Name)} {layout.OnCluster}({OrdersTable.ColumnDefinitions})
            ENGINE = {(replicated ? "Replicated" : "")}ReplacingMergeTree(version, is_deleted) ORDER BY order_id
            SETTINGS {(replicated ? "replicated" : "non_replicated")}_deduplication_window = {OrdersTable.DeduplicationWindow}
            """;
        foreach (var statement in layout.DistributedOver(OrdersTable.Name, "cityHash64(order_id)"))
        {
            yield return statement;
        }

        yield return $"""
            CREATE TABLE IF NOT EXISTS {layout.Local(SyncStateTable.Name)} {layout.OnCluster}({SyncStateVersion1Columns})
            ENGINE = {(replicated ? "Replicated" : "")}ReplacingMergeTree(updated_at) ORDER BY ({SyncStateTable.SortingKey})
            """;
        foreach (var statement in layout.DistributedOver(SyncStateTable.Name, "partition"))
        {
            yield return statement;
        }
    }
}

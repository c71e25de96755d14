using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Version 4: ClickHouse merges a quiet partition of <c>orders</c> into one part (<see cref="OrdersTable.MergeSettings"/>),
/// so <c>FINAL</c> over it merges nothing. <c>MODIFY SETTING</c>: a metadata change, instant and idempotent; parts
/// already there are merged by the server in the background, nothing is copied here.
/// </summary>
internal sealed class Migration0004QuietPartitionsMerged : ISchemaMigration
{
    public int Version => 4;

    public string Name => "orders: quiet partitions merged into one part";

    public Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken) =>
        context.ExecuteAsync(Statements(context.Layout), cancellationToken);

    /// <summary>The per-node table: a <c>Distributed</c> table has no parts.</summary>
    public static IEnumerable<string> Statements(SchemaLayout layout)
    {
        yield return $"ALTER TABLE {layout.Local(OrdersTable.Name)} {layout.OnCluster}MODIFY SETTING {OrdersTable.MergeSettings}";
    }
}

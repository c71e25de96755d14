using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Version 5: ClickHouse removes outdated parts of <c>orders</c> and <c>sync_state</c> every second or two, a few dozen
/// at a time, instead of ~1,000 every 30–40 s while inserts wait (<see cref="PartCleanup"/>). <c>MODIFY SETTING</c>: a
/// metadata change, instant and idempotent.
/// </summary>
internal sealed class Migration0005PartsRemovedSteadily : ISchemaMigration
{
    public int Version => 5;

    public string Name => "orders, sync_state: outdated parts removed in small, frequent rounds";

    public Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken) =>
        context.ExecuteAsync(Statements(context.Layout), cancellationToken);

    /// <summary>The per-node tables: a <c>Distributed</c> table has no parts.</summary>
    public static IEnumerable<string> Statements(SchemaLayout layout)
    {
        yield return $"ALTER TABLE {layout.Local(OrdersTable.Name)} {layout.OnCluster}MODIFY SETTING {PartCleanup.Settings}";
        yield return $"ALTER TABLE {layout.Local(SyncStateTable.Name)} {layout.OnCluster}MODIFY SETTING {PartCleanup.Settings}";
    }
}

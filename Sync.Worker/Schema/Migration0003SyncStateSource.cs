using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Version 3: <c>sync_state</c> records the source each watermark belongs to (PostgreSQL's system identifier and
/// timeline, contracts.md §2). Two appended columns, <c>ADD COLUMN IF NOT EXISTS</c>: a metadata change, instant, and
/// idempotent. Rows written before it read 0/0 (no source), which Analytics.Api does not trust until the worker's next
/// write of that partition (a heartbeat reaches every partition twice a second).
/// </summary>
internal sealed class Migration0003SyncStateSource : ISchemaMigration
{
    public int Version => 3;

    public string Name => "sync_state: source_system_id, source_timeline";

    public Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken) =>
        context.ExecuteAsync(Statements(context.Layout), cancellationToken);

    /// <summary>The per-node table first; on a cluster, then the <c>Distributed</c> table over it.</summary>
    public static IEnumerable<string> Statements(SchemaLayout layout)
    {
        var add = string.Join(", ", SyncStateTable.SourceColumns.Select(c => $"ADD COLUMN IF NOT EXISTS {c.Name} {c.Type}"));
        yield return $"ALTER TABLE {layout.Local(SyncStateTable.Name)} {layout.OnCluster}{add}";
        if (layout.IsCluster)
        {
            yield return $"ALTER TABLE {SyncStateTable.Name} {layout.OnCluster}{add}";
        }
    }
}

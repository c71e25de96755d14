namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// One versioned step of the worker's ClickHouse schema. <see cref="ApplyAsync"/> must be idempotent from any state
/// a crash part-way through it can leave: the migrator re-runs a step until it is recorded as applied.
/// </summary>
internal interface ISchemaMigration
{
    int Version { get; }

    string Name { get; }

    Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken);
}

using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Brings the worker's ClickHouse schema to the version this build writes, before the pipeline starts: applies every
/// migration not yet recorded in <c>schema_migrations</c>, in version order, and records each once it has succeeded.
/// A failure leaves it unrecorded; the caller retries, and a migration is idempotent from any state it can leave.
/// </summary>
internal sealed partial class SchemaMigrator(IClickHouseClient client, SchemaLayout layout, ILogger<SchemaMigrator> logger)
{
    public const string Table = "schema_migrations";

    /// <summary>Every migration, oldest first. The last one's version is the schema this build writes.</summary>
    public static readonly IReadOnlyList<ISchemaMigration> All = [new Migration0001Initial(), new Migration0002PartitionedOrders(), new Migration0003SyncStateSource(), new Migration0004QuietPartitionsMerged(), new Migration0005PartsRemovedSteadily()];

    private const string AppliedSql = "SELECT version FROM " + Table + " FINAL";

    private const string RecordSql = "INSERT INTO " + Table + " (version, name) SELECT {version:UInt32}, {name:String}";

    public static int CurrentVersion => All[^1].Version;

    /// <summary>Applies what is missing; <paramref name="progress"/> hears what it is doing (for /health).</summary>
    public async Task MigrateAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        await client.ExecuteNonQueryAsync(CreateTableStatement(layout), cancellationToken: cancellationToken);
        var applied = await AppliedAsync(cancellationToken);
        if (applied.Count > 0 && applied.Max() > CurrentVersion)
        {
            // A newer worker migrated past what this build writes: writing on would break its readers.
            throw new InvalidOperationException(
                $"The ClickHouse schema is at version {applied.Max()}, newer than this worker's {CurrentVersion}: run a worker of that version.");
        }

        var context = new MigrationContext(client, layout, progress);
        foreach (var migration in All.Where(m => !applied.Contains(m.Version)))
        {
            progress($"schema migration {migration.Version}: {migration.Name}");
            LogApplying(logger, migration.Version, migration.Name);
            await migration.ApplyAsync(context, cancellationToken);
            await RecordAsync(migration, cancellationToken);
            LogApplied(logger, migration.Version);
        }
    }

    /// <summary>
    /// The record of applied migrations. On a cluster one replicated table shared by every node (its path names no
    /// shard), so whichever node the worker reaches knows what has been applied.
    /// </summary>
    public static string CreateTableStatement(SchemaLayout layout) =>
        $"""
        CREATE TABLE IF NOT EXISTS {Table} {layout.OnCluster}(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
        ENGINE = {(layout.IsCluster ? $"ReplicatedReplacingMergeTree('/clickhouse/tables/{{database}}/{Table}', '{{replica}}')" : "ReplacingMergeTree")}
        ORDER BY version
        """;

    private async Task<HashSet<int>> AppliedAsync(CancellationToken cancellationToken)
    {
        using var reader = await client.ExecuteReaderAsync(AppliedSql, cancellationToken: cancellationToken);
        var versions = new HashSet<int>();
        while (reader.Read())
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return versions;
    }

    private async Task RecordAsync(ISchemaMigration migration, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", (uint)migration.Version);
        parameters.AddParameter("name", migration.Name);
        await client.ExecuteNonQueryAsync(RecordSql, parameters, cancellationToken: cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying ClickHouse schema migration {Version}: {Name}")]
    private static partial void LogApplying(ILogger logger, int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse schema migration {Version} applied")]
    private static partial void LogApplied(ILogger logger, int version);
}

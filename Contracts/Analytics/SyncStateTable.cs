namespace PolyglotAspire.Contracts.Analytics;

/// <summary>
/// The ClickHouse <c>sync_state</c> table (contracts.md §2, §4), its one definition: per topic partition, the
/// watermark applied to <see cref="OrdersTable"/>, and the source its LSN belongs to (PostgreSQL's system identifier
/// and timeline; 0/0 on zero rows and on rows from before version 3). The sync worker writes it; Analytics.Api reads it
/// for freshness and trusts a row only if its source is the database it checks against (contracts.md §2).
/// </summary>
public static class SyncStateTable
{
    public const string Name = "sync_state";

    /// <summary>The schema version that gave the table its current shape (3 added the source columns, 5 <see cref="PartCleanup"/>).</summary>
    public const int Version = 5;

    /// <summary>The column definitions, in table order.</summary>
    public const string ColumnDefinitions = """
        topic LowCardinality(String), partition UInt32,
        next_offset Int64,
        lsn UInt64,
        as_of DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        source_system_id UInt64,
        source_timeline UInt32
        """;

    /// <summary>The columns version 3 appended, with their definitions (old rows read 0: no source).</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> SourceColumns = [("source_system_id", "UInt64"), ("source_timeline", "UInt32")];

    /// <summary>The columns a row carries, in RowBinary order (all of them, in table order).</summary>
    public static readonly IReadOnlyList<string> InsertColumns =
        ["topic", "partition", "next_offset", "lsn", "as_of", "updated_at", "source_system_id", "source_timeline"];

    /// <summary>The sorting key, as <c>system.tables.sorting_key</c> prints it; the newest <c>updated_at</c> wins.</summary>
    public const string SortingKey = "topic, partition";

    /// <summary>The current DDL, idempotent; see <see cref="OrdersTable.CreateStatement"/> for the cluster arguments.</summary>
    public static string CreateStatement(string table, string onCluster = "", bool replicated = false) =>
        $"""
        CREATE TABLE IF NOT EXISTS {table} {onCluster}({ColumnDefinitions})
        ENGINE = {(replicated ? "Replicated" : "")}ReplacingMergeTree(updated_at) ORDER BY ({SortingKey})
        SETTINGS {PartCleanup.Settings}
        """;
}

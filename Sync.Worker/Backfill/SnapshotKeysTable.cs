namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// <c>backfill_snapshot</c>: the worker's working table during a backfill (not part of the schema contract: created,
/// emptied and dropped by each backfill). It holds the (created_at, order_id) of every order in the snapshot, so the
/// orders ClickHouse holds but the snapshot does not — deleted in PostgreSQL, their delete lost — are found inside
/// ClickHouse, one month-partition at a time, without carrying millions of ids through the worker.
/// </summary>
internal static class SnapshotKeysTable
{
    public const string Name = "backfill_snapshot";

    public static readonly IReadOnlyList<string> InsertColumns = ["created_at", "order_id"];

    public const string Create = $"""
        CREATE TABLE IF NOT EXISTS {Name} (created_at DateTime64(3, 'UTC'), order_id UUID)
        ENGINE = MergeTree PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, order_id)
        """;

    public const string Truncate = $"TRUNCATE TABLE IF EXISTS {Name}";

    public const string Drop = $"DROP TABLE IF EXISTS {Name}";
}

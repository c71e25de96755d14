namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// The answer of <c>GET /api/admin/backfill</c>: the last backfill this process ran (or <c>idle</c>). <see cref="Rows"/>
/// counts orders copied so far, <see cref="Tombstones"/> deletions placed for orders ClickHouse held but PostgreSQL no
/// longer did, <see cref="SnapshotLsn"/> the snapshot's WAL position, <see cref="Phase"/> what a running one is doing.
/// </summary>
public sealed record BackfillStatus(
    string State,
    long Rows,
    long Tombstones,
    string? SnapshotLsn,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Phase,
    DateTime? From,
    DateTime? To,
    string? Error)
{
    public const string Idle = "idle";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";

    public static readonly BackfillStatus Never = new(Idle, 0, 0, null, null, null, null, null, null, null);
}

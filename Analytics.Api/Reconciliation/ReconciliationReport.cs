namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// The answer of <c>GET /api/analytics/reconciliation</c>: both stores compared at one point of the change stream.
/// <see cref="SnapshotLsn"/> is that point (PostgreSQL's snapshot), <see cref="Watermark"/> how far ClickHouse had
/// applied the stream when it was read (always ≥ the snapshot), <see cref="AsOf"/> PostgreSQL's clock at the snapshot.
/// <see cref="Buckets"/> counts the day × region × currency buckets compared; <see cref="ExcludedOrders"/> the orders
/// left out on both sides because ClickHouse already holds a change of theirs made after the snapshot.
/// <see cref="Differences"/> is empty when the stores agree.
/// </summary>
public sealed record ReconciliationReport(
    DateTimeOffset AsOf,
    string Watermark,
    string SnapshotLsn,
    DateTime From,
    DateTime To,
    int Buckets,
    int ExcludedOrders,
    IReadOnlyList<BucketDifference> Differences,
    double ElapsedSeconds);

namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>A bucket where PostgreSQL (<see cref="Oltp"/>) and ClickHouse (<see cref="Olap"/>) disagree; a side without the bucket has zeros.</summary>
public sealed record BucketDifference(string Day, string Region, string Currency, BucketTotals Oltp, BucketTotals Olap);

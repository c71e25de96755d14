namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>One side's figures for a bucket, by the analytics definitions: non-deleted orders and their revenue.</summary>
public readonly record struct BucketTotals(long Orders, decimal Revenue)
{
    public static BucketTotals operator -(BucketTotals a, BucketTotals b) => new(a.Orders - b.Orders, a.Revenue - b.Revenue);
}
